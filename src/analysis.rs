//! The `talk` text analyzer, used for every searchable text field at index
//! time and for user words at query time.
//!
//! Text is split on Unicode (UAX #29) word boundaries (ASCII runs take an
//! equivalent fast path). Words are lower-cased, accent-folded (tantivy's
//! `AsciiFoldingFilter`, Lucene's table: `Łukasz` -> `lukasz`, `ß` -> `ss`) and
//! cleaned of format characters and combining accents. Then:
//!
//! - **Meaningful symbols stay**: a word directly followed by `++` (`c++`), a
//!   single letter directly followed by `#` (`c#`, `f#`), a `.` directly before
//!   a word starting with a letter, at the start of the text or after a
//!   character other than a letter, digit, `_` or `.` (`.net`). `C++` never
//!   yields `c`, nor `C` `c++`.
//! - **Split words** (one UAX #29 word containing `.`, `_`, `:` ... such as
//!   `node.js`, `foo_bar`, `__init__`) and **compounds** (words joined by a
//!   hyphen without whitespace: `keith-magee`, `python-3`) are emitted whole,
//!   at the position of their first part, and by their parts, at consecutive
//!   positions, so phrase queries over the parts match. Numbers (`3.12`,
//!   `2.7.1`, `1,000`) are emitted whole only.
//! - Possessive `'s` / `’s` is stripped; other apostrophes are removed.
//! - Tokens over 40 bytes are dropped (their position stays used), as are
//!   segments without a letter or digit (punctuation, emoji).
//! - **Stems**: each purely `a-z` word or part of 3+ bytes whose English
//!   Snowball stem differs is followed by `STEM_MARK + stem` at the same
//!   position and offsets (`coroutines` -> `\u{1}coroutin`).
//! - Offsets are byte offsets into the original text; parts and stems carry
//!   the offsets of their own surface text.

use std::collections::HashMap;
use std::iter::Peekable;

use tantivy::Index;
use tantivy::tokenizer::{AsciiFoldingFilter, RawTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer};
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
    let stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
    let (parts, whole, out, cache) = Default::default();
    TextAnalyzer::from(TalkTokenizer { parts, whole, out, folder: folder(), stemmer, cache })
}

/// Registers [`analyzer`] under [`TOKENIZER`]; needed on every opened `Index`.
pub fn register(index: &Index) {
    index.tokenizers().register(TOKENIZER, analyzer());
}

/// All tokens (wholes, parts, words and stems) of `text`.
pub fn tokens(text: &str) -> Vec<Token> {
    thread_local! {
        // Building an analyzer allocates its buffers and stem cache: reuse one per thread.
        static ANALYZER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(analyzer());
    }
    let mut out = Vec::new();
    ANALYZER.with_borrow_mut(|a| a.token_stream(text).process(&mut |t| out.push(t.clone())));
    out
}

/// Lower-cases and accent-folds `text`, dropping apostrophes, as tokens are:
/// a plain word folds to its token text. Other punctuation and spaces stay.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    text.chars().filter(|&c| !is_dropped(c)).for_each(|c| push_lower(&mut out, c));
    fold_tail(&mut folder(), &mut out, 0);
    out
}

/// Whether a token text is a stem token.
pub fn is_stem(token_text: &str) -> bool {
    token_text.starts_with(STEM_MARK)
}

fn folder() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default()).filter(AsciiFoldingFilter).build()
}

/// Accent-folds `buf[start..]` in place.
fn fold_tail(folder: &mut TextAnalyzer, buf: &mut String, start: usize) {
    if !buf[start..].is_ascii() {
        let tail = buf.split_off(start);
        folder.token_stream(&tail).process(&mut |t| buf.push_str(&t.text));
    }
}

fn push_lower(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else {
        out.extend(c.to_lowercase().filter(|&c| !is_dropped(c)));
    }
}

/// Apostrophes, default-ignorable format characters and combining accents.
fn is_dropped(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{2BC}' | '\u{AD}' | '\u{300}'..='\u{36F}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}')
}

/// Whether a non-alphanumeric character splits a word into parts (`.`, `_`,
/// `:`, `,`, other punctuation and symbols). Others, e.g. marks such as Indic
/// vowel signs, stay in the part.
fn is_separator(c: char) -> bool {
    c.is_ascii()
        || c.is_whitespace()
        || matches!(c, '\u{A0}'..='\u{BF}' | '\u{2000}'..='\u{2BFF}' | '\u{2E00}'..='\u{2E7F}'
            | '\u{3000}'..='\u{303F}' | '\u{FE10}'..='\u{FF65}' | '\u{37E}' | '\u{387}' | '\u{55A}'..='\u{55F}'
            | '\u{589}' | '\u{5F3}' | '\u{5F4}' | '\u{60C}' | '\u{60D}' | '\u{66B}' | '\u{66C}' | '\u{7F8}')
}

