//! Highlighting: which parts of a talk's text matched, a window of the abstract around them,
//! and the HTML form with `<mark>` (all talk text escaped).
//!
//! Matching re-analyses the stored text with the index's own analyzer and marks every token the
//! query plan matched ([`Highlighter`]), so stemmed matches are highlighted like exact ones.
//! Ranges in [`Snippet::highlights`] are in characters (not bytes) of [`Snippet::text`], for
//! JavaScript and terminals alike.

use std::collections::HashMap;

use serde::Serialize;

use crate::analysis::{self, ByteSet, FoldHash, Starts};

/// Longest snippet, in characters.
pub const SNIPPET_CHARS: usize = 200;
/// How much of an abstract is searched for the best window: re-analysing a 14 KB abstract for
/// every hit costs more than the search itself.
pub const SCAN_BYTES: usize = 4_096;
/// The first part of an abstract searched for a window with every query word; each next one is
/// twice as long (see [`Highlighter::window`]).
pub const FIRST_SCAN_BYTES: usize = 256;

fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0)
}

/// Analysed tokens that count as a match.
#[derive(Debug, Clone)]
pub struct Highlighter {
    /// Token text -> the query words it stands for (bits of [`Highlighter::next_word`]), for
    /// counting the query words a window has.
    terms: HashMap<String, u64, FoldHash>,
    /// The query words a window needs to have them all (not alternatives such as synonyms).
    words: u64,
    /// Query words numbered so far.
    numbered: u32,
    /// First bytes of `terms`: most tokens are rejected by their first byte, unhashed.
    first: ByteSet,
    /// First bytes of the stems in `terms` (after the mark): only words starting with one are
    /// stemmed when a text is scanned.
    stems: ByteSet,
    /// Where in a text a matching token can begin: only those words are analysed.
    starts: Starts,
}

impl Default for Highlighter {
    fn default() -> Self {
        let none = ByteSet::EMPTY;
        Highlighter {
            terms: HashMap::default(),
            words: 0,
            numbered: 0,
            first: none,
            stems: none,
            starts: Starts::none(),
        }
    }
}

impl Highlighter {
    /// A new query word's bit, for [`Highlighter::add`] (the 64th and all after it share one).
    pub fn next_word(&mut self) -> u64 {
        self.numbered += 1;
        1 << (self.numbered - 1).min(63)
    }

    /// Adds an analysed token text (surface or stem-marked) that counts as a match of the query
    /// words `words` (bits of [`Highlighter::next_word`]).
    pub fn add(&mut self, term: impl Into<String>, words: u64) {
        let term = term.into();
        // An empty token (none are made) could not be found: no window would have every word.
        if !term.is_empty() {
            self.words |= words;
        }
        self.add_alternative(term, words);
    }

    /// Adds a token text that counts as a match of `words`, an alternative of the query's
    /// words (a synonym): a window with it has one more word, but a window without it may
    /// still have them all.
    pub fn add_alternative(&mut self, term: impl Into<String>, words: u64) {
        let term = term.into();
        let bytes = term.as_bytes();
        let Some(&first) = bytes.first() else { return };
        self.first.insert(first);
        self.starts.add(&term);
        if analysis::is_stem(&term)
            && let Some(&b) = bytes.get(analysis::STEM_MARK.len_utf8())
        {
            self.stems.insert(b);
        }
        *self.terms.entry(term).or_default() |= words;
    }

    /// True if nothing would be highlighted.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Appends the byte ranges of `text[from..to]` that match (`to` at ASCII whitespace or the
    /// text's end, so that no token is cut) to `spans`, sorted and merged, each with the query
    /// words it matched (for window choice).
    fn matches(&self, text: &str, from: usize, to: usize, spans: &mut Vec<(usize, usize, u64)>) {
        if self.terms.is_empty() || from >= to {
            return;
        }
        let begin = spans.len();
        analysis::for_each_token_starting(&text[from..to], &self.starts, &self.stems, |token| {
            let first = token.text.as_bytes().first().copied().unwrap_or_default();
            if self.first.contains(first)
                && let Some(&words) = self.terms.get(token.text.as_str())
            {
                spans.push((from + token.offset_from, from + token.offset_to, words));
            }
        });
        // Tokens never cross whitespace, so these follow the spans already there: sorted and
        // merged in place.
        spans[begin..].sort_unstable();
        let mut kept = begin;
        for i in begin..spans.len() {
            let (from, to, words) = spans[i];
            match kept.checked_sub(1).map(|last| &mut spans[last]) {
                Some(last) if from < last.1 || from == last.0 => {
                    last.1 = last.1.max(to);
                    last.2 |= words;
                }
                _ => {
                    spans[kept] = (from, to, words);
                    kept += 1;
                }
            }
        }
        spans.truncate(kept);
    }

