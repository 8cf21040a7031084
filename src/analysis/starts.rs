//! [`Starts`]: where in a text a wanted token can begin, so that a scan for a few tokens
//! (highlighting a hit) analyses only the words that could be one of them.

use super::STEM_MARK;

/// Bits of the hashed keys: each set has `2^KEY_BITS` bits (512 bytes, zeroed for every
/// query's highlighter; a collision only makes a scan read a word it did not need to).
const KEY_BITS: u32 = 12;
const WORDS: usize = 1 << KEY_BITS >> 6;

/// A set of token beginnings, by their first bytes (ASCII lower-cased), hashed: the first three
/// of a token of three bytes or more and of a stem of four or more, the first two of shorter
/// ones. Asked about a place in a text, it may say yes wrongly (hash collisions), never no
/// wrongly.
///
/// Short stems are kept by two bytes because a word and its stem may differ from the third byte
/// on (`using` -> `use`, `cry` -> `cri`); the only English stems that differ in the second byte
/// (`dying` -> `die`, `lying` -> `lie`, `tying` -> `tie`) are covered by also keeping `y` for a
/// stem's second byte `i`. The stemmer rewrites only a word's end, so a longer stem begins
/// with its word's first three bytes.
#[derive(Clone)]
pub struct Starts {
    all: bool,
    /// Every wanted token is ASCII (a query in English): a letter outside ASCII matters only
    /// if it may fold to ASCII.
    ascii: bool,
    pairs: Box<[u64; WORDS]>,
    triples: Box<[u64; WORDS]>,
    /// Bytes a run of text must contain to yield a wanted token: the first bytes of the wanted
    /// tokens in either case, apostrophes (dropped from tokens) and every byte outside ASCII
    /// (folded).
    firsts: [bool; 256],
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
            .field("ascii", &self.ascii)
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
    let x = u32::from(a) << 8 | u32::from(b);
    (x.wrapping_mul(0x9E37_79B1) >> (32 - KEY_BITS)) as u16
}

fn triple(a: u8, b: u8, c: u8) -> u16 {
    let x = u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c);
    (x.wrapping_mul(0x9E37_79B1) >> (32 - KEY_BITS)) as u16
}

impl Starts {
    /// Nothing is wanted.
    pub fn none() -> Starts {
        let mut firsts = [false; 256];
        firsts[usize::from(b'\'')] = true;
        firsts[0x80..].fill(true);
        Starts { all: false, ascii: true, pairs: Box::new([0; WORDS]), triples: Box::new([0; WORDS]), firsts }
    }

    /// Everything is wanted (a scan analyses the whole text).
    pub fn all() -> Starts {
        // Every run of text may: it begins at any byte but whitespace.
        let mut firsts = [true; 256];
        for space in [b' ', b'\t', b'\n', b'\r', 0x0c] {
            firsts[usize::from(space)] = false;
        }
        Starts { all: true, ascii: false, firsts, ..Starts::none() }
    }

    /// Wants the token `text` (as the analyzer makes it: a word, or [`STEM_MARK`] and a stem).
    pub fn add(&mut self, text: &str) {
        let (stem, bytes) = match text.strip_prefix(STEM_MARK) {
            Some(body) => (true, body.as_bytes()),
            None => (false, text.as_bytes()),
        };
        self.ascii &= bytes.is_ascii();
        if let Some(&first) = bytes.first() {
            self.firsts[usize::from(first.to_ascii_lowercase())] = true;
            self.firsts[usize::from(first.to_ascii_uppercase())] = true;
        }
        match *bytes {
            [] => {}
            [a] => (0..=255).for_each(|b| bit(&mut self.pairs, pair(a, b))),
            [a, b, c, ..] if !stem => bit(&mut self.triples, triple(a, b, c)),
            // The stemmer changes only a word's end: a stem of four bytes or more begins with
            // its word's first three (checked over the corpus by `corpus_sanity`).
            [a, b, c, _, ..] => bit(&mut self.triples, triple(a, b, c)),
            [a, b, ..] => {
                bit(&mut self.pairs, pair(a, b));
                if stem && b == b'i' {
                    bit(&mut self.pairs, pair(a, b'y'));
                }
            }
        }
    }

    /// Whether `b` may be the first byte of a wanted token's surface (see `firsts`): a run of
    /// text without any such byte yields none of them.
    pub(super) fn may_begin(&self, b: u8) -> bool {
        self.firsts[usize::from(b)]
    }

    /// Whether a letter or digit outside ASCII may be part of a wanted token: any may if a
    /// wanted token is not ASCII, else only those that may fold to ASCII (Latin letters with
    /// accents, ligatures, full-width and enclosed forms); a word with any other (Cyrillic,
    /// Greek, CJK ...) is never an ASCII token.
    pub(super) fn wants_letter(&self, c: char) -> bool {
        !self.ascii || may_fold_to_ascii(c)
    }