fn is_word(seg: &str) -> bool {
    seg.chars().any(char::is_alphanumeric)
}

fn strip_possessive(word: &str) -> &str {
    let stripped = ["'s", "'S", "\u{2019}s", "\u{2019}S"].iter().find_map(|s| word.strip_suffix(s));
    stripped.filter(|rest| is_word(rest)).unwrap_or(word)
}

/// End of the UAX #29 word segment starting at `start` in `b`, an ASCII run
/// without whitespace (rules WB5 to WB13b restricted to ASCII).
fn ascii_segment_end(b: &[u8], start: usize) -> usize {
    let wordish = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = start + 1;
    while wordish(b[start]) && i < b.len() {
        if !wordish(b[i]) {
            let (prev, next) = (b[i - 1], b.get(i + 1).copied().unwrap_or(b' '));
            let letters = prev.is_ascii_alphabetic() && next.is_ascii_alphabetic();
            let digits = prev.is_ascii_digit() && next.is_ascii_digit();
            match b[i] {
                b'.' | b'\'' if letters || digits => i += 1,
                b':' if letters => i += 1,
                b',' | b';' if digits => i += 1,
                _ => break,
            }
        }
        i += 1;
    }
    i
}

/// Word-boundary segments, leaving out ASCII whitespace (always a boundary)
/// and ASCII punctuation other than `._+#-`. ASCII runs take
/// `ascii_segment_end`, other runs unicode-segmentation.
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

/// A word of at most 16 bytes, zero-padded into an integer.
fn pack(word: &str) -> Option<u128> {
    let mut bytes = [0u8; 16];
    bytes.get_mut(..word.len())?.copy_from_slice(word.as_bytes());
    Some(u128::from_le_bytes(bytes))
}

/// A token to emit: offsets `.0..1`, position `.2`, text `parts[.3...4]` (or
/// `whole[.3...4]` if `.5`).
#[derive(Clone, Copy, Default)]
struct Pending(usize, usize, usize, usize, usize, bool);

/// A word `core.0..core.1` with its `.` prefix (`from..core.0`) and `++`/`#`
/// suffix (`core.1..to`), either possibly empty.
#[derive(Clone, Copy)]
struct Atom {
    from: usize,
    core: (usize, usize),
    to: usize,
}

/// Splits, lower-cases, folds and stems, reusing its buffers across texts.
#[derive(Clone)]
struct TalkTokenizer {
    parts: String,
    whole: String,
    out: Vec<Pending>,
    folder: TextAnalyzer,
    stemmer: frostem::Stemmer,
    /// Packed word -> packed stem, or 0 when the stem is the word itself.
    cache: HashMap<u128, u128>,
}

impl Tokenizer for TalkTokenizer {
    type TokenStream<'a> = TalkStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TalkStream<'a> {
        self.out.clear();
        let segs = Segments { text, pos: 0, run_end: 0, unicode: None }.peekable();
        let token = Token::default();
        TalkStream { text, segs, tk: self, next: 0, pos: 0, group_parts: 0, token }
    }
}

struct TalkStream<'a> {
    text: &'a str,
    segs: Peekable<Segments<'a>>,
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
            let (start, seg) = self.segs.next()?;
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
        let word = &tk.parts[start..end];
        if word.len() < MIN_STEM_LEN || !word.bytes().all(|b| b.is_ascii_lowercase()) {
            return;
        }
        let key = pack(word);
        match key.and_then(|key| tk.cache.get(&key)) {
            Some(&packed) => {
                let bytes = packed.to_le_bytes();
                let len = bytes.iter().position(|&b| b == 0).unwrap_or(16);
                tk.parts.push(STEM_MARK);
                tk.parts.push_str(std::str::from_utf8(&bytes[..len]).unwrap_or_default());
            }
            None => {
                let stem = tk.stemmer.stem(word).into_owned();
                let changed = stem != word;
                if let (Some(key), Some(packed)) = (key, if changed { pack(&stem) } else { Some(0) }) {
                    if tk.cache.len() >= STEM_CACHE_MAX {
                        tk.cache.clear();
                    }
                    tk.cache.insert(key, packed);
                }
                tk.parts.push(STEM_MARK);
                tk.parts.push_str(if changed { &stem } else { "" });
            }
        }
        match tk.parts.len() > end + STEM_MARK.len_utf8() {
            true => tk.out.push(Pending(from, to, pos, end, tk.parts.len(), false)),
            false => tk.parts.truncate(end),
        }
    }
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

