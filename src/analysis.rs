//! The `talk` text analyzer, used for every searchable text field at index
//! time and for user words at query time.
//!
//! Text is split on Unicode (UAX #29) word boundaries (ASCII runs go through
//! an equivalent fast path). Each word is lower-cased, accent-folded
//! (tantivy's `AsciiFoldingFilter`, Lucene's table: `Łukasz` -> `lukasz`,
//! `ß` -> `ss`) and cleaned of format characters and combining accents. Then:
//!
//! - **Meaningful symbols stay**: a word directly followed by `++` (`c++`), a
//!   single letter directly followed by `#` (`c#`, `f#`), a `.` directly before
//!   a word at the start of the text or after a character other than a letter,
//!   digit, `_` or `.` (`.net`). `c++` never yields `c`, nor `c` `c++`.
//! - **Split words** (one UAX #29 word containing `.`, `_`, `:` ... such as
//!   `node.js`, `foo_bar`, `__init__`) and **compounds** (words joined by a
//!   hyphen without whitespace: `keith-magee`, `python-3`) are emitted whole,
//!   at the position of their first part, and by their parts, at consecutive
//!   positions, so phrase queries over the parts match. Numbers (`3.12`,
//!   `2.7.1`) are emitted whole only.
//! - Possessive `'s` / `’s` is stripped; other apostrophes are removed.
//! - Tokens over 40 bytes are dropped (their position stays used), as are
//!   segments without a letter or digit (punctuation, emoji).
//! - **Stems**: each purely `a-z` token of 3+ bytes whose English Snowball stem
//!   differs is followed by `STEM_MARK + stem` at the same position and
//!   offsets (`coroutines` -> `\u{1}coroutin`). Compound wholes have no stem.
//! - Offsets are byte offsets into the original text; parts and stems carry
//!   the offsets of their own surface text.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::iter::Peekable;

use tantivy::Index;
use tantivy::tokenizer::{AsciiFoldingFilter, RawTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer};
use unicode_segmentation::{UWordBoundIndices, UnicodeSegmentation};

/// Name the analyzer is registered under.
pub const TOKENIZER: &str = "talk";
/// Prefix of stem tokens.
pub const STEM_MARK: char = '\u{1}';
const MAX_LEN: usize = 40;
const MIN_STEM_LEN: usize = 3;
const STEM_CACHE_MAX: usize = 200_000;

/// Builds the `talk` analyzer.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(TalkTokenizer::default()).filter(AsciiFoldingFilter).filter(StemFilter).build()
}

/// Registers [`analyzer`] under [`TOKENIZER`]; needed on every opened `Index`.
pub fn register(index: &Index) {
    index.tokenizers().register(TOKENIZER, analyzer());
}

/// All tokens (surface, parts, wholes and stems) of `text`.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut analyzer = analyzer();
    let mut out = Vec::new();
    analyzer.token_stream(text).process(&mut |t| out.push(t.clone()));
    out
}

/// Lower-cases and accent-folds `text` as tokens are: a plain word folds to
/// its token text. Punctuation and spacing are kept.
pub fn fold(text: &str) -> String {
    let mut lower = String::with_capacity(text.len());
    text.chars().filter(|&c| !is_ignorable(c)).for_each(|c| push_lower(&mut lower, c));
    if lower.is_ascii() {
        return lower;
    }
    let mut folder = TextAnalyzer::builder(RawTokenizer::default()).filter(AsciiFoldingFilter).build();
    let mut stream = folder.token_stream(&lower);
    stream.next().map(|t| t.text.clone()).unwrap_or_default()
}

/// Whether a token text is a stem token.
pub fn is_stem(token_text: &str) -> bool {
    token_text.starts_with(STEM_MARK)
}

fn push_lower(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else {
        out.extend(c.to_lowercase().filter(|&c| !is_ignorable(c)));
    }
}