    /// The whole of `text` (a title), highlighted.
    pub fn full(&self, text: &str) -> Snippet {
        let mut spans = Vec::new();
        self.matches(text, 0, text.len(), &mut spans);
        Snippet::build(text, 0, text.len(), &spans, false, false)
    }

    /// [`Highlighter::full`]'s highlights of `text` (a speaker's name), its text not made
    /// when nothing matched (most speakers of most hits).
    pub fn highlights(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        self.matches(text, 0, text.len(), &mut spans);
        match spans.is_empty() {
            true => Vec::new(),
            false => Snippet::build(text, 0, text.len(), &spans, false, false).highlights,
        }
    }

    /// A window of at most [`SNIPPET_CHARS`] characters of `text` (an abstract) around the
    /// densest cluster of matches (the most typed query words; then the most words, synonyms
    /// included; then the most matches) in the shortest beginning of the text where a window
    /// has every typed word: its first [`FIRST_SCAN_BYTES`], else its first twice as many, and
    /// so on up to [`SCAN_BYTES`] (the best window there when none has them all). The
    /// beginning of the text when nothing matched. The lead of an abstract says what the talk
    /// is about, and most hits' leads have every word: the rest is not analysed.
    pub fn window(&self, text: &str) -> Snippet {
        let full_len = text.len();
        let text = &text[..floor_char_boundary(text, SCAN_BYTES)];
        let mut spans = Vec::new();
        let (mut scanned, mut part) = (0, FIRST_SCAN_BYTES);
        let (from, to) = loop {
            let cut = space_after(text, part);
            self.matches(text, scanned, cut, &mut spans);
            scanned = cut;
            let (from, to, words) = best_window(text, &spans, self.words, SNIPPET_CHARS);
            if words & self.words == self.words || scanned == text.len() {
                // The window may end past what was scanned: its matches there too.
                self.matches(text, scanned, space_after(text, to), &mut spans);
                break (from, to);
            }
            part *= 2;
        };
        let inside: Vec<_> = spans.iter().copied().filter(|s| s.0 >= from && s.1 <= to).collect();
        Snippet::build(text, from, to, &inside, from > 0, to < full_len)
    }
}

/// The first ASCII whitespace in `text` at or after byte `at` (the text's length if none): a
/// place to cut a text without cutting a token.
fn space_after(text: &str, at: usize) -> usize {
    text.as_bytes()
        .get(at..)
        .and_then(|rest| rest.iter().position(u8::is_ascii_whitespace))
        .map_or(text.len(), |i| at + i)
}

/// Counting characters from a byte offset of a text: by bytes where the text is ASCII, else by
/// walking its characters (a table of every character's offset, made for each text outside
/// ASCII, cost more than the walks: a window asks a few hundred characters from each match).
struct CharIndex<'a> {
    text: &'a str,
}

impl CharIndex<'_> {
    fn new(text: &str) -> CharIndex<'_> {
        CharIndex { text }
    }

    /// The first character boundary at or after byte `at`.
    fn boundary(&self, at: usize) -> usize {
        (at.min(self.text.len())..=self.text.len()).find(|&b| self.text.is_char_boundary(b)).unwrap_or(self.text.len())
    }

    /// Byte index of the `n`th character from byte `start` (the text's length if there are
    /// fewer).
    fn forward(&self, start: usize, n: usize) -> usize {
        let start = self.boundary(start);
        let rest = &self.text[start..];
        if rest.len() <= n && rest.is_ascii() {
            return self.text.len();
        }
        match rest.as_bytes().get(..n) {
            Some(next) if next.is_ascii() => start + n,
            _ => char_start(rest, n).map_or(self.text.len(), |i| start + i),
        }
    }

    /// Byte index of the `n + 1`th character before byte `at` (0 if there are fewer).
    fn back(&self, at: usize, n: usize) -> usize {
        let at = self.boundary(at);
        match at.checked_sub(n + 1) {
            Some(from) if self.text.as_bytes()[from..at].is_ascii() => from,
            _ => self.text[..at].char_indices().rev().nth(n).map_or(0, |(i, _)| i),
        }
    }
}

