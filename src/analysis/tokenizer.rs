//! The `talk` tokenizer itself: groups of segments (words, compounds, split words, symbols)
//! turned into whole, part and stem tokens (see the [`super`] module docs for the rules).

use std::cell::RefCell;
use std::collections::HashMap;
use std::iter::Peekable;

use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};

use super::hash::{FoldHash, pack};
use super::runs::{Piece, WHITESPACE, compound_tokens, read_run};
use super::segments::{Segments, is_separator, is_word, strip_possessive};
use super::*;

/// A token to emit: offsets `.0..1`, position `.2`, text `parts[.3...4]` (or
/// `whole[.3...4]` if `.5`).
#[derive(Clone, Copy, Default)]
pub(super) struct Pending(usize, usize, usize, usize, usize, bool);

/// A word `core.0..core.1` with its `.` prefix (`from..core.0`) and `++`/`#`
/// suffix (`core.1..to`), either possibly empty.
#[derive(Clone, Copy)]
pub(super) struct Atom {
    from: usize,
    core: (usize, usize),
    to: usize,
}

/// Splits, lower-cases, folds and stems, reusing its buffers across texts.
#[derive(Clone)]
pub(super) struct TalkTokenizer {
    parts: String,
    whole: String,
    out: Vec<Pending>,
    folder: TextAnalyzer,
    stemmer: frostem::Stemmer,
    /// Words are stemmed only if their first byte is in this set.
    pub(super) stem_first: ByteSet,
    /// Whether plain runs ([`super::runs`]) skip word segmentation (false: the reference path,
    /// for tests).
    pub(super) plain_runs: bool,
}

impl Tokenizer for TalkTokenizer {
    type TokenStream<'a> = TalkStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TalkStream<'a> {
        self.out.clear();
        let segs = Segments::span(text, 0, 0).peekable();
        let token = Token::default();
        TalkStream { text, segs, cursor: 0, tk: self, next: 0, pos: 0, group_parts: 0, token }
    }
}

pub(super) struct TalkStream<'a> {
    text: &'a str,
    /// The segments of the run being read, one that is not plain (none between runs).
    segs: Peekable<Segments<'a>>,
    /// Where the next run is looked for.
    cursor: usize,
    tk: &'a mut TalkTokenizer,
    /// Next index in `tk.out` to emit.
    next: usize,
    /// Position of the first part of the current group.
    pos: usize,
    /// Parts (emitted, or dropped as too long) of the current group so far.
    group_parts: usize,
    token: Token,
}

