//! Scanning a text for a few tokens ([`super::for_each_token_starting`]): the words that
//! cannot begin one are skipped unanalysed, and plain words are analysed inline.
//!
//! ASCII whitespace always separates tokens and nothing is looked up across it; nor across `/`,
//! `=` and `&`, which Unicode word segmentation always breaks at and no token rule of the
//! analyzer joins or looks at (a `.` after one begins a `.net` as at the start of a text). So
//! each run between them yields the same tokens alone as within the text: a URL or a path
//! (`celery/rabbitmq`) is a few runs, most of them plain or skipped, not one long run for the
//! tokenizer (a URL was a third of the bytes it read when highlighting). Most runs of
//! prose are *plain*: an ASCII word of letters and digits, maybe in brackets or quotes or
//! followed by punctuation (`(python),`). Such a run yields its word lower-cased (unless longer
//! than the longest token) and, for a word of 3+ letters, its stem: made here directly, as are
//! the tokens of a compound run (`property-based`: the whole, its parts and their stems). Any
//! other run goes through the tokenizer, alone or with its wanted neighbours.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::runs::{ALNUM, BREAKS as CLASSES, Piece, SPACE, compound_tokens, read_run};
use super::tokenizer::TalkTokenizer;
use super::{ByteSet, MAX_LEN, MIN_STEM_LEN, Starts};

/// Calls `f` with the tokens of `text` that may be wanted by `starts` (all if None), stemming
/// only words whose first byte is in `stems`.
pub(super) fn scan(
    tk: &mut TalkTokenizer,
    text: &str,
    starts: Option<&Starts>,
    stems: &ByteSet,
    mut f: impl FnMut(&Token),
) {
    tk.stem_first = *stems;
    let analyse = |tk: &mut TalkTokenizer, from: usize, to: usize, f: &mut dyn FnMut(&Token)| {
        let mut stream = tk.token_stream(&text[from..to]);
        while stream.advance() {
            let token = stream.token_mut();
            token.offset_from += from;
            token.offset_to += from;
            f(token);
        }
    };
    let Some(starts) = starts else { return analyse(tk, 0, text.len(), &mut f) };
    let b = text.as_bytes();
    let (mut word, mut stem) = (Token::default(), Token::default());
    // Consecutive runs for the tokenizer are analysed together: `span` is where they began,
    // `pos` (the end of the last run read) where they end.
    let (mut pos, mut span) = (0, None);
    // A run without a place where a wanted token may begin yields none: runs are read from the
    // next such place on, the ones before it skipped unread.
    while let Some(mut run) = next_start(b, pos, starts) {
        while run > pos && CLASSES[usize::from(b[run - 1])] != SPACE {
            run -= 1;
        }
        if span.is_some() && b[pos..run].iter().any(|&c| CLASSES[usize::from(c)] != SPACE) {
            // A run was skipped: the span ended before it.
            if let Some(begun) = span.take() {
                analyse(tk, begun, pos, &mut f);
            }
        }
        let (end, plain) = read_run(b, run, &CLASSES);
        pos = end;
        if let Some(plain) = plain {
            if let Some(begun) = span.take() {
                analyse(tk, begun, run, &mut f);
            }
            let mut token = |surface: &str, from: usize, to: usize, stemmed: bool| {
                if !starts.at(b, from) {
                    return;
                }
                word.text.clear();
                word.text.push_str(surface);
                word.text.make_ascii_lowercase();
                (word.offset_from, word.offset_to) = (from, to);
                f(&word);
                stem.text.clear();
                if stemmed
                    && surface.len() >= MIN_STEM_LEN
                    && surface.bytes().all(|c| c.is_ascii_alphabetic())
                    && tk.push_stem_of(&word.text, &mut stem.text)
                {
                    (stem.offset_from, stem.offset_to) = (from, to);
                    f(&stem);
                }
            };
            let (from, to) = (plain.from, plain.to);
            match plain.compound {
                false if to - from <= MAX_LEN => token(&text[from..to], from, to, true),
                false => {}
                true => compound_tokens(text, from, to, |surface, from, to, piece| {
                    token(surface, from, to, piece != Piece::Whole);
                }),
            }
            continue;
        }
        if wanted(text, run, pos, starts) {
            span.get_or_insert(run);
        } else if let Some(begun) = span.take() {
            analyse(tk, begun, run, &mut f);
        }
    }
    if let Some(begun) = span {
        analyse(tk, begun, pos, &mut f);
    }
}

