//! Markdown in abstracts: line markers, rules and fences dropped, inline markup unwrapped.
//! See [`cleanup`](super::cleanup) for the rules and where this runs.

use std::borrow::Cow;

use super::cleanup::MAX_SPAN;

/// Removes Markdown markup, keeping the text it marks up.
pub(crate) fn strip_markdown(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| matches!(b, b'*' | b'_' | b'`' | b'[' | b'#' | b'>' | b'-' | b'+' | b'=' | b'~')) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let body = line_body(line);
        if is_rule_or_fence(body) {
            continue;
        }
        inline_markdown(body, &mut out, 0);
    }
    if out == text { Cow::Borrowed(text) } else { Cow::Owned(out) }
}

/// A line without its leading heading, quote and list markers.
fn line_body(line: &str) -> &str {
    let mut body = line.trim_start();
    loop {
        let hashes = body.bytes().take_while(|&b| b == b'#').count();
        let next = if (1..=6).contains(&hashes) && body[hashes..].starts_with([' ', '\t']) {
            &body[hashes..]
        } else if let Some(rest) = body.strip_prefix('>') {
            rest
        } else if let Some(rest) = body.strip_prefix(['-', '*', '+']).filter(|r| r.starts_with([' ', '\t'])) {
            rest
        } else {
            return body;
        };
        body = next.trim_start();
    }
}

/// `---`, `***`, `___`, `===` (spaces allowed) or a code fence: a line that is only markup.
fn is_rule_or_fence(body: &str) -> bool {
    let trimmed = body.trim_end();
    if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
        return !trimmed[3..].contains(['`', '~']);
    }
    let mut marks = trimmed.chars().filter(|c| !c.is_whitespace());
    match marks.next() {
        Some(first @ ('-' | '*' | '_' | '=')) => {
            let count = 1 + trimmed.chars().filter(|c| !c.is_whitespace()).skip(1).count();
            marks.all(|c| c == first) && count >= 3
        }
        _ => false,
    }
}

/// Appends `line` to `out` without inline Markdown markup.
fn inline_markdown(line: &str, out: &mut String, depth: usize) {
    let b = line.as_bytes();
    let closers =
        if depth < 4 && (line.contains('*') || line.contains('_')) { Closers::of(line) } else { Closers::default() };
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        let found = match b[i] {
            b'`' => code_span(line, i),
            b'[' => link(line, i, false),
            b'!' if b.get(i + 1) == Some(&b'[') => link(line, i + 1, true),
            b'*' | b'_' if depth < 4 => emphasis(line, i, &closers),
            _ => None,
        };
        let Some((inner, end)) = found else {
            // Skip the whole run of a marker that opened nothing, so long runs stay linear.
            i += if matches!(b[i], b'`' | b'*' | b'_') { run_len(b, i, b[i]) } else { 1 };
            continue;
        };
        out.push_str(&line[copied..i]);
        match inner {
            Inner::Verbatim(text) => out.push_str(text),
            Inner::Markup(text) => inline_markdown(text, out, depth + 1),
        }
        i = end;
        copied = end;
    }
    out.push_str(&line[copied..]);
}