/// Default-ignorable format characters and combining accents: dropped.
fn is_ignorable(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{300}'..='\u{36F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{2BC}')
}

/// Non-alphanumerics that split a UAX #29 word into parts (`.`, `_`, `:`, `,`
/// ...). Others (e.g. marks such as Indic vowel signs) stay in the part.
fn is_separator(c: char) -> bool {
    c.is_ascii()
        || c.is_whitespace()
        || matches!(c, '\u{B7}' | '\u{37E}' | '\u{387}' | '\u{55F}' | '\u{589}' | '\u{5F4}'
            | '\u{60C}' | '\u{60D}' | '\u{66B}' | '\u{66C}' | '\u{7F8}' | '\u{2000}'..='\u{206F}'
            | '\u{2E00}'..='\u{2E7F}' | '\u{3000}'..='\u{3004}' | '\u{FE10}'..='\u{FE6F}'
            | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}'
            | '\u{FF5B}'..='\u{FF65}')
}

fn is_word(seg: &str) -> bool {
    seg.chars().any(char::is_alphanumeric)
}

fn strip_possessive(word: &str) -> &str {
    ["'s", "'S", "\u{2019}s", "\u{2019}S"]
        .iter()
        .find_map(|s| word.strip_suffix(s))
        .filter(|rest| is_word(rest))
        .unwrap_or(word)
}

/// End of the UAX #29 word segment starting at `start` in `b`, an ASCII run
/// without whitespace (rules WB5-WB13b restricted to ASCII).
fn ascii_segment_end(b: &[u8], start: usize) -> usize {
    let wordish = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    if !wordish(b[start]) {
        return start + 1;
    }
    let mut i = start + 1;
    while i < b.len() {
        if wordish(b[i]) {
            i += 1;
            continue;
        }
        let (prev, next) = (b[i - 1], b.get(i + 1).copied().unwrap_or(b' '));
        let letters = prev.is_ascii_alphabetic() && next.is_ascii_alphabetic();
        let digits = prev.is_ascii_digit() && next.is_ascii_digit();
        let join = match b[i] {
            b'.' | b'\'' => letters || digits,
            b':' => letters,
            b',' | b';' => digits,
            _ => false,
        };
        if !join {
            break;
        }
        i += 2;
    }
    i
}

/// Word-boundary segments of a text, skipping ASCII whitespace (always a
/// boundary): ASCII runs use `ascii_segment_end`, others unicode-segmentation.
struct Segments<'a> {
    text: &'a str,
    pos: usize,
    run_end: usize,
    unicode: Option<(usize, UWordBoundIndices<'a>)>,
}

impl<'a> Iterator for Segments<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let b = self.text.as_bytes();
        loop {
            if let Some((base, segs)) = &mut self.unicode {
                match segs.next() {
                    Some((i, seg)) => return Some((*base + i, seg)),
                    None => self.unicode = None,
                }
            }
            while self.pos < self.run_end {
                let (start, end) = (self.pos, ascii_segment_end(&b[..self.run_end], self.pos));
                self.pos = end;
                // Other punctuation never matters: skip it.
                if end > start + 1 || b[start].is_ascii_alphanumeric() || b"._+#-".contains(&b[start]) {
                    return Some((start, &self.text[start..end]));
                }
            }
            let start = self.pos + b[self.pos..].iter().position(|c| !c.is_ascii_whitespace())?;
            let len = b[start..].iter().position(u8::is_ascii_whitespace);
            (self.pos, self.run_end) = (start, start + len.unwrap_or(b.len() - start));
            let run = &self.text[start..self.run_end];
            if !run.is_ascii() {
                self.unicode = Some((start, run.split_word_bound_indices()));
                self.pos = self.run_end;
            }
        }
    }
}

/// Splits and lower-cases; accents are folded by the next filter.
#[derive(Clone, Default)]
struct TalkTokenizer {
    parts: String,
    whole: String,
    out: Vec<Pending>,
}

