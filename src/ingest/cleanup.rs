//! Text cleanup for imported talks: what conference exports put around their words.
//!
//! [`clean_text`] (abstracts) runs, in order:
//!
//! 1. Line ends: CRLF and lone CR become LF.
//! 2. Mojibake: UTF-8 that was decoded as Windows-1252/Latin-1 (`Ã©` for `é`, `â€™` for `’`) is
//!    repaired, one character at a time, only where the characters re-encode to a complete,
//!    valid UTF-8 sequence that decodes to a letter or symbol from a script such text uses,
//!    and not when the continuation is only typographic punctuation (`é…`, `ß“` stay).
//! 3. HTML: tags of known HTML elements are removed; `<p>`, `<div>`, headings, lists, tables,
//!    `<blockquote>` and `<hr>` leave a paragraph break, `<br>` and `<li>` a line break;
//!    `<script>`/`<style>` content and comments go. Entities (the common named ones and numeric
//!    ones) are decoded. When the text holds real tags, entities are decoded after the tags are
//!    removed, so `&lt;div&gt;` stays a literal `<div>`; when it holds none, entities are decoded
//!    first, so entity-escaped HTML (`&lt;p&gt;`, as in frab JSON exports) is removed too.
//!    `<` before anything else (`a < b`, `Vec<String>`) is text.
//! 4. Markdown: heading (`#`), quote (`>`) and list (`-`, `*`, `+`) markers at line starts,
//!    code fences and rule lines (`---`, `===`) go; `**b**`, `__b__`, `*e*`, `_e_` keep their
//!    text (not intra-word: `snake_case`, `2*3*4` and dunders like `__init__` stay); `` `code` ``
//!    keeps `code`; `[text](url)` and `![alt](url)` keep the text.
//! 5. Whitespace: runs of spaces, tabs and no-break spaces become one space, lines are trimmed,
//!    control characters dropped, 3+ line breaks become one blank line, the whole is trimmed.
//!
//! [`clean_line`] does the same and then joins lines with spaces (titles, names, events).
//! [`clean_text_keep_markup`] and [`clean_line_keep_markup`] skip step 4 (pyvideo).
//! Cleaning cleaned text changes nothing, except where decoded entities spell out a tag
//! (`<p>&lt;div&gt;</p>` gives `<div>`, which a second pass removes). Scans that look for a closing marker stop after [`MAX_SPAN`] bytes, so
//! cleanup stays linear on hostile input.

use std::borrow::Cow;

use super::html::strip_html;
use super::markdown::strip_markdown;
use crate::talk::Talk;

/// Longest span (bytes) searched for the end of a tag, emphasis, code span or link.
pub(crate) const MAX_SPAN: usize = 2000;

/// Cleans an abstract: HTML, entities, Markdown, mojibake and whitespace (see the module docs).
pub fn clean_text(text: &str) -> String {
    let text = normalize_newlines(text);
    let text = repair_mojibake(&text);
    let text = strip_html(&text);
    let mut text = strip_markdown(&text);
    // Removing one piece of markup can expose another (`_a `b`_`): repeat until none is left.
    for _ in 0..4 {
        match strip_markdown(&text) {
            Cow::Owned(again) => text = Cow::Owned(again),
            Cow::Borrowed(_) => break,
        }
    }
    normalize_whitespace(&text)
}

/// Cleans a one-line value (title, speaker, event, room, tag): [`clean_text`] with line breaks
/// turned into spaces.
pub fn clean_line(text: &str) -> String {
    join_lines(clean_text(text))
}

/// [`clean_text`] without the Markdown step, for text whose markup is kept as written (pyvideo
/// descriptions are reStructuredText or Markdown, and the corpus made from them keeps it): line
/// ends, mojibake, HTML and entities, whitespace.
pub fn clean_text_keep_markup(text: &str) -> String {
    let text = normalize_newlines(text);
    let text = repair_mojibake(&text);
    let text = strip_html(&text);
    normalize_whitespace(&text)
}

/// [`clean_text_keep_markup`] on one line: line breaks become spaces.
pub fn clean_line_keep_markup(text: &str) -> String {
    join_lines(clean_text_keep_markup(text))
}