#[cfg(test)]
mod tests {
    use tantivy::collector::Count;
    use tantivy::query::{PhraseQuery, Query, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
    use tantivy::{Term, doc};

    use super::*;

    /// Tokens as `text@position`, stems shown as `~stem`.
    fn render(text: &str) -> String {
        let shown = tokens(text).into_iter().map(|t| format!("{}@{}", t.text.replace(STEM_MARK, "~"), t.position));
        shown.collect::<Vec<_>>().join(" ")
    }

    /// Surface (non-stem) token texts.
    fn surface(text: &str) -> Vec<String> {
        tokens(text).into_iter().filter(|t| !is_stem(&t.text)).map(|t| t.text).collect()
    }

    fn check_invariants(text: &str, tokens: &[Token]) {
        let mut last = 0;
        for t in tokens {
            assert!(t.position >= last && !t.text.is_empty() && t.offset_from < t.offset_to);
            assert!(text.get(t.offset_from..t.offset_to).is_some(), "{t:?} in {text:?}");
            last = t.position;
        }
    }

    fn lcg(seed: &mut u64, n: usize) -> usize {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 33) as usize % n
    }

    #[test]
    fn surface_tokens() {
        let cases: &[(&str, &[&str])] = &[
            ("C++", &["c++"]),
            ("C and C++, C# F#", &["c", "and", "c++", "c#", "f#"]),
            (".NET (.NET) use .NET", &[".net", ".net", "use", ".net"]),
            ("ASP.NET node.js", &["asp.net", "asp", "net", "node.js", "node", "js"]),
            ("java.util.concurrent", &["java.util.concurrent", "java", "util", "concurrent"]),
            ("python 3.12, 2.7.1 1,000", &["python", "3.12", "2.7.1", "1,000"]),
            ("python-3 python-3.12's", &["python-3", "python", "3", "python-3.12", "python", "3.12"]),
            ("just-in-time", &["just-in-time", "just", "in", "time"]),
            ("foo_bar __init__.py", &["foo_bar", "foo", "bar", "__init__", "init", "py"]),
            ("a - b -c d-", &["a", "b", "c", "d"]),
            ("Łukasz Langa, Thomas Güttler", &["lukasz", "langa", "thomas", "guttler"]),
            ("café ß Ørsted Æsir cafe\u{301} İ", &["cafe", "ss", "orsted", "aesir", "cafe", "i"]),
            ("PyPy's PyPy’s JIT, C++'s don't", &["pypy", "pypy", "jit", "c++", "dont"]),
            ("agile", &["agile"]),
            ("Привет мир", &["привет", "мир"]),
            ("日本語のテキスト", &["日", "本", "語", "の", "テキスト"]),
            ("hello, world! 😀 --- ... ©", &["hello", "world"]),
            ("Objective-C++", &["objective-c++", "objective", "c++"]),
        ];
        for (text, want) in cases {
            assert_eq!(surface(text), *want, "for {text:?}");
        }
    }

    #[test]
    fn positions_and_stems() {
        let keith = "keith-magee@0 keith@0 magee@1 ~mage@1 talk@2";
        assert_eq!(render("Keith-Magee talk"), keith);
        assert_eq!(render("just-in-time x"), "just-in-time@0 just@0 in@1 time@2 x@3");
        assert_eq!(render("__init__ C++ 3.12 py"), "__init__@0 init@0 c++@1 3.12@2 py@3");
        let coroutines = "coroutines@0 ~coroutin@0 coroutine@1 ~coroutin@1";
        assert_eq!(render("coroutines coroutine"), coroutines);
        assert_eq!(render("JIT run python3 .net"), "jit@0 run@1 python3@2 .net@3");
        assert_eq!(render("agile"), "agile@0 ~agil@0");
        let long = "a".repeat(50);
        assert_eq!(render(&format!("{long} ok {long}-part")), "ok@1 part@3");
        // Stems share their word's position and offsets.
        let toks = tokens("Async coroutines running incomprehensibilities");
        let span = |t: &Token| (t.position, t.offset_from, t.offset_to);
        let pairs = toks.windows(2).filter(|w| is_stem(&w[1].text));
        assert_eq!(pairs.inspect(|w| assert_eq!(span(&w[0]), span(&w[1]))).count(), 3);
        // The stem cache gives the same tokens as a fresh analyzer.
        let mut reused = analyzer();
        for text in ["running runs", "incomprehensibilities runs running", "running"] {
            let mut again = Vec::new();
            reused.token_stream(text).process(&mut |t| again.push(t.clone()));
            assert_eq!(again, tokens(text));
        }
    }