/// A token to emit: offsets `from..to`, position, and text `parts[start..end]`
/// (`whole[start..end]` if `whole`).
#[derive(Clone, Copy, Default)]
struct Pending {
    from: usize,
    to: usize,
    pos: usize,
    start: usize,
    end: usize,
    whole: bool,
}

/// A word `core_from..core_to` with its `.` prefix (`from..core_from`) and
/// `++`/`#` suffix (`core_to..to`), either possibly empty.
#[derive(Clone, Copy)]
struct Atom {
    from: usize,
    core_from: usize,
    core_to: usize,
    to: usize,
}

impl Tokenizer for TalkTokenizer {
    type TokenStream<'a> = TalkStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TalkStream<'a> {
        self.out.clear();
        let segs = Segments { text, pos: 0, run_end: 0, unicode: None }.peekable();
        let (parts, whole, out) = (&mut self.parts, &mut self.whole, &mut self.out);
        let token = Token::default();
        TalkStream { text, segs, parts, whole, out, next: 0, pos: 0, group_parts: 0, token }
    }
}

struct TalkStream<'a> {
    text: &'a str,
    segs: Peekable<Segments<'a>>,
    parts: &'a mut String,
    whole: &'a mut String,
    out: &'a mut Vec<Pending>,
    /// Next index in `out` to emit.
    next: usize,
    /// Position of the first part of the current group.
    pos: usize,
    /// Parts (emitted or dropped as too long) of the current group so far.
    group_parts: usize,
    token: Token,
}

