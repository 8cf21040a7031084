//! The `talk` text analyzer, used for every searchable text field at index
//! time and for user words at query time.
//!
//! Text is split on Unicode (UAX #29) word boundaries. Each word is
//! lower-cased, accent-folded (tantivy's `AsciiFoldingFilter`, i.e. Lucene's
//! table: `Łukasz` -> `lukasz`, `ß` -> `ss`) and cleaned of default-ignorable
//! format characters and combining diacritics. Then:
//!
//! - **Symbols that carry meaning stay**: a word directly followed by `++`
//!   (`c++`), a single letter directly followed by `#` (`c#`, `f#`), a `.`
//!   directly before a word at the start of the text or after a character that
//!   is not alphanumeric, `_` or `.` (`.net`). `c++` never yields `c`.
//! - **Split words** (a UAX #29 word containing `.`, `_`, `:` ... such as
//!   `node.js`, `foo_bar`, `__init__`) and **compounds** (words joined by a
//!   hyphen with no whitespace around it: `keith-magee`, `python-3`) are
//!   emitted whole (at the position of their first part) and by their parts
//!   (at consecutive positions), so phrase queries over parts match. Numbers
//!   such as versions (`3.12`, `2.7.1`) are emitted whole only.
//! - Possessive `'s` / `’s` is stripped, other apostrophes are removed.
//! - Tokens longer than 40 bytes are dropped (their position stays used);
//!   segments without a letter or digit (punctuation, emoji) are dropped.
//! - **Stems**: every purely ASCII-alphabetic token of 3+ bytes whose English
//!   (Snowball) stem differs gets an extra token `STEM_MARK + stem` at the same
//!   position and offsets, e.g. `coroutines` -> `\u{1}coroutin`.
//! - Offsets are byte offsets into the original text; parts and stems carry
//!   the offsets of their own surface text.

use std::iter::Peekable;

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, RawTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use unicode_segmentation::{UWordBoundIndices, UnicodeSegmentation};

/// Name the analyzer is registered under.
pub const TOKENIZER: &str = "talk";
/// Prefix of stem tokens.
pub const STEM_MARK: char = '\u{1}';
const MAX_LEN: usize = 40;
const MIN_STEM_LEN: usize = 3;

/// Builds the `talk` analyzer.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(TalkTokenizer::default())
        .filter(AsciiFoldingFilter)
        .filter(StemFilter)
        .build()
}

/// Registers [`analyzer`] under [`TOKENIZER`] (needed on every opened `Index`).
pub fn register(index: &Index) {
    index.tokenizers().register(TOKENIZER, analyzer());
}

/// All tokens (surface, parts, wholes and stems) of `text`.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    stream.process(&mut |t| out.push(t.clone()));
    out
}

/// Lower-cases and accent-folds `text` like token texts are (a plain word
/// folds to its token text). Punctuation and spacing are kept.
pub fn fold(text: &str) -> String {
    let mut lower = String::with_capacity(text.len());
    text.chars()
        .filter(|&c| !is_ignorable(c))
        .for_each(|c| push_lower(&mut lower, c));
    if lower.is_ascii() {
        return lower;
    }
    let mut folder = TextAnalyzer::builder(RawTokenizer::default())
        .filter(AsciiFoldingFilter)
        .build();
    let mut stream = folder.token_stream(&lower);
    match stream.next() {
        Some(token) => token.text.clone(),
        None => String::new(),
    }
}

/// Whether a token text is a stem token.
pub fn is_stem(token_text: &str) -> bool {
    token_text.starts_with(STEM_MARK)
}

fn push_lower(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else {
        out.extend(c.to_lowercase());
    }
}

/// Default-ignorable format characters and combining diacritics: dropped.
fn is_ignorable(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{300}'..='\u{36F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{2BC}')
}

/// Non-alphanumeric characters that split a UAX #29 word into parts (`.`, `_`,
/// `:`, `,` ...). Other non-alphanumerics (marks, e.g. Indic vowel signs) stay.
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

/// Splits and lower-cases; accents are folded by the next filter.
#[derive(Clone, Default)]
struct TalkTokenizer {
    parts: String,
    whole: String,
    out: Vec<Pending>,
}

/// A token waiting to be emitted; its text is `parts[start..end]` (or `whole`).
#[derive(Clone, Copy, Default)]
struct Pending {
    from: usize,
    to: usize,
    pos: usize,
    start: usize,
    end: usize,
    whole: bool,
}

/// A word with its optional `.` prefix (`from..core_from`) and `++`/`#` suffix.
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
        for buf in [&mut self.parts, &mut self.whole] {
            if buf.capacity() > 1 << 16 {
                *buf = String::new();
            }
        }
        self.out.clear();
        TalkStream {
            text,
            segs: text.split_word_bound_indices().peekable(),
            parts: &mut self.parts,
            whole: &mut self.whole,
            out: &mut self.out,
            next: 0,
            pos: 0,
            group_parts: 0,
            token: Token::default(),
        }
    }
}