fn join_lines(cleaned: String) -> String {
    if !cleaned.contains('\n') {
        return cleaned;
    }
    cleaned.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Joins the hard-wrapped lines of each paragraph with spaces, except before a line that starts
/// a list item (`- `, `* `, `+ `, `• `, `– `, `| `, `# `, `1. `, `1) `, `a. `, `a) `), which keeps
/// its line; blank lines stay. (How the corpus was made from pyvideo's descriptions.)
pub(crate) fn join_wrapped_lines(text: &str) -> String {
    let text = normalize_newlines(text);
    let mut out = String::with_capacity(text.len());
    let mut previous_blank = true;
    for line in text.split('\n') {
        let blank = line.trim().is_empty();
        if !out.is_empty() {
            let joined = !blank && !previous_blank && !starts_list_item(line.trim_start());
            out.push(if joined { ' ' } else { '\n' });
        }
        out.push_str(line);
        previous_blank = blank;
    }
    out
}

/// A line that keeps its own line: a list marker or an enumerator, then a space.
fn starts_list_item(line: &str) -> bool {
    let mut chars = line.chars();
    let marker = match chars.next() {
        Some('-' | '*' | '+' | '•' | '–' | '|' | '#') => true,
        Some(c) if c.is_ascii_digit() => {
            let rest = line.trim_start_matches(|c: char| c.is_ascii_digit());
            chars = rest.chars();
            matches!(chars.next(), Some('.' | ')'))
        }
        Some(c) if c.is_ascii_alphabetic() => matches!(chars.next(), Some('.' | ')')),
        _ => false,
    };
    marker && chars.next() == Some(' ')
}

/// Cleans a talk's text fields in place: title, speakers, event, room and tags with
/// [`clean_line`] (dropping names and tags left empty), the abstract with [`clean_text`].
pub fn clean_talk(talk: &mut Talk) {
    talk.title = clean_line(&talk.title);
    talk.r#abstract = clean_text(&talk.r#abstract);
    for list in [&mut talk.speakers, &mut talk.tags] {
        *list = list.iter().map(|v| clean_line(v)).filter(|v| !v.is_empty()).collect();
    }
    for value in [&mut talk.event, &mut talk.room] {
        *value = value.as_deref().map(clean_line).filter(|v| !v.is_empty());
    }
}

fn normalize_newlines(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The Windows-1252 byte of `c`, for characters that mojibake is made of (U+0080 and up).
fn cp1252_byte(c: char) -> Option<u8> {
    let b = match c {
        '\u{80}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8a,
        '‹' => 0x8b,
        'Œ' => 0x8c,
        'Ž' => 0x8e,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9a,
        '›' => 0x9b,
        'œ' => 0x9c,
        'ž' => 0x9e,
        'Ÿ' => 0x9f,
        _ => return None,
    };
    Some(b)
}

/// Characters that real text puts after a letter and that are also continuation bytes.
fn typographic(c: char) -> bool {
    matches!(c, '…' | '’' | '‘' | '“' | '”' | '«' | '»' | '–' | '—' | '•')
}

/// Scripts and symbols that UTF-8 mojibake plausibly came from.
fn plausible(c: char) -> bool {
    matches!(c as u32,
        0xa0..=0x52f | 0x1e00..=0x1fff | 0x2000..=0x2bff | 0x3000..=0x9fff | 0xac00..=0xd7af
        | 0xff00..=0xffef | 0x1f000..=0x1faff)
}

fn repair_mojibake(text: &str) -> Cow<'_, str> {
    // A lead byte of a multi-byte sequence, read as Latin-1, is U+00C2..U+00F4.
    if !text.chars().any(|c| ('\u{c2}'..='\u{f4}').contains(&c)) {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        if let Some((c, used)) = mojibake_at(&chars[i..]) {
            out.push(c);
            i += used;
            changed = true;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    if changed { Cow::Owned(out) } else { Cow::Borrowed(text) }
}

/// The character a mojibake sequence at the start of `chars` stands for, and its length.
fn mojibake_at(chars: &[char]) -> Option<(char, usize)> {
    let lead = cp1252_byte(chars[0]).filter(|b| (0xc2..=0xf4).contains(b))?;
    let len = match lead {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    };
    let conts = chars.get(1..len)?;
    let mut bytes = [lead, 0, 0, 0];
    for (slot, &c) in bytes[1..].iter_mut().zip(conts) {
        *slot = cp1252_byte(c).filter(|b| (0x80..=0xbf).contains(b))?;
    }
    // A further continuation byte would make this sequence too long: not mojibake.
    if chars.get(len).and_then(|&c| cp1252_byte(c)).is_some_and(|b| (0x80..=0xbf).contains(&b)) {
        return None;
    }
    if conts.iter().all(|&c| typographic(c)) {
        return None;
    }
    let decoded = std::str::from_utf8(&bytes[..len]).ok()?.chars().next()?;
    plausible(decoded).then_some((decoded, len))
}

fn normalize_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_lines = 0usize;
    let mut started = false;
    for line in text.split('\n') {
        let start = out.len();
        let mut space = false;
        for ch in line.chars() {
            if ch == ' ' || ch == '\t' || ch == '\u{a0}' || ch == '\u{3000}' || ch == '\u{c}' {
                space = true;
            } else if ch.is_control() || ch == '\u{ad}' {
                // Dropped: control characters and soft hyphens.
            } else {
                if space && out.len() > start {
                    out.push(' ');
                }
                space = false;
                out.push(ch);
            }
        }
        if out.len() == start {
            blank_lines += 1;
            continue;
        }
        let line_text = out.split_off(start);
        if started {
            out.push_str(if blank_lines > 0 { "\n\n" } else { "\n" });
        }
        out.push_str(&line_text);
        started = true;
        blank_lines = 0;
    }
    out
}

#[cfg(test)]
#[path = "cleanup_tests.rs"]
mod tests;