impl TalkStream<'_> {
    /// Reads the next group (a word or a compound) into `out`; false at the end.
    fn fill_group(&mut self) -> bool {
        self.out.clear();
        self.parts.clear();
        self.whole.clear();
        self.pos += self.group_parts;
        self.group_parts = 0;
        let mut atom = loop {
            let (start, seg) = match self.segs.next() {
                Some(next) => next,
                None => return false,
            };
            if let Some(atom) = self.start_atom(start, seg) {
                break atom;
            }
        };
        let from = atom.from;
        self.out.push(Pending::default()); // the whole, if it is emitted
        self.next = 1;
        loop {
            self.push_atom(atom);
            match self.continue_compound(atom.to) {
                Some(next) => atom = next,
                None => break,
            }
            self.whole.push('-');
        }
        // One part as long as the whole (no separators): the same text.
        let first = self.out.get(1).copied().unwrap_or_default();
        let same = self.group_parts == 1 && first.end - first.start == self.whole.len();
        if self.out.len() > 1 && !same && self.whole.len() <= MAX_LEN {
            let (to, pos, end) = (atom.to, self.pos, self.whole.len());
            self.out[0] = Pending { from, to, pos, start: 0, end, whole: true };
            self.next = 0;
        }
        true
    }

    fn start_atom(&mut self, start: usize, seg: &str) -> Option<Atom> {
        if is_word(seg) {
            return Some(self.word_atom(start, seg));
        }
        let prev = self.text[..start].chars().next_back();
        if seg != "." || prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            return None;
        }
        let &(s, word) = self.segs.peek()?;
        if s != start + 1 || !word.chars().next().is_some_and(char::is_alphabetic) {
            return None;
        }
        self.segs.next();
        Some(Atom { from: start, ..self.word_atom(s, word) })
    }

    /// A word segment plus a directly following `++` (or `#` after one letter).
    fn word_atom(&mut self, start: usize, seg: &str) -> Atom {
        let end = start + seg.len();
        let rest = &self.text[end..];
        let mut chars = seg.chars();
        let one_letter = chars.next().is_some_and(char::is_alphabetic) && chars.next().is_none();
        let suffix = match () {
            _ if rest.starts_with("++") => 2,
            _ if one_letter && rest.starts_with('#') => 1,
            _ => 0,
        };
        let mut to = end;
        while to < end + suffix {
            to = self.segs.next().map_or(end + suffix, |(s, sym)| s + sym.len());
        }
        let to = to.min(end + suffix);
        // A possessive that UAX #29 split off (`3.12's`, `C++'s`): skip it.
        let tail = &self.text[to..];
        if let Some(n) = ["'s", "\u{2019}s"].iter().find(|p| tail.starts_with(*p)).map(|p| p.len())
            && !tail[n..].starts_with(char::is_alphanumeric)
        {
            while self.segs.next_if(|&(s, _)| s < to + n).is_some() {}
        }
        Atom { from: start, core_from: start, core_to: end, to }
    }

    /// The next atom if a hyphen without whitespace joins it to the group.
    fn continue_compound(&mut self, end: usize) -> Option<Atom> {
        let &(s, dash) = self.segs.peek()?;
        if s != end || !matches!(dash, "-" | "\u{2010}" | "\u{2011}") {
            return None;
        }
        self.segs.next();
        let &(s, word) = self.segs.peek()?;
        if s != end + dash.len() || !is_word(word) {
            return None;
        }
        self.segs.next();
        Some(self.word_atom(s, word))
    }

    /// Appends the atom to `whole`, its part(s) to `out`.
    fn push_atom(&mut self, a: Atom) {
        let core = strip_possessive(&self.text[a.core_from..a.core_to]);
        let start = self.parts.len();
        let plain = core.bytes().all(|b| b.is_ascii_alphanumeric());
        if plain || a.from != a.core_from || a.to != a.core_to {
            // A plain word (fast path), or `.net`, `c++`, `c#`: one part.
            self.parts.push_str(&self.text[a.from..a.core_from]);
            if plain {
                self.parts.push_str(core);
                self.parts[start..].make_ascii_lowercase();
            } else {
                let cs = core.chars().filter(|&c| !is_ignorable(c) && !is_apostrophe(c));
                cs.for_each(|c| push_lower(self.parts, c));
            }
            self.parts.push_str(&self.text[a.core_to..a.to]);
            self.whole.push_str(&self.parts[start..]);
            let to = if a.to == a.core_to { a.core_from + core.len() } else { a.to };
            return self.end_part(a.from, to, start);
        }
        let (whole_start, out_start, parts_before) = (self.whole.len(), self.out.len(), self.group_parts);
        let (mut part_from, mut part_to, mut start) = (None, 0, start);
        let mut has_alpha = false;
        for (i, c) in core.char_indices() {
            if is_ignorable(c) || is_apostrophe(c) {
                continue;
            }
            let at = a.core_from + i;
            if c.is_alphanumeric() || !is_separator(c) {
                has_alpha |= c.is_alphabetic();
                push_lower(self.whole, c);
                push_lower(self.parts, c);
                part_from.get_or_insert(at);
                part_to = at + c.len_utf8();
            } else {
                self.whole.push(c);
                if let Some(from) = part_from.take() {
                    self.end_part(from, part_to, start);
                    start = self.parts.len();
                }
            }
        }
        if let Some(from) = part_from {
            self.end_part(from, part_to, start);
        }
        if !has_alpha && self.group_parts - parts_before > 1 {
            // A number such as `3.12`: whole only.
            self.out.truncate(out_start);
            self.group_parts = parts_before;
            let start = self.parts.len();
            self.parts.push_str(&self.whole[whole_start..]);
            self.end_part(a.core_from, a.core_from + core.len(), start);
        }
    }

    /// Emits `parts[start..]` as the group's next part unless it is too long.
    fn end_part(&mut self, from: usize, to: usize, start: usize) {
        let (end, pos) = (self.parts.len(), self.pos + self.group_parts);
        if end - start <= MAX_LEN {
            self.out.push(Pending { from, to, pos, start, end, whole: false });
        } else {
            self.parts.truncate(start);
        }
        self.group_parts += 1;
    }
}

