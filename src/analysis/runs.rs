//! Runs of text between whitespace, and the commonest of them, *plain* runs: an ASCII word of
//! letters and digits, maybe in brackets or quotes or followed by punctuation (`(python),`).
//! Such a run yields exactly one token (and maybe its stem), the word lower-cased, at the next
//! position: the tokenizer and the highlighter's scan take it without word segmentation. They
//! take a *compound* run the same way: such words joined by single hyphens (`property-based`,
//! `python-3`), which yields the compound whole and its parts (with their stems) as the
//! tokenizer's compound rule makes them (see [`compound_tokens`]).
//!
//! Two tables of byte classes: [`WHITESPACE`] splits runs at ASCII whitespace only, as
//! [`super::segments::Segments`] does, for the tokenizer; [`BREAKS`] also at `/`, `=` and `&`,
//! for the scan (see `scan.rs`).

use super::MAX_LEN;

/// ASCII whitespace (in [`BREAKS`], also `/`, `=` and `&`).
pub(super) const SPACE: u8 = 0;
/// ASCII letter or digit.
pub(super) const ALNUM: u8 = 1;
/// Punctuation that may open a plain run.
const OPEN: u8 = 2;
/// Punctuation that may close a plain run.
const CLOSE: u8 = 3;
/// Punctuation that may open or close a plain run.
const BOTH: u8 = 4;
/// Anything else: a run with it is not plain.
const OTHER: u8 = 5;
/// `-`: joins the words of a compound run.
const HYPHEN: u8 = 6;

/// Byte classes with only ASCII whitespace as [`SPACE`].
pub(super) const WHITESPACE: [u8; 256] = classes(false);
/// Byte classes with ASCII whitespace, `/`, `=` and `&` as [`SPACE`].
pub(super) const BREAKS: [u8; 256] = classes(true);

const fn classes(breaks: bool) -> [u8; 256] {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            // `u8::is_ascii_whitespace`'s set.
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c => SPACE,
            b'/' | b'=' | b'&' if breaks => SPACE,
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => ALNUM,
            b'(' | b'[' | b'{' => OPEN,
            b')' | b']' | b'}' | b',' | b'.' | b';' | b':' | b'!' | b'?' => CLOSE,
            b'"' | b'*' => BOTH,
            b'-' => HYPHEN,
            _ => OTHER,
        };
        b += 1;
    }
    table
}

/// The word of a plain run: `text[from..to]`, and whether it is a compound (words joined by
/// single hyphens).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Plain {
    pub from: usize,
    pub to: usize,
    pub compound: bool,
}

/// Reads the run starting at `b[run]` up to the next [`SPACE`] byte of `classes`; returns its
/// end and, if it is plain (see the module docs), its word's bounds.
#[inline]
pub(super) fn read_run(b: &[u8], run: usize, classes: &[u8; 256]) -> (usize, Option<Plain>) {
    let (mut pos, mut state, mut from, mut to, mut compound) = (run, 0u8, 0, 0, false);
    while let Some(&c) = b.get(pos) {
        let class = classes[usize::from(c)];
        if class == SPACE {
            break;
        }
        // 0: opening punctuation, 1: a word, 2: closing punctuation, 3: not plain, 4: a hyphen
        // after a word.
        state = match (state, class) {
            (0, OPEN | BOTH) => 0,
            (0, ALNUM) => {
                from = pos;
                1
            }
            (1 | 4, ALNUM) => 1,
            (1, HYPHEN) => {
                compound = true;
                4
            }
            (1, CLOSE | BOTH) => {
                to = pos;
                2
            }
            (2, CLOSE | BOTH) => 2,
            _ => 3,
        };
        pos += 1;
    }
    let plain = |to| Some(Plain { from, to, compound });
    match state {
        1 => (pos, plain(pos)),
        2 => (pos, plain(to)),
        _ => (pos, None),
    }
}

/// Which token of a compound: the whole, or its `n`th part (from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Piece {
    Whole,
    Part(usize),
}