/// Picks byte bounds of a window of about `max_chars` characters covering the most of the
/// `typed` query words (then the most words, alternatives included; then the most matches),
/// starting at a word boundary, and the query words it has.
fn best_window(text: &str, spans: &[(usize, usize, u64)], typed: u64, max_chars: usize) -> (usize, usize, u64) {
    let chars = CharIndex::new(text);
    // A match before the `max_chars / 2`-th character is early enough to start at the beginning.
    let early = chars.forward(0, max_chars / 2);
    let mut best = ((0u32, 0u32, 0usize), 0usize, 0u64); // ((typed, words, matches), start, words)
    for (i, &(first, _, _)) in spans.iter().enumerate() {
        // Start at the beginning when the match is early enough, else a little before it.
        let start = if first < early { 0 } else { context_start(text, &chars, first, 40) };
        let end = chars.forward(start, max_chars);
        let (mut words, mut total) = (0u64, 0);
        for &(_, t, w) in &spans[i..] {
            if t > end {
                break;
            }
            words |= w;
            total += 1;
        }
        let rank = ((words & typed).count_ones(), words.count_ones(), total);
        if rank > best.0 {
            best = (rank, start, words);
        }
    }
    let start = best.1;
    let end = chars.forward(start, max_chars);
    (start, word_end(text, end), best.2)
}

/// A boundary at most `context` characters before `at`: a sentence start if there is one, else
/// a word start.
fn context_start(text: &str, chars: &CharIndex, at: usize, context: usize) -> usize {
    let lower = chars.back(at, context);
    if lower == 0 {
        return 0;
    }
    let region = &text[lower..at];
    if let Some(p) = region.rfind(['.', '!', '?', '\n']) {
        let after = lower + p + 1;
        return after + (text[after..at].len() - text[after..at].trim_start().len());
    }
    match region.find(char::is_whitespace) {
        Some(p) => lower + p + 1,
        None => at,
    }
}

/// Moves `end` back to the end of a word so the window does not cut one in half.
fn word_end(text: &str, end: usize) -> usize {
    if end >= text.len() {
        return text.len();
    }
    match text[..end].rfind(char::is_whitespace) {
        Some(p) if p > 0 => p,
        _ => end,
    }
}

/// Text with the ranges that matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// Plain text, whitespace collapsed to single spaces, `…` where it was cut.
    pub text: String,
    /// Character ranges `[from, to)` of `text` that matched.
    pub highlights: Vec<(usize, usize)>,
}

/// The end of the text [`Snippet::build`] copies as it is from `bytes[at..]`: printable ASCII,
/// and single spaces between printable ASCII bytes (what collapsing whitespace leaves alone). It
/// stops at any other whitespace or control byte, at a space before one, before a character
/// outside ASCII (which may be whitespace too) or at the end, and at such a character.
fn ascii_run_end(bytes: &[u8], mut at: usize) -> usize {
    // Eight bytes at a time while they are all copied as they are (a word of prose and its
    // space are a chunk or two), then byte by byte to the end of the run.
    while let Some(chunk) = bytes.get(at..at + 8) {
        match copied_as_is(u64::from_le_bytes(chunk.try_into().unwrap_or_default())) {
            true => at += 8,
            false => break,
        }
    }
    ascii_run_end_bytewise(bytes, at)
}

/// [`ascii_run_end`] one byte at a time.
fn ascii_run_end_bytewise(bytes: &[u8], mut at: usize) -> usize {
    let printable = |c: u8| c > b' ' && c < 0x7f;
    loop {
        match bytes.get(at) {
            Some(&c) if printable(c) => at += 1,
            Some(b' ') if bytes.get(at + 1).copied().is_some_and(printable) => at += 2,
            _ => return at,
        }
    }
}

/// Whether [`ascii_run_end`] takes all eight bytes of `chunk` (little-endian) from its first:
/// every byte printable ASCII or a space, no two spaces together, the last not a space (whose
/// next byte is not in the chunk).
fn copied_as_is(chunk: u64) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    if chunk & HIGH != 0 {
        return false; // outside ASCII
    }
    // With every byte under 0x80, no sum below carries into the next byte.
    let at_least_space = (chunk + 0x60 * ONES) & HIGH == HIGH;
    let no_delete = (chunk + ONES) & HIGH == 0;
    let spaces = !((chunk ^ (0x20 * ONES)) + 0x7f * ONES) & HIGH;
    at_least_space && no_delete && spaces & (spaces >> 8) == 0 && spaces >> 63 == 0
}

