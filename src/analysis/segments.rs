//! Word-boundary segmentation: UAX #29 word segments, with an ASCII fast path equivalent to
//! unicode-segmentation's rules on ASCII text.

use unicode_segmentation::{UWordBoundIndices, UnicodeSegmentation};

/// Whether a non-alphanumeric character splits a word into parts (`.`, `_`,
/// `:`, `,`, other punctuation and symbols). Others, e.g. marks such as Indic
/// vowel signs, stay in the part.
pub(super) fn is_separator(c: char) -> bool {
    c.is_ascii()
        || c.is_whitespace()
        || matches!(c, '\u{A0}'..='\u{BF}' | '\u{2000}'..='\u{2BFF}' | '\u{2E00}'..='\u{2E7F}'
            | '\u{3000}'..='\u{303F}' | '\u{FE10}'..='\u{FF65}' | '\u{37E}' | '\u{387}' | '\u{55A}'..='\u{55F}'
            | '\u{589}' | '\u{5F3}' | '\u{5F4}' | '\u{60C}' | '\u{60D}' | '\u{66B}' | '\u{66C}' | '\u{7F8}')
}

pub(super) fn is_word(seg: &str) -> bool {
    seg.chars().any(char::is_alphanumeric)
}

pub(super) fn strip_possessive(word: &str) -> &str {
    let stripped = ["'s", "'S", "\u{2019}s", "\u{2019}S"].iter().find_map(|s| word.strip_suffix(s));
    stripped.filter(|rest| is_word(rest)).unwrap_or(word)
}

/// End of the UAX #29 word segment starting at `start` in `b`, an ASCII run
/// without whitespace (rules WB5 to WB13b restricted to ASCII).
pub(super) fn ascii_segment_end(b: &[u8], start: usize) -> usize {
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
pub(super) struct Segments<'a> {
    text: &'a str,
    pos: usize,
    run_end: usize,
    /// Where the segments end.
    limit: usize,
    unicode: Option<(usize, UWordBoundIndices<'a>)>,
}

impl<'a> Segments<'a> {
    /// The segments of `text`.
    #[cfg(test)]
    pub(super) fn new(text: &'a str) -> Segments<'a> {
        Segments::span(text, 0, text.len())
    }

    /// The segments of `text[from..to]`, with offsets into `text`. `to` must be the end of
    /// the text or ASCII whitespace, where segments end anyway.
    pub(super) fn span(text: &'a str, from: usize, to: usize) -> Segments<'a> {
        Segments { text, pos: from, run_end: from, limit: to, unicode: None }
    }
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
            let b = &b[..self.limit];
            let start = self.pos + b.get(self.pos..)?.iter().position(|c| !c.is_ascii_whitespace())?;
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
