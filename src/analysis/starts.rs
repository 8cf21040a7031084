//! [`Starts`]: where in a text a wanted token can begin, so that a scan for a few tokens
//! (highlighting a hit) analyses only the words that could be one of them.

use super::STEM_MARK;

const WORDS: usize = 1 << 16 >> 6;

/// A set of token beginnings, by their first bytes (ASCII lower-cased): the first three of a
/// token of three bytes or more (hashed), the first two of shorter ones and of stems. Asked
/// about a place in a text, it may say yes wrongly (hash collisions), never no wrongly.
///
/// Stems are kept by two bytes because a word and its stem may differ from the third byte on
/// (`using` -> `use`, `cry` -> `cri`); the only English stems that differ in the second byte
/// (`dying` -> `die`, `lying` -> `lie`, `tying` -> `tie`) are covered by also keeping `y` for a
/// stem's second byte `i`.
#[derive(Clone)]
pub struct Starts {
    all: bool,
    pairs: Box<[u64; WORDS]>,
    triples: Box<[u64; WORDS]>,
}

impl Default for Starts {
    fn default() -> Self {
        Starts::none()
    }
}

impl std::fmt::Debug for Starts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = |set: &[u64; WORDS]| set.iter().map(|w| w.count_ones()).sum::<u32>();
        f.debug_struct("Starts")
            .field("all", &self.all)
            .field("pairs", &count(&self.pairs))
            .field("triples", &count(&self.triples))
            .finish()
    }
}

fn bit(set: &mut [u64; WORDS], key: u16) {
    set[usize::from(key >> 6)] |= 1 << (key & 63);
}

fn has(set: &[u64; WORDS], key: u16) -> bool {
    set[usize::from(key >> 6)] & (1 << (key & 63)) != 0
}

fn pair(a: u8, b: u8) -> u16 {
    u16::from(a) << 8 | u16::from(b)
}

fn triple(a: u8, b: u8, c: u8) -> u16 {
    let x = u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c);
    (x.wrapping_mul(0x9E37_79B1) >> 16) as u16
}

impl Starts {
    /// Nothing is wanted.
    pub fn none() -> Starts {
        Starts { all: false, pairs: Box::new([0; WORDS]), triples: Box::new([0; WORDS]) }
    }

    /// Everything is wanted (a scan analyses the whole text).
    pub fn all() -> Starts {
        Starts { all: true, ..Starts::none() }
    }

    /// Whether everything is wanted.
    pub fn is_all(&self) -> bool {
        self.all
    }

    /// Wants the token `text` (as the analyzer makes it: a word, or [`STEM_MARK`] and a stem).
    pub fn add(&mut self, text: &str) {
        let (stem, bytes) = match text.strip_prefix(STEM_MARK) {
            Some(body) => (true, body.as_bytes()),
            None => (false, text.as_bytes()),
        };
        match *bytes {
            [] => {}
            [a] => (0..=255).for_each(|b| bit(&mut self.pairs, pair(a, b))),
            [a, b, c, ..] if !stem => bit(&mut self.triples, triple(a, b, c)),
            [a, b, ..] => {
                bit(&mut self.pairs, pair(a, b));
                if stem && b == b'i' {
                    bit(&mut self.pairs, pair(a, b'y'));
                }
            }
        }
    }

    /// Whether a wanted token can begin at `text[i]`, an ASCII byte: a token's text begins
    /// with the lower-cased bytes of its surface, unless one of the first three is an
    /// apostrophe (tokens drop them) or outside ASCII (folded): then it may.
    pub(super) fn at(&self, text: &[u8], i: usize) -> bool {
        let byte = |k: usize| text.get(i + k).map_or(0, u8::to_ascii_lowercase);
        let (a, b, c) = (byte(0), byte(1), byte(2));
        (a | b | c) >= 0x80
            || b == b'\''
            || c == b'\''
            || has(&self.pairs, pair(a, b))
            || has(&self.triples, triple(a, b, c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(tokens: &[&str], text: &str) -> bool {
        let mut s = Starts::none();
        tokens.iter().for_each(|t| s.add(t));
        s.at(text.as_bytes(), 0)
    }

    #[test]
    fn finds_tokens_by_their_first_bytes() {
        assert!(wanted(&["pypy"], "PyPy is"));
        assert!(!wanted(&["pypy"], "Python is"));
        assert!(wanted(&["go"], "go-lang"));
        assert!(wanted(&["c"], "C."));
        assert!(wanted(&["c"], "c"));
        assert!(wanted(&["oreilly"], "O'Reilly"), "apostrophes are dropped from tokens");
        assert!(wanted(&["oreilly"], "O’Reilly"));
        assert!(wanted(&["naive"], "naïve"), "folded");
        assert!(wanted(&["\u{1}use"], "using"), "a stem by its first two bytes");
        assert!(wanted(&["\u{1}die"], "dying"));
        assert!(!wanted(&["\u{1}die"], "doing"));
        assert!(!wanted(&[], "anything"));
    }
}