/// Calls `f(surface, from, to, piece)` for the tokens of the compound `text[from..to]` (ASCII
/// words of letters and digits joined by single hyphens) but the stems, as the tokenizer's
/// compound rule makes them: the whole unless longer than [`MAX_LEN`], then each part unless
/// longer (its position used all the same), in order. `surface` is the token's text before
/// lower-casing: the caller lower-cases it and adds a part's stem. The whole is at the
/// compound's position, part `n` at `n` after it.
pub(super) fn compound_tokens(text: &str, from: usize, to: usize, mut f: impl FnMut(&str, usize, usize, Piece)) {
    if to - from <= MAX_LEN {
        f(&text[from..to], from, to, Piece::Whole);
    }
    let mut at = from;
    for (n, part) in text[from..to].split('-').enumerate() {
        let end = at + part.len();
        if part.len() <= MAX_LEN {
            f(part, at, end, Piece::Part(n));
        }
        at = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word<'a>(run: &'a str, classes: &[u8; 256]) -> Option<&'a str> {
        let (end, plain) = read_run(run.as_bytes(), 0, classes);
        assert_eq!(end, run.len());
        plain.map(|p| &run[p.from..p.to])
    }

    #[test]
    fn plain_runs_are_words_in_brackets_or_before_punctuation() {
        for classes in [&WHITESPACE, &BREAKS] {
            assert_eq!(word("(Python),", classes), Some("Python"));
            assert_eq!(word("py3k.", classes), Some("py3k"));
            assert_eq!(word("\"2012\"", classes), Some("2012"));
            assert_eq!(word("**kwargs**", classes), Some("kwargs"));
            for complex in
                ["node.js", "C++", "c#", ".net", "don't", "__init__", "café", "(", "3.12", "a--b", "-a", "a-"]
            {
                assert_eq!(word(complex, classes), None, "{complex}");
            }
            for complex in ["a-b_c", "a-.b", "(a-)b", "a-b-", "x-é"] {
                assert_eq!(word(complex, classes), None, "{complex}");
            }
        }
    }

    fn compound(run: &str) -> Option<(&str, bool)> {
        let (_, plain) = read_run(run.as_bytes(), 0, &WHITESPACE);
        plain.map(|p| (&run[p.from..p.to], p.compound))
    }

    #[test]
    fn compound_runs_are_words_joined_by_single_hyphens() {
        assert_eq!(compound("(Property-Based),"), Some(("Property-Based", true)));
        assert_eq!(compound("python-3-x."), Some(("python-3-x", true)));
        assert_eq!(compound("python3."), Some(("python3", false)));
        let mut pieces = Vec::new();
        let long = format!("a-{}-b", "x".repeat(MAX_LEN + 1));
        compound_tokens(&long, 0, long.len(), |s, from, to, piece| pieces.push((s.len(), from, to, piece)));
        assert_eq!(pieces, [(1, 0, 1, Piece::Part(0)), (1, MAX_LEN + 4, MAX_LEN + 5, Piece::Part(2))]);
        pieces.clear();
        compound_tokens("(Keith-Magee)", 1, 12, |s, from, to, piece| pieces.push((s.len(), from, to, piece)));
        assert_eq!(pieces, [(11, 1, 12, Piece::Whole), (5, 1, 6, Piece::Part(0)), (5, 7, 12, Piece::Part(1))]);
    }

    #[test]
    fn runs_end_at_whitespace_and_with_breaks_also_at_slashes() {
        let text = b"celery/rabbitmq a=b\tx";
        assert_eq!(read_run(text, 0, &WHITESPACE), (15, None));
        let word = |from, to| Some(Plain { from, to, compound: false });
        assert_eq!(read_run(text, 0, &BREAKS), (6, word(0, 6)));
        assert_eq!(read_run(text, 16, &WHITESPACE), (19, None));
        assert_eq!(read_run(text, 16, &BREAKS), (17, word(16, 17)));
        for b in 0..=255u8 {
            assert_eq!(WHITESPACE[usize::from(b)] == SPACE, b.is_ascii_whitespace(), "{b}");
        }
    }
}