    #[test]
    fn offsets_map_to_original() {
        let text = "Łukasz's talk: ASP.NET, C++ & Keith-Magee's __init__ (.NET) 3.12 don't";
        let toks = tokens(text);
        check_invariants(text, &toks);
        let spans: Vec<_> = toks.iter().map(|t| &text[t.offset_from..t.offset_to]).collect();
        for (t, span) in toks.iter().zip(&spans).filter(|(t, _)| !is_stem(&t.text)) {
            assert_eq!(fold(span), t.text);
        }
        for want in ["Łukasz", "ASP.NET", "NET", "C++", "Keith-Magee", "Magee", "init", ".NET"] {
            assert!(spans.contains(&want), "{want}");
        }
    }

    #[test]
    fn fold_is_consistent() {
        assert_eq!(fold("Łukasz Güttler, Straße Ærø"), "lukasz guttler, strasse aero");
        for word in ["Ørsted", "ÉCOLE", "naïve", "İstanbul", "Привет", "", "don't"] {
            assert_eq!(fold(word), surface(word).first().map_or("", |s| s));
        }
        assert!(is_stem("\u{1}x") && !is_stem("x"));
    }

    #[test]
    fn ascii_fast_path_matches_unicode_segmentation() {
        let (alphabet, mut seed) = (b"aZ09_.':,;-+#(/ ", 7);
        for _ in 0..3000 {
            let len = lcg(&mut seed, 24);
            let text: String = (0..len).map(|_| alphabet[lcg(&mut seed, alphabet.len())] as char).collect();
            let fast: Vec<_> = Segments { text: &text, pos: 0, run_end: 0, unicode: None }.collect();
            let punct = |s: &str| s.len() == 1 && !s.starts_with(|c: char| c.is_alphanumeric() || "._+#-".contains(c));
            let kept = |(_, s): &(usize, &str)| !s.trim().is_empty() && !punct(s);
            let unicode: Vec<_> = text.split_word_bound_indices().filter(kept).collect();
            assert_eq!(fast, unicode, "for {text:?}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        let fixed = "| |.|++|#|-|_|'s|a-|-a|.-.|c+|C++'s|\0\u{1}\u{7f}|a\u{200D}😀|\u{301}|x\u{FFFF}y|a-_-b|..a|._a|'''|𝔘𝔫|ǅİﬁ|\r\n";
        let mut inputs: Vec<String> = fixed.split('|').map(String::from).collect();
        let (chars, mut seed): (Vec<char>, _) = ("a.B-_+#'’ 3\u{301}\u{200D}😀日\nßİ".chars().collect(), 42);
        for _ in 0..500 {
            let len = lcg(&mut seed, 40);
            inputs.push((0..len).map(|_| chars[lcg(&mut seed, chars.len())]).collect());
        }
        inputs.push("word-".repeat(20_000) + &"é".repeat(100_000));
        for text in &inputs {
            check_invariants(text, &tokens(text));
            fold(text);
        }
    }

    #[test]
    fn term_and_phrase_queries_on_an_index() {
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
        let count = |q: &dyn Query| searcher.search(q, &Count).unwrap();
        let term = |t: &str| Term::from_field_text(body, t);
        let q = |t: &str| count(&TermQuery::new(term(t), IndexRecordOption::Basic));
        assert_eq!([q("c++"), q("c"), q("gil"), q("\u{1}coroutin")], [1, 1, 0, 1]);
        let phrase = |words: &[&str]| count(&PhraseQuery::new(words.iter().map(|w| term(w)).collect()));
        assert_eq!(phrase(&["keith", "magee"]), 1);
        assert_eq!(phrase(&["by", "keith", "magee"]), 1);
        assert_eq!(phrase(&["c++", "keith"]), 0);
    }

    /// Invariants over a whole corpus, no timing: `TALKSEARCH_CORPUS=file cargo
    /// test --lib analysis -- --ignored` (default: the bundled sample).
    #[test]
    #[ignore]
    fn corpus_sanity() {
        let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/data/pycon-us-2012-lanyrd.txt");
        let corpus = std::fs::read_to_string(std::env::var("TALKSEARCH_CORPUS").unwrap_or(sample.into())).unwrap();
        let (mut reused, mut stems) = (analyzer(), 0);
        for line in corpus.lines() {
            let mut toks = Vec::new();
            reused.token_stream(line).process(&mut |t| toks.push(t.clone()));
            check_invariants(line, &toks);
            stems += toks.iter().filter(|t| is_stem(&t.text)).count();
        }
        assert!(stems > 0);
    }
}