impl Snippet {
    /// The snippet of `source[from..to]`: whitespace and control characters collapsed to one
    /// space, none at the ends, `spans` (byte ranges of `source`, sorted) as highlights in
    /// characters, an ellipsis before if `cut_start`, after if `cut_end`.
    ///
    /// Runs of printable ASCII bytes and single spaces ([`ascii_run_end`]) up to the next span
    /// bound (where the steps act) are copied at once; a character outside ASCII is decoded
    /// alone.
    fn build(
        source: &str,
        from: usize,
        to: usize,
        spans: &[(usize, usize, u64)],
        cut_start: bool,
        cut_end: bool,
    ) -> Snippet {
        let part = &source[from..to];
        let bytes = part.as_bytes();
        let mut text = String::with_capacity(part.len() + 8);
        let mut highlights = Vec::with_capacity(spans.len());
        let mut chars = 0usize;
        let mut ends_in_space = false;
        if cut_start {
            text.push_str("… ");
            chars += 2;
            ends_in_space = true;
        }
        let bounds = |k: usize| spans.get(k).map_or((usize::MAX, usize::MAX), |s| (s.0, s.1));
        let (mut next, mut open) = (0, None);
        let (mut start, mut end) = bounds(0);
        let mut pending_space = false;
        // ASCII whitespace and control characters.
        let space = |c: u8| c <= b' ' || c == 0x7f;
        let mut i = 0;
        while let Some(&c) = bytes.get(i) {
            let at = from + i;
            if let Some(opened) = open
                && at >= end
            {
                highlights.push((opened, chars));
                open = None;
                next += 1;
                (start, end) = bounds(next);
            }
            let (len, blank) = match c.is_ascii() {
                true => (1, space(c)),
                false => {
                    let ch = part[i..].chars().next().unwrap_or_default();
                    (ch.len_utf8(), ch.is_whitespace() || ch.is_control())
                }
            };
            if blank {
                pending_space = chars > 0 && !ends_in_space;
                i += len;
                continue;
            }
            if pending_space {
                text.push(' ');
                chars += 1;
                pending_space = false;
            }
            if open.is_none() && at == start {
                open = Some(chars);
            }
            let stop = if c.is_ascii() {
                // The printable ASCII bytes and single spaces up to the next span bound, at once.
                let next_bound = if open.is_some() { end } else { start };
                let bound = next_bound.saturating_sub(from).min(part.len());
                let run = ascii_run_end(bytes, i + 1);
                match () {
                    // A space the bound cuts off from its word is left to the whitespace step
                    // (a highlight ending there ends before it).
                    _ if bound > i && bound < run && bytes[bound - 1] == b' ' => bound - 1,
                    _ if bound > i => run.min(bound),
                    // An empty span (none are made) closes after one byte, as byte by byte.
                    _ if open.is_some() => i + 1,
                    // A span whose start went by in whitespace never opens: neither do the next.
                    _ => run,
                }
            } else {
                i + len
            };
            text.push_str(&part[i..stop]);
            chars += if c.is_ascii() { stop - i } else { 1 };
            ends_in_space = false;
            i = stop;
        }
        if let Some(opened) = open {
            highlights.push((opened, chars));
        }
        if cut_end {
            text.push_str(" …");
        }
        Snippet { text, highlights }
    }

    /// [`Snippet::build`] of `part`, the text from byte `from` of the source on, character by
    /// character: what `build` must make.
    #[cfg(test)]
    fn build_from(part: &str, from: usize, spans: &[(usize, usize, u64)], cut_start: bool, cut_end: bool) -> Snippet {
        let mut text = String::with_capacity(part.len() + 8);
        let mut highlights = Vec::with_capacity(spans.len());
        let mut chars = 0usize;
        if cut_start {
            text.push_str("… ");
            chars += 2;
        }
        let mut span_iter = spans.iter().peekable();
        let mut open: Option<usize> = None;
        let mut pending_space = false;
        for (i, c) in part.char_indices() {
            let at = from + i;
            if let (Some(start), Some(&&(_, end, _))) = (open, span_iter.peek())
                && at >= end
            {
                highlights.push((start, chars));
                open = None;
                span_iter.next();
            }
            if c.is_whitespace() || c.is_control() {
                pending_space = !text.is_empty() && !text.ends_with(' ');
                continue;
            }
            if pending_space {
                text.push(' ');
                chars += 1;
                pending_space = false;
            }
            if open.is_none() && span_iter.peek().is_some_and(|s| s.0 == at) {
                open = Some(chars);
            }
            text.push(c);
            chars += 1;
        }
        if let Some(start) = open {
            highlights.push((start, chars));
        }
        if cut_end {
            text.push_str(" …");
        }
        Snippet { text, highlights }
    }