impl TalkStream<'_> {
    /// Reads the next group (a word or a compound) into `out`; None at the end.
    fn fill_group(&mut self) -> Option<()> {
        self.pos += std::mem::take(&mut self.group_parts);
        let mut atom = loop {
            let (start, seg) = match self.segs.next() {
                Some(next) => next,
                None if self.next_run()? => return Some(()),
                None => continue,
            };
            if self.plain_word(start, seg) {
                return Some(());
            }
            if let Some(atom) = self.start_atom(start, seg) {
                break atom;
            }
        };
        let tk = &mut *self.tk;
        tk.out.clear();
        tk.parts.clear();
        tk.whole.clear();
        tk.out.push(Pending::default()); // the whole, if it is emitted
        self.next = 1;
        let (from, mut to) = (atom.from, self.push_atom(atom));
        while let Some(next) = self.continue_compound(atom.to) {
            self.tk.whole.push('-');
            (atom, to) = (next, self.push_atom(next));
        }
        let tk = &mut *self.tk;
        fold_tail(&mut tk.folder, &mut tk.whole, 0);
        // A single part as long as the whole (no separators) is the whole.
        let first = tk.out.get(1).copied().unwrap_or_default();
        let same = self.group_parts == 1 && first.4 - first.3 == tk.whole.len();
        if tk.out.len() > 1 && !same && tk.whole.len() <= MAX_LEN {
            tk.out[0] = Pending(from, to, self.pos, 0, tk.whole.len(), true);
            self.next = 0;
        }
        Some(())
    }

    /// The fast path for the commonest group, an ASCII word of letters and digits that nothing
    /// joins to what follows (no `++`, `#`, hyphen or apostrophe directly after it): what the
    /// general path makes of it, without its lookahead. Returns false for any other segment.
    fn plain_word(&mut self, start: usize, seg: &str) -> bool {
        let end = start + seg.len();
        let joined = |b: u8| !b.is_ascii() || matches!(b, b'+' | b'#' | b'-' | b'\'');
        // Both flags in one pass, without early exit: the loop vectorises.
        let (alphanumeric, letters) = seg.bytes().fold((true, true), |(alnum, alpha), b| {
            (alnum & b.is_ascii_alphanumeric(), alpha & b.is_ascii_alphabetic())
        });
        if !alphanumeric || self.text.as_bytes().get(end).copied().is_some_and(joined) {
            return false;
        }
        self.word_group(start, end, letters);
        true
    }

    /// Reads the next run between whitespace: a plain run's word becomes the group at once
    /// (what segmentation and [`Self::plain_word`] make of it), another run's segments are
    /// left in `segs`. Returns whether the group was made; None at the end of the text.
    fn next_run(&mut self) -> Option<bool> {
        let b = self.text.as_bytes();
        let run = self.cursor + b.get(self.cursor..)?.iter().position(|c| !c.is_ascii_whitespace())?;
        let (end, plain) = read_run(b, run, &WHITESPACE);
        self.cursor = end;
        match plain {
            Some(p) if self.tk.plain_runs && p.compound => {
                self.compound_group(p.from, p.to);
                Some(true)
            }
            Some(p) if self.tk.plain_runs => {
                let letters = b[p.from..p.to].iter().fold(true, |alpha, c| alpha & c.is_ascii_alphabetic());
                self.word_group(p.from, p.to, letters);
                Some(true)
            }
            _ => {
                self.segs = Segments::span(self.text, run, end).peekable();
                Some(false)
            }
        }
    }

    /// Makes the group of the ASCII word `text[start..end]` of letters and digits (`letters`:
    /// only letters): the word lower-cased and its stem, or nothing if it is too long.
    fn word_group(&mut self, start: usize, end: usize, letters: bool) {
        let tk = &mut *self.tk;
        tk.out.clear();
        self.next = 0;
        self.group_parts = 1;
        if end - start > MAX_LEN {
            return;
        }
        tk.parts.clear();
        tk.parts.push_str(&self.text[start..end]);
        tk.parts.make_ascii_lowercase();
        tk.out.push(Pending(start, end, self.pos, 0, end - start, false));
        if letters && end - start >= MIN_STEM_LEN {
            tk.push_stem(start, end, self.pos, 0);
        }
    }

    /// Makes the group of the compound `text[from..to]` (ASCII words of letters and digits
    /// joined by single hyphens; see [`compound_tokens`]): what segmentation and the compound
    /// rule make of it, its whole, then each part and its stem.
    fn compound_group(&mut self, from: usize, to: usize) {
        let (tk, pos) = (&mut *self.tk, self.pos);
        tk.out.clear();
        tk.parts.clear();
        tk.whole.clear();
        self.next = 0;
        self.group_parts = 1 + self.text[from..to].bytes().filter(|&b| b == b'-').count();
        compound_tokens(self.text, from, to, |surface, from, to, piece| match piece {
            Piece::Whole => {
                tk.whole.push_str(surface);
                tk.whole.make_ascii_lowercase();
                tk.out.push(Pending(from, to, pos, 0, tk.whole.len(), true));
            }
            Piece::Part(n) => {
                let start = tk.parts.len();
                tk.parts.push_str(surface);
                tk.parts[start..].make_ascii_lowercase();
                tk.out.push(Pending(from, to, pos + n, start, tk.parts.len(), false));
                if surface.len() >= MIN_STEM_LEN && surface.bytes().all(|b| b.is_ascii_alphabetic()) {
                    tk.push_stem(from, to, pos + n, start);
                }
            }
        });
    }

    fn start_atom(&mut self, start: usize, seg: &str) -> Option<Atom> {
        if is_word(seg) {
            return Some(self.word_atom(start, seg));
        }
        let prev = self.text[..start].chars().next_back();
        if seg != "." || prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            return None;
        }
        let is_next = |&(s, w): &(usize, &str)| s == start + 1 && w.starts_with(char::is_alphabetic);
        let (s, word) = self.segs.next_if(is_next)?;
        let mut atom = self.word_atom(s, word);
        atom.from = start;
        Some(atom)
    }

    /// A word segment plus a directly following `++` (or `#` after one letter).
    fn word_atom(&mut self, start: usize, seg: &str) -> Atom {
        let end = start + seg.len();
        let rest = &self.text[end..];
        let one_letter = || seg.chars().nth(1).is_none() && seg.starts_with(char::is_alphabetic);
        let to = match () {
            _ if rest.starts_with("++") => end + 2,
            _ if rest.starts_with('#') && one_letter() => end + 1,
            _ => end,
        };
        // Also skips a possessive that UAX #29 split off (`3.12's`, `C++'s`).
        let tail = &self.text[to..];
        let possessive = ["'s", "\u{2019}s"].iter().find(|p| tail.starts_with(**p));
        let skip = possessive.filter(|p| !tail[p.len()..].starts_with(char::is_alphanumeric));
        let skip_to = to + skip.map_or(0, |p| p.len());
        while self.segs.next_if(|&(s, _)| s < skip_to).is_some() {}
        Atom { from: start, core: (start, end), to }
    }

    /// The next atom if a hyphen without whitespace joins it to the group.
    fn continue_compound(&mut self, end: usize) -> Option<Atom> {
        let (_, dash) = self.segs.next_if(|&(s, d)| s == end && matches!(d, "-" | "\u{2010}" | "\u{2011}"))?;
        let (s, word) = self.segs.next_if(|&(s, w)| s == end + dash.len() && is_word(w))?;
        Some(self.word_atom(s, word))
    }

    /// Appends the atom to `whole` and its part(s) to `out`; returns its end
    /// offset, possessive excluded.
    fn push_atom(&mut self, a: Atom) -> usize {
        let core = strip_possessive(&self.text[a.core.0..a.core.1]);
        let to = if a.to == a.core.1 { a.core.0 + core.len() } else { a.to };
        let tk = &mut *self.tk;
        let start = tk.parts.len();
        let plain = core.bytes().all(|b| b.is_ascii_alphanumeric());
        if plain || (a.from, a.to) != a.core || !core.chars().any(char::is_alphabetic) {
            // One part: a plain word (fast path), `.net`, `c++`, `c#` or a number.
            tk.parts.push_str(&self.text[a.from..a.core.0]);
            if plain {
                tk.parts.push_str(core);
                tk.parts[start..].make_ascii_lowercase();
            } else {
                let chars = core.chars().filter(|&c| !is_dropped(c));
                chars.for_each(|c| push_lower(&mut tk.parts, c));
            }
            tk.parts.push_str(&self.text[a.core.1..a.to]);
            tk.whole.push_str(&tk.parts[start..]);
            self.end_part(a.from, to, start);
            return to;
        }
        let (mut part, mut start) = (None, start);
        for (i, c) in core.char_indices().filter(|&(_, c)| !is_dropped(c)) {
            let at = a.core.0 + i;
            if c.is_alphanumeric() || !is_separator(c) {
                push_lower(&mut self.tk.whole, c);
                push_lower(&mut self.tk.parts, c);
                part = Some((part.map_or(at, |(from, _)| from), at + c.len_utf8()));
            } else {
                self.tk.whole.push(c);
                if let Some((from, to)) = part.take() {
                    self.end_part(from, to, start);
                    start = self.tk.parts.len();
                }
            }
        }
        if let Some((from, to)) = part {
            self.end_part(from, to, start);
        }
        to
    }

    /// Folds `parts[start..]` and emits it as the group's next part, then
    /// its stem, unless it is too long (then truncates `parts` to `start`).
    fn end_part(&mut self, from: usize, to: usize, start: usize) {
        let (tk, pos) = (&mut *self.tk, self.pos + self.group_parts);
        self.group_parts += 1;
        fold_tail(&mut tk.folder, &mut tk.parts, start);
        let end = tk.parts.len();
        if end - start > MAX_LEN {
            return tk.parts.truncate(start);
        }
        tk.out.push(Pending(from, to, pos, start, end, false));
        if end - start >= MIN_STEM_LEN && tk.parts[start..].bytes().all(|b| b.is_ascii_lowercase()) {
            tk.push_stem(from, to, pos, start);
        }
    }
}