struct TalkStream<'a> {
    text: &'a str,
    segs: Peekable<UWordBoundIndices<'a>>,
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
    /// Reads the next group (one word or a compound); false at end of text.
    fn fill_group(&mut self) -> bool {
        self.out.clear();
        self.parts.clear();
        self.whole.clear();
        self.pos += self.group_parts;
        self.group_parts = 0;
        let mut atom = loop {
            let Some((start, seg)) = self.segs.next() else {
                return false;
            };
            if let Some(atom) = self.start_atom(start, seg) {
                break atom;
            }
        };
        let from = atom.from;
        self.out.push(Pending::default()); // placeholder for the whole
        self.next = 1;
        loop {
            self.push_atom(atom);
            let Some(next) = self.continue_compound(atom.to) else {
                break;
            };
            self.whole.push('-');
            atom = next;
        }
        let first = self.out.get(1).copied().unwrap_or_default();
        let same = self.group_parts == 1 && self.parts[first.start..first.end] == **self.whole;
        if self.out.len() > 1 && !same && self.whole.len() <= MAX_LEN {
            let (pos, end) = (self.pos, self.whole.len());
            let to = atom.to;
            self.out[0] = Pending {
                from,
                to,
                pos,
                start: 0,
                end,
                whole: true,
            };
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
        Some(Atom {
            from: start,
            ..self.word_atom(s, word)
        })
    }

    /// A word segment plus a directly following `++` (or `#` after one letter).
    fn word_atom(&mut self, start: usize, seg: &str) -> Atom {
        let end = start + seg.len();
        let rest = &self.text[end..];
        let mut chars = seg.chars();
        let one_letter = chars.next().is_some_and(char::is_alphabetic) && chars.next().is_none();
        let suffix = if rest.starts_with("++") {
            2
        } else if one_letter && rest.starts_with('#') {
            1
        } else {
            0
        };
        let mut to = end;
        while to < end + suffix {
            match self.segs.next() {
                Some((s, sym)) => to = s + sym.len(),
                None => break,
            }
        }
        Atom {
            from: start,
            core_from: start,
            core_to: end,
            to: to.min(end + suffix),
        }
    }

    /// The next atom if a hyphen (no spaces around) joins it to the group.
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

    /// Appends the atom to `whole` and its part(s) to `out`.
    fn push_atom(&mut self, a: Atom) {
        let core = strip_possessive(&self.text[a.core_from..a.core_to]);
        let (whole_start, out_start, k_start) =
            (self.whole.len(), self.out.len(), self.group_parts);
        if a.from != a.core_from || a.to != a.core_to {
            // `.net`, `c++`, `c#`: one unsplittable part.
            let start = self.parts.len();
            self.parts.push_str(&self.text[a.from..a.core_from]);
            for c in core
                .chars()
                .filter(|&c| !is_ignorable(c) && !is_apostrophe(c))
            {
                push_lower(self.parts, c);
            }
            self.parts.push_str(&self.text[a.core_to..a.to]);
            self.whole.push_str(&self.parts[start..]);
            return self.end_part(a.from, a.to, start);
        }
        let (mut part_from, mut part_to, mut start) = (None, 0, self.parts.len());
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
        if !has_alpha && self.group_parts - k_start > 1 {
            // A number such as `3.12`: whole only.
            self.out.truncate(out_start);
            self.group_parts = k_start;
            let start = self.parts.len();
            self.parts.push_str(&self.whole[whole_start..]);
            self.end_part(a.core_from, a.core_from + core.len(), start);
        }
    }

    /// Emits `parts[start..]` as the group's next part unless it is too long.
    fn end_part(&mut self, from: usize, to: usize, start: usize) {
        let end = self.parts.len();
        if end - start <= MAX_LEN {
            let pos = self.pos + self.group_parts;
            self.out.push(Pending {
                from,
                to,
                pos,
                start,
                end,
                whole: false,
            });
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
        self.token.offset_from = p.from;
        self.token.offset_to = p.to;
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

/// Adds a `STEM_MARK + stem` token after each stemmable token.
#[derive(Clone)]
struct StemFilter;

impl TokenFilter for StemFilter {
    type Tokenizer<T: Tokenizer> = StemTokenizer<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> StemTokenizer<T> {
        let stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
        StemTokenizer {
            inner,
            stemmer,
            stem: String::new(),
        }
    }
}

#[derive(Clone)]
struct StemTokenizer<T> {
    inner: T,
    stemmer: frostem::Stemmer,
    stem: String,
}

impl<T: Tokenizer> Tokenizer for StemTokenizer<T> {
    type TokenStream<'a> = StemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        let tail = self.inner.token_stream(text);
        StemStream {
            tail,
            stemmer: self.stemmer,
            stem: &mut self.stem,
            pending: false,
        }
    }
}

struct StemStream<'a, T> {
    tail: T,
    stemmer: frostem::Stemmer,
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
        let text = &self.tail.token().text;
        if text.len() >= MIN_STEM_LEN && text.bytes().all(|b| b.is_ascii_lowercase()) {
            let stem = self.stemmer.stem(text);
            if *stem != **text {
                self.stem.clear();
                self.stem.push_str(&stem);
                self.pending = true;
            }
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
        tokens(text)
            .into_iter()
            .filter(|t| !is_stem(&t.text))
            .map(|t| t.text)
            .collect()
    }

    /// Every token as (text, position).
    fn with_pos(text: &str) -> Vec<(String, usize)> {
        tokens(text)
            .into_iter()
            .map(|t| (t.text, t.position))
            .collect()
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
        let want = [
            ("keith-magee", 0),
            ("keith", 0),
            ("magee", 1),
            ("\u{1}mage", 1),
            ("talks", 2),
            ("\u{1}talk", 2),
        ];
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
        let stems: Vec<_> = tokens("keith-magee")
            .into_iter()
            .filter(|t| is_stem(&t.text))
            .map(|t| t.text)
            .collect();
        assert_eq!(stems, ["\u{1}mage"], "parts are stemmed, wholes are not");
        assert!(tokens("python3 c++ 3.12").iter().all(|t| !is_stem(&t.text)));
        assert!(
            !tokens("agile")
                .iter()
                .any(|t| t.text.trim_start_matches(STEM_MARK) == "gil")
        );
        let toks = tokens("Async coroutines running");
        for pair in toks.windows(2).filter(|w| is_stem(&w[1].text)) {
            assert_eq!(pair[0].position, pair[1].position);
            assert_eq!(
                (pair[0].offset_from, pair[0].offset_to),
                (pair[1].offset_from, pair[1].offset_to)
            );
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
                fold(surface)
                    .replace(['\'', '-', '_'], "")
                    .contains(&text.replace(['-', '_'], ""))
                    || is_stem(&t.text),
                "{surface:?} vs {text:?}"
            );
        }
        let t = tokens("x Keith-Magee");
        assert_eq!(
            &"x Keith-Magee"[t[1].offset_from..t[1].offset_to],
            "Keith-Magee"
        );
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
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    chars[(seed >> 33) as usize % chars.len()]
                })
                .collect();
            inputs.push(s);
        }
        inputs.push("word-".repeat(20_000));
        for text in &inputs {
            let mut last = 0;
            for t in tokens(text) {
                assert!(
                    t.position >= last && t.offset_from < t.offset_to && t.offset_to <= text.len()
                );
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
        let body = schema.add_text_field(
            "body",
            TextOptions::default().set_indexing_options(indexing),
        );
        let index = Index::create_in_ram(schema.build());
        register(&index);
        let mut writer = index.writer_with_num_threads(1, 20_000_000).unwrap();
        for text in [
            "C is great",
            "Modern C++ by Keith-Magee",
            "Agile coroutines",
        ] {
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
        assert_eq!(
            count(&PhraseQuery::new(vec![term("keith"), term("magee")])),
            1
        );
        assert_eq!(
            count(&PhraseQuery::new(vec![term("c++"), term("keith")])),
            0
        );
        assert_eq!(
            count(&PhraseQuery::new(vec![
                term("by"),
                term("keith"),
                term("magee")
            ])),
            1
        );
    }
}