    /// The snippet as HTML: text escaped, matches wrapped in `<mark>`.
    pub fn to_html(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 13 * self.highlights.len());
        // Highlights are in characters: in bytes for the slices (the same in ASCII).
        let bytes: Vec<(usize, usize)> = if self.text.is_ascii() {
            self.highlights.clone()
        } else {
            let mut walk = CharBytes { text: &self.text, chars: 0, byte: 0 };
            self.highlights.iter().map(|&(a, b)| (walk.byte_of(a), walk.byte_of(b))).collect()
        };
        let mut at = 0;
        for (from, to) in bytes {
            // Highlights are sorted and apart, as `build` makes them; a made-up one cannot panic.
            let from = from.clamp(at, self.text.len());
            let to = to.clamp(from, self.text.len());
            if from == to || !self.text.is_char_boundary(from) || !self.text.is_char_boundary(to) {
                continue;
            }
            escape_into(&self.text[at..from], &mut out);
            out.push_str("<mark>");
            escape_into(&self.text[from..to], &mut out);
            out.push_str("</mark>");
            at = to;
        }
        escape_into(&self.text[at..], &mut out);
        out
    }
}

/// The byte offsets of character positions in a text, found by walking it forward as far as
/// asked (highlights come sorted; an earlier position starts the walk again): no table of every
/// character's offset, which cost a sixth of a search's highlighting.
struct CharBytes<'a> {
    text: &'a str,
    /// Characters walked over, and the byte offset after them.
    chars: usize,
    byte: usize,
}

impl CharBytes<'_> {
    /// The byte offset of character `ci`; the text's length from its end on.
    fn byte_of(&mut self, ci: usize) -> usize {
        if ci < self.chars {
            (self.chars, self.byte) = (0, 0);
        }
        match char_start(&self.text[self.byte..], ci - self.chars) {
            Some(i) => {
                (self.chars, self.byte) = (ci, self.byte + i);
                self.byte
            }
            None => self.text.len(),
        }
    }
}

/// The byte offset of character `n` of `text`, as `text.char_indices().nth(n)` finds it, but
/// counting the bytes that begin a character 32 at a time (a loop that vectorises) instead of
/// decoding each character: windows and highlights outside ASCII were 4% of a search.
fn char_start(text: &str, n: usize) -> Option<usize> {
    const CHUNK: usize = 32;
    // A byte begins a character unless it is a continuation byte (0b10xxxxxx).
    let begins = |b: &u8| (*b as i8) >= -0x40;
    let bytes = text.as_bytes();
    let (mut left, mut at) = (n, 0);
    while let Some(chunk) = bytes.get(at..at + CHUNK) {
        let starts = chunk.iter().filter(|b| begins(b)).count();
        if starts > left {
            break;
        }
        left -= starts;
        at += CHUNK;
    }
    for (i, b) in bytes[at..].iter().enumerate() {
        if begins(b) {
            if left == 0 {
                return Some(at + i);
            }
            left -= 1;
        }
    }
    None
}

/// Appends `text` to `out`, escaped for HTML text and attribute values.
///
/// The bytes to escape are found by `memchr`'s vectorised searches, `&<>` and the quotes apart
/// (each search's next find kept until it is passed), the text between copied at once.
fn escape_into(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    let tags = |from: usize| memchr::memchr3(b'&', b'<', b'>', &bytes[from..]).map_or(bytes.len(), |i| from + i);
    let quotes = |from: usize| memchr::memchr2(b'"', b'\'', &bytes[from..]).map_or(bytes.len(), |i| from + i);
    let (mut tag, mut quote, mut done) = (tags(0), quotes(0), 0);
    loop {
        let at = tag.min(quote);
        let escaped = match bytes.get(at) {
            None => break,
            Some(b'&') => "&amp;",
            Some(b'<') => "&lt;",
            Some(b'>') => "&gt;",
            Some(b'"') => "&quot;",
            Some(_) => "&#39;",
        };
        out.push_str(&text[done..at]);
        out.push_str(escaped);
        done = at + 1;
        match at == tag {
            true => tag = tags(done),
            false => quote = quotes(done),
        }
    }
    out.push_str(&text[done..]);
}

/// `text` escaped for HTML.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests;