impl TokenStream for TalkStream<'_> {
    fn advance(&mut self) -> bool {
        while self.next >= self.out.len() {
            if !self.fill_group() {
                return false;
            }
        }
        let p = self.out[self.next];
        self.next += 1;
        let src = if p.whole { &*self.whole } else { &*self.parts };
        self.token.text.clear();
        self.token.text.push_str(&src[p.start..p.end]);
        (self.token.offset_from, self.token.offset_to) = (p.from, p.to);
        self.token.position = p.pos;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Hashes the packed words of the stem cache.
#[derive(Clone, Copy, Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.write_u128(u128::from(b) ^ u128::from(self.0)));
    }

    fn write_u128(&mut self, n: u128) {
        let x = (n as u64 ^ ((n >> 64) as u64).rotate_left(32)).wrapping_mul(0x517c_c1b7_2722_0a95);
        self.0 = x ^ (x >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// An `a-z` word of at most 16 bytes packed into an integer (zero-padded).
fn pack(word: &str) -> Option<u128> {
    let mut bytes = [0u8; 16];
    bytes.get_mut(..word.len())?.copy_from_slice(word.as_bytes());
    Some(u128::from_le_bytes(bytes))
}

fn unpack(packed: u128, out: &mut String) {
    let bytes = packed.to_le_bytes();
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(16);
    out.push_str(std::str::from_utf8(&bytes[..len]).unwrap_or_default());
}

/// Packed word -> packed stem, or 0 when the stem is the word itself.
type StemCache = HashMap<u128, u128, BuildHasherDefault<WordHasher>>;

/// Adds a `STEM_MARK + stem` token after each stemmable token.
#[derive(Clone)]
struct StemFilter;

impl TokenFilter for StemFilter {
    type Tokenizer<T: Tokenizer> = StemTokenizer<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> StemTokenizer<T> {
        let stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
        StemTokenizer { inner, stemmer, cache: StemCache::default(), stem: String::new() }
    }
}

#[derive(Clone)]
struct StemTokenizer<T> {
    inner: T,
    stemmer: frostem::Stemmer,
    cache: StemCache,
    stem: String,
}

impl<T: Tokenizer> Tokenizer for StemTokenizer<T> {
    type TokenStream<'a> = StemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        let tail = self.inner.token_stream(text);
        let (cache, stem) = (&mut self.cache, &mut self.stem);
        StemStream { tail, stemmer: self.stemmer, cache, stem, pending: false }
    }
}

struct StemStream<'a, T> {
    tail: T,
    stemmer: frostem::Stemmer,
    cache: &'a mut StemCache,
    stem: &'a mut String,
    pending: bool,
}