enum Inner<'a> {
    Verbatim(&'a str),
    Markup(&'a str),
}

fn run_len(b: &[u8], i: usize, c: u8) -> usize {
    b[i..].iter().take_while(|&&x| x == c).count()
}

/// `` `code` `` (or ``` ``code`` ```): the code, and where the span ends. The code may not
/// hold backticks, so stray runs (```` ```a` ````) are left alone.
fn code_span(line: &str, i: usize) -> Option<(Inner<'_>, usize)> {
    let b = line.as_bytes();
    let n = run_len(b, i, b'`');
    let start = i + n;
    let limit = b.len().min(start + MAX_SPAN);
    let mut j = start;
    while j < limit {
        if b[j] == b'`' {
            let m = run_len(b, j, b'`');
            if m != n {
                return None;
            }
            if j > start {
                let code = &line[start..j];
                let code = if code.len() > 2 && code.starts_with(' ') && code.ends_with(' ') {
                    &code[1..code.len() - 1]
                } else {
                    code
                };
                return Some((Inner::Verbatim(code), j + m));
            }
            j += m;
        } else {
            j += 1;
        }
    }
    None
}

/// `[text](url)` or `[text](url "title")` at `i` (the `[`; `image` when a `!` precedes it):
/// the text to keep and where the link ends. Scans stop at the next `[`, so they stay linear.
fn link(line: &str, i: usize, image: bool) -> Option<(Inner<'_>, usize)> {
    let b = line.as_bytes();
    let close = i + 1 + b[i + 1..].iter().take(MAX_SPAN).position(|&c| c == b']' || c == b'[')?;
    if b[close] != b']' || b.get(close + 1) != Some(&b'(') {
        return None;
    }
    let url_start = close + 2;
    let mut depth = 0usize;
    let mut k = url_start;
    while k < b.len().min(url_start + MAX_SPAN) {
        match b[k] {
            b'(' => depth += 1,
            b')' if depth > 0 => depth -= 1,
            b')' => break,
            b' ' | b'\t' => {
                // Only a quoted title may follow the URL.
                let rest = line[k..].trim_start();
                let title = rest.strip_prefix('"')?;
                let title_end = title.bytes().take(MAX_SPAN).position(|c| c == b'"')?;
                let after = title[title_end + 1..].trim_start();
                if !after.starts_with(')') {
                    return None;
                }
                k = b.len() - after.len();
                break;
            }
            b'[' | b']' | b'<' | b'>' | b'`' => return None,
            _ => {}
        }
        k += 1;
    }
    if b.get(k) != Some(&b')') {
        return None;
    }
    let text = &line[i + 1..close];
    let url = line[url_start..k].split_whitespace().next().unwrap_or_default();
    let shown = if text.trim().is_empty() && !image { url } else { text };
    Some((Inner::Markup(shown), k + 1))
}

/// Where emphasis can close in a line: the starts of `*`, `**`, `_` and `__` runs that follow a
/// non-space and are not followed by a letter or digit.
#[derive(Default)]
struct Closers {
    runs: [Vec<usize>; 4],
}

impl Closers {
    fn slot(c: u8, n: usize) -> usize {
        usize::from(c == b'_') * 2 + n - 1
    }

    fn of(line: &str) -> Closers {
        let b = line.as_bytes();
        let mut closers = Closers::default();
        let mut j = 0;
        while j < b.len() {
            let c = b[j];
            if c != b'*' && c != b'_' {
                j += 1;
                continue;
            }
            let m = run_len(b, j, c);
            let after_word = line[j + m..].chars().next().is_some_and(char::is_alphanumeric);
            let before = line[..j].chars().next_back();
            // `_` closes only at a word end: after a letter, digit or closing punctuation.
            let closes = if c == b'_' {
                before.is_some_and(|p| p.is_alphanumeric() || ".,;:!?)]}\"'’”»".contains(p))
            } else {
                before.is_some_and(|p| !p.is_whitespace())
            };
            if m <= 2 && closes && !after_word {
                closers.runs[Closers::slot(c, m)].push(j);
            }
            j += m;
        }
        closers
    }

    /// The first closer of `n` `c`s strictly after `start`.
    fn after(&self, c: u8, n: usize, start: usize) -> Option<usize> {
        let runs = &self.runs[Closers::slot(c, n)];
        runs.get(runs.partition_point(|&j| j <= start)).copied()
    }
}

/// `*em*`, `**strong**`, `_em_`, `__strong__` at `i`: the inner text and the end.
fn emphasis<'a>(line: &'a str, i: usize, closers: &Closers) -> Option<(Inner<'a>, usize)> {
    let b = line.as_bytes();
    let c = b[i];
    let n = run_len(b, i, c);
    let start = i + n;
    let before = line[..i].chars().next_back();
    let after = line[start..].chars().next();
    if n > 2 || before.is_some_and(char::is_alphanumeric) || after.is_none_or(char::is_whitespace) {
        return None;
    }
    // `_` opens only at a word start: after a space or an opening bracket or quote, before a
    // letter or digit (`'__'`, `(_)` and `x=_y` stay as written).
    if c == b'_'
        && (!before.is_none_or(|p| p.is_whitespace() || "([{\"'“‘«".contains(p))
            || !after.is_some_and(char::is_alphanumeric))
    {
        return None;
    }
    let j = closers.after(c, n, start).filter(|&j| j - start <= MAX_SPAN)?;
    let inner = &line[start..j];
    // `__init__`, `__main__`: a dunder name, not emphasis.
    if c == b'_' && n == 2 && inner.bytes().all(|x| x.is_ascii_alphanumeric() || x == b'_') {
        return None;
    }
    Some((Inner::Markup(inner), j + n))
}
