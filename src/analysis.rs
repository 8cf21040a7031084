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
use std::hash::{BuildHasher, Hasher, RandomState};
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
    for_each_token_starting(text, &ByteSet::ALL, stem, f);
}

/// [`for_each_token`], for a caller that only wants tokens whose text starts with a byte in
/// `starts` (it may get others too): the parts of `text` where no such token can start are
/// not analysed at all.
///
/// ASCII whitespace always separates tokens and nothing is looked up across it, so each
/// whitespace-separated run yields the same tokens alone as within the text. In ASCII, a token
/// starts with the lower-cased first letter or digit of a word (a part of a compound being a
/// word), or with punctuation (`.net`, `__init__`): a run is analysed if it has such a start
/// in `starts`, or a character outside ASCII (which folding may change). Token positions are
/// not meaningful: runs are analysed apart.
pub fn for_each_token_starting(text: &str, starts: &ByteSet, stem: &ByteSet, mut f: impl FnMut(&Token)) {
    thread_local! {
        // A tokenizer allocates its buffers and stem cache: reuse one per thread.
        static TOKENIZER: std::cell::RefCell<TalkTokenizer> = std::cell::RefCell::new(TalkTokenizer::new());
    }
    TOKENIZER.with_borrow_mut(|tk| {
        tk.stem_first = *stem;
        let mut analyse = |from: usize, to: usize| {
            let mut stream = tk.token_stream(&text[from..to]);
            while stream.advance() {
                let token = stream.token_mut();
                token.offset_from += from;
                token.offset_to += from;
                f(token);
            }
        };
        if *starts == ByteSet::ALL {
            return analyse(0, text.len());
        }
        let b = text.as_bytes();
        // Consecutive runs worth analysing are analysed together: `span` is where they began.
        let (mut pos, mut span) = (0, None);
        while pos < b.len() {
            let run = pos;
            let (mut wanted, mut in_word) = (false, false);
            while let Some(&c) = b.get(pos).filter(|c| !c.is_ascii_whitespace()) {
                let alphanumeric = c.is_ascii_alphanumeric();
                wanted |= !c.is_ascii()
                    || if alphanumeric {
                        !in_word && starts.contains(c.to_ascii_lowercase())
                    } else {
                        starts.contains(c)
                    };
                in_word = alphanumeric;
                pos += 1;
            }
            match (wanted, span) {
                (true, None) => span = Some(run),
                (false, Some(from)) => {
                    analyse(from, run);
                    span = None;
                }
                _ => {}
            }
            while b.get(pos).is_some_and(u8::is_ascii_whitespace) {
                pos += 1;
            }
        }
        if let Some(from) = span {
            analyse(from, b.len());
        }
    });
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
            // The next run: its end and whether it is ASCII, in one pass.
            let start = self.pos + b[self.pos..].iter().position(|c| !c.is_ascii_whitespace())?;
            let (mut end, mut ascii) = (start, true);
            while let Some(&c) = b.get(end).filter(|c| !c.is_ascii_whitespace()) {
                ascii &= c.is_ascii();
                end += 1;
            }
            (self.pos, self.run_end) = (start, end);
            if !ascii {
                self.unicode = Some((start, self.text[start..end].split_word_bound_indices()));
                self.pos = end;
            }
        }
    }
}

/// A word of at most 16 bytes, zero-padded into an integer.
fn pack(word: &str) -> Option<u128> {
    // Shifts, not a copy into a byte array: reading that back as one integer stalls.
    let bytes = word.as_bytes();
    (bytes.len() <= 16).then(|| bytes.iter().rev().fold(0, |packed, &b| packed << 8 | u128::from(b)))
}

/// A fast seeded hasher (folded multiplies, as foldhash does) for in-memory maps: the stem
/// cache's packed words, and the indexer's paragraphs. SipHash, the std default, was a tenth of
/// the analyzer's time. The seed is random per map, so inputs cannot be chosen to collide.
#[derive(Clone, Copy)]
pub(crate) struct FoldHash([u64; 2]);