impl<T: TokenStream> TokenStream for StemStream<'_, T> {
    fn advance(&mut self) -> bool {
        if self.pending {
            self.pending = false;
            let text = &mut self.tail.token_mut().text;
            text.clear();
            text.push(STEM_MARK);
            text.push_str(self.stem);
            return true;
        }
        if !self.tail.advance() {
            return false;
        }
        let text = self.tail.token().text.as_str();
        if text.len() < MIN_STEM_LEN || !text.bytes().all(|b| b.is_ascii_lowercase()) {
            return true;
        }
        self.stem.clear();
        let key = pack(text);
        if let Some(&stem) = key.and_then(|key| self.cache.get(&key)) {
            self.pending = stem != 0;
            unpack(stem, self.stem);
            return true;
        }
        let stem = self.stemmer.stem(text);
        self.pending = stem != text;
        if self.pending {
            self.stem.push_str(&stem);
        }
        if let (Some(key), Some(value)) = (key, pack(&stem)) {
            if self.cache.len() >= STEM_CACHE_MAX {
                self.cache.clear();
            }
            self.cache.insert(key, if self.pending { value } else { 0 });
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::Count;
    use tantivy::query::{PhraseQuery, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
    use tantivy::{Term, doc};

    use super::*;

    /// Surface (non-stem) token texts.
    fn surface(text: &str) -> Vec<String> {
        tokens(text).into_iter().filter(|t| !is_stem(&t.text)).map(|t| t.text).collect()
    }

    /// Every token as (text, position).
    fn with_pos(text: &str) -> Vec<(String, usize)> {
        tokens(text).into_iter().map(|t| (t.text, t.position)).collect()
    }

    #[test]
    fn surface_tokens() {
        let cases: &[(&str, &[&str])] = &[
            ("C++", &["c++"]),
            ("C and C++ rock", &["c", "and", "c++", "rock"]),
            ("C# F#", &["c#", "f#"]),
            (".NET", &[".net"]),
            ("use .NET now", &["use", ".net", "now"]),
            ("(.NET)", &[".net"]),
            ("ASP.NET", &["asp.net", "asp", "net"]),
            ("node.js", &["node.js", "node", "js"]),
            ("python 3.12", &["python", "3.12"]),
            ("v2.7.1", &["v2.7.1", "v2", "7", "1"]),
            ("2.7.1", &["2.7.1"]),
            ("python-3", &["python-3", "python", "3"]),
            ("python-3.12", &["python-3.12", "python", "3.12"]),
            ("just-in-time", &["just-in-time", "just", "in", "time"]),
            ("foo_bar", &["foo_bar", "foo", "bar"]),
            ("__init__", &["__init__", "init"]),
            ("a - b", &["a", "b"]),
            ("Łukasz Langa", &["lukasz", "langa"]),
            ("Thomas Güttler", &["thomas", "guttler"]),
            ("café ß Ørsted Æsir", &["cafe", "ss", "orsted", "aesir"]),
            ("cafe\u{301}", &["cafe"]),
            ("PyPy's", &["pypy"]),
            ("PyPy’s JIT", &["pypy", "jit"]),
            ("don't", &["dont"]),
            ("agile", &["agile"]),
            ("Привет мир", &["привет", "мир"]),
            ("日本語のテキスト", &["日", "本", "語", "の", "テキスト"]),
            ("hello, world! 😀 --- ...", &["hello", "world"]),
            ("Objective-C++", &["objective-c++", "objective", "c++"]),
        ];
        for (text, want) in cases {
            assert_eq!(surface(text), *want, "for {text:?}");
        }
    }

    #[test]
    fn compound_positions() {
        let got = with_pos("Keith-Magee talks");
        let want = [("keith-magee", 0), ("keith", 0), ("magee", 1), ("\u{1}mage", 1), ("talks", 2), ("\u{1}talk", 2)];
        let want: Vec<_> = want.iter().map(|&(t, p)| (t.to_string(), p)).collect();
        assert_eq!(got, want);
        let got = with_pos("just-in-time x");
        assert_eq!(got.last(), Some(&("x".to_string(), 3)));
    }

    #[test]
    fn stems() {
        assert_eq!(with_pos("coroutines")[1], ("\u{1}coroutin".to_string(), 0));
        assert_eq!(with_pos("coroutine")[1], ("\u{1}coroutin".to_string(), 0));
        assert_eq!(with_pos("jit"), [("jit".to_string(), 0)]);
        let stems: Vec<_> = tokens("keith-magee").into_iter().filter(|t| is_stem(&t.text)).map(|t| t.text).collect();
        assert_eq!(stems, ["\u{1}mage"], "parts are stemmed, wholes are not");
        assert!(tokens("python3 c++ 3.12").iter().all(|t| !is_stem(&t.text)));
        assert!(!tokens("agile").iter().any(|t| t.text.trim_start_matches(STEM_MARK) == "gil"));
        let toks = tokens("Async coroutines running");
        for pair in toks.windows(2).filter(|w| is_stem(&w[1].text)) {
            assert_eq!(pair[0].position, pair[1].position);
            assert_eq!((pair[0].offset_from, pair[0].offset_to), (pair[1].offset_from, pair[1].offset_to));
        }
        assert_eq!(toks.iter().filter(|t| is_stem(&t.text)).count(), 2);
    }

    #[test]
    fn offsets_map_to_original() {
        let text = "Łukasz's talk on ASP.NET, C++ & Keith-Magee's __init__ (.NET) 3.12 don't";
        for t in tokens(text) {
            let surface = &text[t.offset_from..t.offset_to];
            let text = t.text.trim_start_matches(STEM_MARK);
            assert!(
                fold(surface).replace(['\'', '-', '_'], "").contains(&text.replace(['-', '_'], "")) || is_stem(&t.text),
                "{surface:?} vs {text:?}"
            );
        }
        let t = tokens("x Keith-Magee");
        assert_eq!(&"x Keith-Magee"[t[1].offset_from..t[1].offset_to], "Keith-Magee");
        assert_eq!(&"x Keith-Magee"[t[3].offset_from..t[3].offset_to], "Magee");
        let t = tokens("(.NET)");
        assert_eq!((t[0].offset_from, t[0].offset_to), (1, 5));
    }

    #[test]
    fn long_tokens_dropped() {
        let long = "a".repeat(50);
        assert!(surface(&long).is_empty());
        assert_eq!(surface(&format!("{long} ok")), ["ok"]);
        assert_eq!(surface(&format!("{long}-part")), ["part"]);
    }

    #[test]
    fn fold_matches_tokens() {
        assert_eq!(fold("Łukasz Güttler"), "lukasz guttler");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Ørsted"), surface("Ørsted")[0]);
        assert_eq!(fold(""), "");
        assert!(is_stem("\u{1}x") && !is_stem("x"));
    }

    #[test]
    fn garbage_never_panics() {
        let mut inputs: Vec<String> = [
            "",
            " ",
            ".",
            "++",
            "#",
            "-",
            "_",
            "'s",
            "a-",
            "-a",
            ".-.",
            "c+",
            "C++'s",
            "\0\u{1}\u{7f}",
            "a\u{200D}😀",
            "\u{301}\u{301}",
            "x\u{FFFF}y",
            "a--b",
            "a-_-b",
            "..a",
            "3.",
            "._a",
            "'''",
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
            "ǅ İ ﬁ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let chars: Vec<char> = "a.B-_+#'’ 3\u{301}\u{200D}😀日\nß".chars().collect();
        let mut seed = 42u64;
        for _ in 0..300 {
            let s = (0..seed % 40)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    chars[(seed >> 33) as usize % chars.len()]
                })
                .collect();
            inputs.push(s);
        }
        inputs.push("word-".repeat(20_000));
        for text in &inputs {
            let mut last = 0;
            for t in tokens(text) {
                assert!(t.position >= last && t.offset_from < t.offset_to && t.offset_to <= text.len());
                assert!(text.get(t.offset_from..t.offset_to).is_some() && !t.text.is_empty());
                last = t.position;
            }
        }
    }

    #[test]
    fn index_term_and_phrase_queries() {
        let mut schema = Schema::builder();
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let body = schema.add_text_field("body", TextOptions::default().set_indexing_options(indexing));
        let index = Index::create_in_ram(schema.build());
        register(&index);
        let mut writer = index.writer_with_num_threads(1, 20_000_000).unwrap();
        for text in ["C is great", "Modern C++ by Keith-Magee", "Agile coroutines"] {
            writer.add_document(doc!(body => text)).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let count = |q: &dyn tantivy::query::Query| searcher.search(q, &Count).unwrap();
        let term = |t: &str| Term::from_field_text(body, t);
        let q = |t: &str| TermQuery::new(term(t), IndexRecordOption::Basic);
        assert_eq!(count(&q("c++")), 1);
        assert_eq!(count(&q("c")), 1);
        assert_eq!(count(&q("gil")), 0);
        assert_eq!(count(&q("\u{1}coroutin")), 1);
        assert_eq!(count(&PhraseQuery::new(vec![term("keith"), term("magee")])), 1);
        assert_eq!(count(&PhraseQuery::new(vec![term("c++"), term("keith")])), 0);
        assert_eq!(count(&PhraseQuery::new(vec![term("by"), term("keith"), term("magee")])), 1);
    }
}