impl TalkTokenizer {
    pub(super) fn new() -> TalkTokenizer {
        TalkTokenizer {
            parts: String::new(),
            whole: String::new(),
            out: Vec::new(),
            folder: folder(),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            stem_first: ByteSet::ALL,
            plain_runs: true,
        }
    }

    /// Emits the stem of the word `parts[start..]` (3+ bytes of `a-z`) at the word's position and
    /// offsets, unless it is the word itself.
    fn push_stem(&mut self, from: usize, to: usize, pos: usize, start: usize) {
        let end = self.parts.len();
        if !self.stem_first.contains(self.parts.as_bytes()[start]) {
            return;
        }
        let stem = stem_of(&self.stemmer, &self.parts[start..end]);
        if stem.push_to(&mut self.parts) {
            self.out.push(Pending(from, to, pos, end, self.parts.len(), false));
        }
    }

    /// Appends `STEM_MARK` and the stem of `word` (3+ bytes of `a-z`) to `out`, if its first
    /// byte is in `stem_first` and the stem is not the word itself; returns whether it did.
    pub(super) fn push_stem_of(&mut self, word: &str, out: &mut String) -> bool {
        if !word.as_bytes().first().is_some_and(|&b| self.stem_first.contains(b)) {
            return false;
        }
        stem_of(&self.stemmer, word).push_to(out)
    }
}