/// The first place from `b[pos]` on where a wanted token may begin: a byte that may begin one
/// ([`Starts::may_begin`]), is not whitespace or a break, and is not an ASCII letter or digit
/// right after another (tokens of ASCII words begin at the word's start; see [`wanted`]).
fn next_start(b: &[u8], pos: usize, starts: &Starts) -> Option<usize> {
    let mut at = pos;
    loop {
        // Most bytes cannot begin a wanted token: skipped by one lookup each, the rest of the
        // test made only for those that can.
        at += b.get(at..)?.iter().position(|&c| starts.may_begin(c))?;
        let class = CLASSES[usize::from(b[at])];
        let after_alnum = at > 0 && CLASSES[usize::from(b[at - 1])] == ALNUM;
        // (A break may be a byte `starts` wants: with `Starts::all`, any but whitespace is.)
        if class != SPACE && !(class == ALNUM && after_alnum) {
            return Some(at);
        }
        at += 1;
    }
}

/// Whether the run `text[run..end]` may yield a token of `starts`: one of its ASCII word starts
/// or punctuation may begin one (see [`Starts::at`]), or it has a letter or digit outside
/// ASCII that may be part of one ([`Starts::wants_letter`]; a change of script is a word
/// boundary, and folding may make anything of an accented letter).
fn wanted(text: &str, run: usize, end: usize, starts: &Starts) -> bool {
    let b = text.as_bytes();
    let (mut pos, mut in_word) = (run, false);
    while pos < end {
        let c = b[pos];
        if c.is_ascii() {
            let alphanumeric = c.is_ascii_alphanumeric();
            if (!alphanumeric || !in_word) && starts.at(b, pos) {
                return true;
            }
            in_word = alphanumeric;
            pos += 1;
        } else {
            let ch = text[pos..].chars().next().unwrap_or_default();
            if in_word && continues_latin_word(ch) {
                // Inside a word of Latin letters (`informação`): UAX #29 does not break between
                // letters, nor before a mark, so no token begins here.
                pos += ch.len_utf8();
                continue;
            }
            // Other characters outside ASCII (quotes, dashes, accents) begin no token.
            if (starts.wants_letter(ch) && is_alphanumeric(ch)) || is_connector(ch) {
                return true;
            }
            in_word = false;
            pos += ch.len_utf8();
        }
    }
    false
}

/// [`char::is_alphanumeric`], answered at once for General Punctuation (U+2000 to U+206F: the
/// dashes, quotes and ellipses of prose; none is a letter or digit), which the standard
/// library looks up in its tables.
fn is_alphanumeric(c: char) -> bool {
    !matches!(c, '\u{2000}'..='\u{206F}') && c.is_alphanumeric()
}

/// A Latin letter outside ASCII (Latin-1 and Latin Extended-A and -B, Latin Extended
/// Additional) or a combining mark: after a letter or digit, part of the same word.
fn continues_latin_word(c: char) -> bool {
    matches!(c, '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{24F}' | '\u{300}'..='\u{36F}'
        | '\u{1E00}'..='\u{1EFF}')
}

/// Connector punctuation outside ASCII (`‿`), which joins a word like `_` does.
fn is_connector(c: char) -> bool {
    matches!(c, '\u{203F}' | '\u{2040}' | '\u{2054}' | '\u{FE33}' | '\u{FE34}' | '\u{FE4D}'..='\u{FE4F}' | '\u{FF3F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_punctuation_has_no_letters_or_digits() {
        for c in ('\u{2000}'..='\u{206F}').chain(['a', 'é', '本', '²', '—', ' ']) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
        }
    }
}
