//! Runs of text between whitespace, and the commonest of them, *plain* runs: an ASCII word of
//! letters and digits, maybe in brackets or quotes or followed by punctuation (`(python),`).
//! Such a run yields exactly one token (and maybe its stem), the word lower-cased, at the next
//! position: the tokenizer and the highlighter's scan take it without word segmentation.
//!
//! Two tables of byte classes: [`WHITESPACE`] splits runs at ASCII whitespace only, as
//! [`super::segments::Segments`] does, for the tokenizer; [`BREAKS`] also at `/`, `=` and `&`,
//! for the scan (see `scan.rs`).

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
            _ => OTHER,
        };
        b += 1;
    }
    table
}

/// Reads the run starting at `b[run]` up to the next [`SPACE`] byte of `classes`; returns its
/// end and, if it is plain (see the module docs), its word's bounds.
#[inline]
pub(super) fn read_run(b: &[u8], run: usize, classes: &[u8; 256]) -> (usize, Option<(usize, usize)>) {
    let (mut pos, mut state, mut from, mut to) = (run, 0u8, 0, 0);
    while let Some(&c) = b.get(pos) {
        let class = classes[usize::from(c)];
        if class == SPACE {
            break;
        }
        // 0: opening punctuation, 1: the word, 2: closing punctuation, 3: not plain.
        state = match (state, class) {
            (0, OPEN | BOTH) => 0,
            (0, ALNUM) => {
                from = pos;
                1
            }
            (1, ALNUM) => 1,
            (1, CLOSE | BOTH) => {
                to = pos;
                2
            }
            (2, CLOSE | BOTH) => 2,
            _ => 3,
        };
        pos += 1;
    }
    match state {
        1 => (pos, Some((from, pos))),
        2 => (pos, Some((from, to))),
        _ => (pos, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word<'a>(run: &'a str, classes: &[u8; 256]) -> Option<&'a str> {
        let (end, plain) = read_run(run.as_bytes(), 0, classes);
        assert_eq!(end, run.len());
        plain.map(|(f, t)| &run[f..t])
    }

    #[test]
    fn plain_runs_are_words_in_brackets_or_before_punctuation() {
        for classes in [&WHITESPACE, &BREAKS] {
            assert_eq!(word("(Python),", classes), Some("Python"));
            assert_eq!(word("py3k.", classes), Some("py3k"));
            assert_eq!(word("\"2012\"", classes), Some("2012"));
            assert_eq!(word("**kwargs**", classes), Some("kwargs"));
            for complex in ["node.js", "C++", "c#", "keith-magee", ".net", "don't", "__init__", "café", "(", "3.12"] {
                assert_eq!(word(complex, classes), None, "{complex}");
            }
        }
    }

    #[test]
    fn runs_end_at_whitespace_and_with_breaks_also_at_slashes() {
        let text = b"celery/rabbitmq a=b\tx";
        assert_eq!(read_run(text, 0, &WHITESPACE), (15, None));
        assert_eq!(read_run(text, 0, &BREAKS), (6, Some((0, 6))));
        assert_eq!(read_run(text, 16, &WHITESPACE), (19, None));
        assert_eq!(read_run(text, 16, &BREAKS), (17, Some((16, 17))));
        for b in 0..=255u8 {
            assert_eq!(WHITESPACE[usize::from(b)] == SPACE, b.is_ascii_whitespace(), "{b}");
        }
    }
}