impl FoldHash {
    /// A hasher builder with a random seed.
    pub(crate) fn new() -> FoldHash {
        let random = RandomState::new();
        FoldHash([random.hash_one(1u8), random.hash_one(2u8)])
    }
}

impl Default for FoldHash {
    fn default() -> FoldHash {
        FoldHash::new()
    }
}

impl BuildHasher for FoldHash {
    type Hasher = FoldHasher;

    fn build_hasher(&self) -> FoldHasher {
        FoldHasher { seed: self.0, hash: 0 }
    }
}

/// The [`Hasher`] of [`FoldHash`].
pub(crate) struct FoldHasher {
    seed: [u64; 2],
    hash: u64,
}

impl FoldHasher {
    fn mix(&mut self, lo: u64, hi: u64) {
        let product = u128::from(lo ^ self.seed[0] ^ self.hash) * u128::from(hi ^ self.seed[1]);
        self.hash = product as u64 ^ (product >> 64) as u64;
    }
}

impl Hasher for FoldHasher {
    fn write_u128(&mut self, n: u128) {
        self.mix(n as u64, (n >> 64) as u64);
    }

    fn write(&mut self, bytes: &[u8]) {
        let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
        let mut chunks = bytes.chunks_exact(16);
        for chunk in &mut chunks {
            self.mix(word(&chunk[..8]), word(&chunk[8..]));
        }
        let mut tail = [0u8; 16];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.mix(word(&tail[..8]) ^ bytes.len() as u64, word(&tail[8..]));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
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
    cache: HashMap<u128, u128, FoldHash>,
    /// Words are stemmed only if their first byte is in this set.
    stem_first: ByteSet,
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
        let tk = &mut *self.tk;
        tk.out.clear();
        self.next = 0;
        self.group_parts = 1;
        if seg.len() > MAX_LEN {
            return true;
        }
        tk.parts.clear();
        tk.parts.push_str(seg);
        tk.parts.make_ascii_lowercase();
        tk.out.push(Pending(start, end, self.pos, 0, seg.len(), false));
        if letters && seg.len() >= MIN_STEM_LEN {
            tk.push_stem(start, end, self.pos, 0);
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
    fn new() -> TalkTokenizer {
        TalkTokenizer {
            parts: String::new(),
            whole: String::new(),
            out: Vec::new(),
            folder: folder(),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            cache: HashMap::with_hasher(FoldHash::new()),
            stem_first: ByteSet::ALL,
        }
    }

    /// Emits the stem of the word `parts[start..]` (3+ bytes of `a-z`) at the word's position and
    /// offsets, unless it is the word itself.
    fn push_stem(&mut self, from: usize, to: usize, pos: usize, start: usize) {
        let end = self.parts.len();
        let word = &self.parts[start..end];
        if !self.stem_first.contains(word.as_bytes()[0]) {
            return;
        }
        let key = pack(word);
        match key.and_then(|key| self.cache.get(&key)) {
            Some(0) => return,
            Some(&packed) => {
                let bytes = packed.to_le_bytes();
                let len = 16 - packed.leading_zeros() as usize / 8;
                self.parts.push(STEM_MARK);
                self.parts.push_str(std::str::from_utf8(&bytes[..len]).unwrap_or_default());
            }
            None => {
                let stem = self.stemmer.stem(word).into_owned();
                let changed = stem != word;
                if let (Some(key), Some(packed)) = (key, if changed { pack(&stem) } else { Some(0) }) {
                    if self.cache.len() >= STEM_CACHE_MAX {
                        self.cache.clear();
                    }
                    self.cache.insert(key, packed);
                }
                if !changed || stem.is_empty() {
                    return;
                }
                self.parts.push(STEM_MARK);
                self.parts.push_str(&stem);
            }
        }
        self.out.push(Pending(from, to, pos, end, self.parts.len(), false));
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
#[path = "analysis_tests.rs"]
mod tests;
