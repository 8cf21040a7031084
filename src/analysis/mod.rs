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

mod hash;
mod runs;
mod scan;
mod segments;
mod starts;
mod tokenizer;

use tantivy::Index;
use tantivy::tokenizer::{AsciiFoldingFilter, RawTokenizer, TextAnalyzer, Token, TokenStream};

pub(crate) use hash::FoldHash;
pub use starts::Starts;
use tokenizer::TalkTokenizer;

/// Name the analyzer is registered under.
pub const TOKENIZER: &str = "talk";
/// Prefix of stem tokens.
pub const STEM_MARK: char = '\u{1}';
const MAX_LEN: usize = 40;
const MIN_STEM_LEN: usize = 3;
const STEM_CACHE_MAX: usize = 200_000;

/// Builds the `talk` analyzer.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::from(TalkTokenizer::new())
}

/// Registers [`analyzer`] under [`TOKENIZER`]; needed on every opened `Index`.
pub fn register(index: &Index) {
    index.tokenizers().register(TOKENIZER, analyzer());
}

/// All tokens (wholes, parts, words and stems) of `text`.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for_each_token(text, &ByteSet::ALL, |t| out.push(t.clone()));
    out
}

/// A set of bytes: the first bytes of words worth stemming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSet([u64; 4]);

impl ByteSet {
    /// No byte.
    pub const EMPTY: ByteSet = ByteSet([0; 4]);
    /// Every byte.
    pub const ALL: ByteSet = ByteSet([u64::MAX; 4]);

    /// Adds `b`.
    pub fn insert(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    /// Whether `b` is in the set.
    pub fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
}

/// Calls `f` with each token of `text`, in order, without copying them: the cheap way to scan
/// a text (highlighting). Stem tokens are made only for words whose first byte is in `stem`
/// (a stem starts with its word's first letter): stemming is most of the analysis' cost, and a
/// highlighter only needs the stems that could match.
pub fn for_each_token(text: &str, stem: &ByteSet, f: impl FnMut(&Token)) {
    scan(text, None, stem, f);
}

/// [`for_each_token`], for a caller that only wants the tokens of `starts` (it may get others
/// too): the words of `text` where none of them can begin are not analysed at all, and plain
/// words are analysed without the tokenizer (`analysis/scan.rs`). Token positions are not
/// meaningful: runs of text are analysed apart. With [`Starts::all`], every token of the text
/// (in order), the plain words still without the tokenizer.
pub fn for_each_token_starting(text: &str, starts: &Starts, stem: &ByteSet, f: impl FnMut(&Token)) {
    scan(text, Some(starts), stem, f);
}

fn scan(text: &str, starts: Option<&Starts>, stem: &ByteSet, f: impl FnMut(&Token)) {
    thread_local! {
        // A tokenizer allocates its buffers and stem cache: reuse one per thread.
        static TOKENIZER: std::cell::RefCell<TalkTokenizer> = std::cell::RefCell::new(TalkTokenizer::new());
    }
    TOKENIZER.with_borrow_mut(|tk| scan::scan(tk, text, starts, stem, f));
}

/// Lower-cases and accent-folds `text`, dropping apostrophes, as tokens are:
/// a plain word folds to its token text. Other punctuation and spaces stay.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    text.chars().filter(|&c| !is_dropped(c)).for_each(|c| push_lower(&mut out, c));
    // Building the folding analyzer costs more than folding: only when there is something to fold.
    if !out.is_ascii() {
        fold_tail(&mut folder(), &mut out, 0);
    }
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

#[cfg(test)]
mod tests;