    /// Whether a wanted token can begin at `text[i]`, an ASCII byte: a token's text begins
    /// with the bytes of its surface lower-cased, less the characters tokens drop (apostrophes,
    /// combining accents, format characters), with Latin letters folded (`we’ll` -> `wel`,
    /// `Müller` -> `mul`). A character among the first three that folds to anything but one
    /// ASCII byte (`ß`, other scripts) may begin anything.
    pub(super) fn at(&self, text: &[u8], i: usize) -> bool {
        if self.all {
            return true;
        }
        let (mut key, mut n, mut k) = ([0u8; 3], 0, i);
        while n < 3 {
            let Some(&byte) = text.get(k) else { break };
            if byte.is_ascii() {
                if byte != b'\'' {
                    key[n] = byte.to_ascii_lowercase();
                    n += 1;
                }
                k += 1;
                continue;
            }
            let Some(c) = char_at(text, k) else { return true };
            k += c.len_utf8();
            if super::is_dropped(c) {
                continue;
            }
            match folded_latin(c) {
                Some(folded) => {
                    key[n] = folded;
                    n += 1;
                }
                None => return true,
            }
        }
        let [a, b, c] = key;
        has(&self.pairs, pair(a, b)) || has(&self.triples, triple(a, b, c))
    }
}

/// The character beginning at `text[k]` (a character boundary of UTF-8 text).
fn char_at(text: &[u8], k: usize) -> Option<char> {
    let len = match text.get(k)? {
        0xF0.. => 4,
        0xE0.. => 3,
        _ => 2,
    };
    std::str::from_utf8(text.get(k..k + len)?).ok()?.chars().next()
}

/// Characters from U+0080 to this one (Latin-1 and Latin Extended-A and -B) have their folding
/// to one ASCII byte remembered.
const LATIN_END: u32 = 0x250;

/// The one lower-case ASCII byte that `c` (from U+0080 to [`LATIN_END`]) lower-cases and folds
/// to, as the analyzer folds it, if it does (`Ü` -> `u`; not `ß` -> `ss`, nor `×`).
fn folded_latin(c: char) -> Option<u8> {
    static TABLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0x80..LATIN_END)
            .map(|u| {
                let folded = char::from_u32(u).map(|c| super::fold(&c.to_string())).unwrap_or_default();
                match folded.as_bytes() {
                    &[b] if b.is_ascii() => b,
                    _ => 0,
                }
            })
            .collect()
    });
    let index = (c as u32).checked_sub(0x80)?;
    table.get(index as usize).copied().filter(|&b| b != 0)
}

/// Characters outside ASCII that lower-casing and folding may turn into ASCII (a superset; the
/// test checks every other letter and digit does not).
fn may_fold_to_ascii(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{36F}' | '\u{1D00}'..='\u{1EFF}' | '\u{2000}'..='\u{2BFF}' | '\u{2C60}'..='\u{2C7F}'
        | '\u{A720}'..='\u{A7FF}' | '\u{AB30}'..='\u{AB6F}' | '\u{FB00}'..='\u{FB4F}' | '\u{FE00}'..='\u{FE6F}'
        | '\u{FF00}'..='\u{FFEF}' | '\u{1D400}'..='\u{1D7FF}' | '\u{1F100}'..='\u{1F1FF}')
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
        assert!(!wanted(&["weather"], "We’ll"), "an apostrophe is skipped, not a maybe");
        assert!(wanted(&["well"], "We’ll") && wanted(&["ill"], "I'll") && wanted(&["muller"], "Müller"));
        assert!(!wanted(&["mode"], "Müller"), "a Latin letter folded");
        assert!(wanted(&["strasse"], "Straße") && wanted(&["ssa"], "ßa"), "a letter folding to two may be anything");
        assert!(wanted(&["\u{1}use"], "using"), "a short stem by its first two bytes");
        assert!(
            wanted(&["\u{1}coroutin"], "Coroutines") && !wanted(&["\u{1}coroutin"], "cooking"),
            "a long one by three"
        );
        assert!(wanted(&["\u{1}die"], "dying"));
        assert!(!wanted(&["\u{1}die"], "doing"));
        assert!(!wanted(&[], "anything"));
    }

    #[test]
    fn letters_outside_the_folding_ranges_never_fold_to_ascii() {
        let mut checked = 0;
        for c in (0x80..=0x10FFFFu32).filter_map(char::from_u32) {
            if c.is_alphanumeric() && !may_fold_to_ascii(c) {
                let folded = crate::analysis::fold(&c.to_string());
                assert!(!folded.is_ascii(), "{c:?} (U+{:04X}) folds to {folded:?}", c as u32);
                checked += 1;
            }
        }
        assert!(checked > 100_000, "{checked}");
        let mut s = Starts::none();
        s.add("jit");
        assert!(s.wants_letter('é') && !s.wants_letter('本') && !s.wants_letter('ж'));
        s.add("本");
        assert!(s.wants_letter('本'), "a query in Japanese wants Japanese letters");
    }
}