/// A word's stem, if it differs from the word.
enum Stem {
    Same,
    Packed(u128),
    Owned(String),
}

impl Stem {
    /// Appends `STEM_MARK` and the stem to `out`, unless it is the word; returns whether it did.
    fn push_to(self, out: &mut String) -> bool {
        let text = match &self {
            Stem::Same => return false,
            Stem::Owned(stem) if stem.is_empty() => return false,
            Stem::Owned(stem) => stem.as_str(),
            Stem::Packed(packed) => {
                let bytes = packed.to_le_bytes();
                let len = 16 - packed.leading_zeros() as usize / 8;
                out.push(STEM_MARK);
                out.push_str(std::str::from_utf8(&bytes[..len]).unwrap_or_default());
                return true;
            }
        };
        out.push(STEM_MARK);
        out.push_str(text);
        true
    }
}

thread_local! {
    /// Packed word -> packed stem, or 0 when the stem is the word itself: one cache a thread,
    /// shared by its tokenizers (tantivy gives each indexing thread one a field, and starts
    /// them afresh for each segment; the stemmer was a tenth of the analyzer).
    static STEMS: RefCell<HashMap<u128, u128, FoldHash>> = RefCell::new(HashMap::with_hasher(FoldHash::new()));
}

/// The stem of `word`, remembered in this thread's [`STEMS`].
fn stem_of(stemmer: &frostem::Stemmer, word: &str) -> Stem {
    let key = pack(word);
    STEMS.with_borrow_mut(|cache| match key.and_then(|key| cache.get(&key)) {
        Some(0) => Stem::Same,
        Some(&packed) => Stem::Packed(packed),
        None => {
            let stem = stemmer.stem(word).into_owned();
            let changed = stem != word;
            if let (Some(key), Some(packed)) = (key, if changed { pack(&stem) } else { Some(0) }) {
                if cache.len() >= STEM_CACHE_MAX {
                    cache.clear();
                }
                cache.insert(key, packed);
            }
            if changed { Stem::Owned(stem) } else { Stem::Same }
        }
    })
}

impl TokenStream for TalkStream<'_> {
    fn advance(&mut self) -> bool {
        while self.next >= self.tk.out.len() {
            if self.fill_group().is_none() {
                return false;
            }
        }
        let Pending(from, to, pos, start, end, whole) = self.tk.out[self.next];
        self.next += 1;
        self.token.text.clear();
        self.token.text.push_str(&if whole { &self.tk.whole } else { &self.tk.parts }[start..end]);
        (self.token.offset_from, self.token.offset_to, self.token.position) = (from, to, pos);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}
