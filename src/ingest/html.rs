//! HTML in abstracts: known tags removed (block tags leaving line or paragraph breaks),
//! entities decoded. See [`cleanup`](super::cleanup) for where this runs.

use std::borrow::Cow;

use super::cleanup::MAX_SPAN;
use super::entities::decode_entities;

/// What an HTML element leaves behind when its tags are removed.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tag {
    Inline,
    Line,
    Paragraph,
    /// Content removed too (`script`, `style`).
    Drop,
}

fn tag_kind(name: &str) -> Option<Tag> {
    let name = name.to_ascii_lowercase();
    let kind = match name.as_str() {
        "br" | "li" | "dt" | "dd" | "tr" => Tag::Line,
        "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "dl" | "blockquote" | "pre" | "table"
        | "hr" | "section" | "article" | "header" | "footer" | "figure" | "center" => Tag::Paragraph,
        "script" | "style" => Tag::Drop,
        "a" | "b" | "i" | "u" | "s" | "em" | "strong" | "code" | "span" | "img" | "sup" | "sub" | "small" | "big"
        | "abbr" | "acronym" | "cite" | "font" | "tt" | "kbd" | "samp" | "var" | "mark" | "del" | "ins" | "strike"
        | "q" | "td" | "th" | "tbody" | "thead" | "tfoot" | "caption" | "figcaption" | "wbr" | "nobr" | "label"
        | "time" | "dfn" | "bdi" | "bdo" | "iframe" | "video" | "source" => Tag::Inline,
        _ => return None,
    };
    Some(kind)
}

/// A known tag at the start of `s` (which starts with `<`): its kind and byte length.
fn tag_at(s: &str) -> Option<(Tag, usize)> {
    let b = s.as_bytes();
    let name_start = if b.get(1) == Some(&b'/') { 2 } else { 1 };
    let name_len = b[name_start..].iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    if name_len == 0 || !b[name_start].is_ascii_alphabetic() {
        return None;
    }
    let kind = tag_kind(&s[name_start..name_start + name_len])?;
    let mut i = name_start + name_len;
    match b.get(i) {
        Some(b'>') => return Some((kind, i + 1)),
        Some(b'/') if b.get(i + 1) == Some(&b'>') => return Some((kind, i + 2)),
        Some(c) if c.is_ascii_whitespace() => {}
        _ => return None,
    }
    // Attributes: up to `>`, skipping quoted values.
    let mut quote = None;
    while i < b.len().min(MAX_SPAN) {
        match (quote, b[i]) {
            (None, b'>') => return Some((kind, i + 1)),
            (None, b'<') => return None,
            (None, q @ (b'"' | b'\'')) => quote = Some(q),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Removes HTML tags and decodes entities. When the text holds real tags, entities are decoded
/// after the tags are removed (`&lt;div&gt;` stays a literal `<div>`); when it holds none, they
/// are decoded first, so entity-escaped HTML (`&lt;p&gt;`) is removed too.
pub(crate) fn strip_html(text: &str) -> Cow<'_, str> {
    if !text.contains('&') && !text.contains('<') {
        return Cow::Borrowed(text);
    }
    match strip_tags(text) {
        Some(stripped) => Cow::Owned(decode_entities(&stripped).into_owned()),
        None => {
            let decoded = decode_entities(text);
            match strip_tags(&decoded) {
                Some(stripped) => Cow::Owned(stripped),
                None => decoded,
            }
        }
    }
}

/// `text` without its HTML tags and comments, or `None` if it has none.
///
/// A break left by a tag absorbs the whitespace around it, so `</li>\n<li>` is one line break
/// and `</p>\n\n<p>` one paragraph break; text between tags keeps its own line breaks.
fn strip_tags(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut found = false;
    let mut pending: Option<Tag> = None;
    while let Some(at) = rest.find('<') {
        let s = &rest[at..];
        let parsed = if s.starts_with("<!--") { Some((Tag::Drop, 0)) } else { tag_at(s) };
        // A tag in a code span (`` `<video>` ``) is text.
        let in_code = at > 0 && rest.as_bytes()[at - 1] == b'`';
        let parsed = parsed.filter(|&(_, len)| !(in_code && s.as_bytes().get(len) == Some(&b'`')));
        let Some((kind, len)) = parsed else {
            push_text(&mut out, &rest[..=at], &mut pending);
            rest = &s[1..];
            continue;
        };
        push_text(&mut out, &rest[..at], &mut pending);
        found = true;
        rest = &s[len..];
        match kind {
            Tag::Inline => {}
            Tag::Line | Tag::Paragraph => pending = pending.max(Some(kind)),
            // Comments, and script and style elements, go with their content (to the end of the
            // text if they are not closed, as a browser would).
            Tag::Drop if len == 0 => rest = find_after(&s[4..], "-->").unwrap_or(""),
            Tag::Drop if !s.starts_with("</") => {
                let close = if s[1..7].eq_ignore_ascii_case("script") { "</script" } else { "</style" };
                rest = find_after(rest, close).and_then(|r| find_after(r, ">")).unwrap_or("");
            }
            Tag::Drop => {}
        }
    }
    push_text(&mut out, rest, &mut pending);
    found.then_some(out)
}

/// Appends text found between tags; a pending break absorbs the whitespace around it.
fn push_text(out: &mut String, chunk: &str, pending: &mut Option<Tag>) {
    let Some(kind) = *pending else {
        out.push_str(chunk);
        return;
    };
    if chunk.trim().is_empty() {
        return;
    }
    out.truncate(out.trim_end().len());
    if !out.is_empty() {
        out.push_str(if kind == Tag::Paragraph { "\n\n" } else { "\n" });
    }
    out.push_str(chunk.trim_start());
    *pending = None;
}

/// The text after the first `needle` (ASCII, matched ignoring case) in `hay`.
fn find_after<'a>(hay: &'a str, needle: &str) -> Option<&'a str> {
    let n = needle.len();
    let at = hay.as_bytes().windows(n).position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))?;
    Some(&hay[at + n..])
}
