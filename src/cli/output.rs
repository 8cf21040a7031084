//! How the command line prints search results and talks for people: plain text, with matched
//! words in bold on a terminal (unless `NO_COLOR` is set).

use std::io::{self, IsTerminal, Write};

use crate::search::SearchResponse;

pub(crate) fn use_color() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// `text` with its highlighted character ranges in bold (when `color`).
fn emphasise(text: &str, ranges: &[(usize, usize)], color: bool) -> String {
    if !color || ranges.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + ranges.len() * 8);
    let mut ranges = ranges.iter().peekable();
    for (i, c) in text.chars().enumerate() {
        if ranges.peek().is_some_and(|r| r.0 == i) {
            out.push_str("\x1b[1m");
        }
        out.push(c);
        if ranges.peek().is_some_and(|r| r.1 == i + 1) {
            out.push_str("\x1b[0m");
            ranges.next();
        }
    }
    out
}

pub(crate) fn print_results(out: &mut impl Write, resp: &SearchResponse, color: bool) -> io::Result<()> {
    if let Some(suggestion) = &resp.suggestion {
        writeln!(out, "Did you mean {suggestion:?}?")?;
    }
    if resp.total == 0 {
        writeln!(out, "No talks match {:?}.", resp.query)?;
        return Ok(());
    }
    let first = if resp.hits.is_empty() { 0 } else { 1 };
    writeln!(
        out,
        "{} talks match {:?} ({:.1} ms); showing {}-{}.\n",
        resp.total,
        resp.query,
        resp.took_ms,
        first,
        resp.hits.len()
    )?;
    for (i, hit) in resp.hits.iter().enumerate() {
        writeln!(out, "{:>2}. {}", i + 1, emphasise(&hit.title, &hit.title_highlights, color))?;
        let mut meta = Vec::new();
        if !hit.speakers.is_empty() {
            meta.push(hit.speakers.join(", "));
        }
        if let Some(event) = &hit.event {
            meta.push(event.clone());
        }
        if let Some(year) = hit.date.as_deref().and_then(|d| d.get(..4)) {
            meta.push(year.to_string());
        }
        writeln!(out, "    {}", meta.join(" · "))?;
        if !hit.snippet.is_empty() {
            writeln!(out, "    {}", emphasise(&hit.snippet, &hit.highlights, color))?;
        }
        for given in &hit.also_given {
            let at = [given.event.as_deref(), given.date.as_deref()].into_iter().flatten().collect::<Vec<_>>();
            writeln!(out, "    also given: {} ({})", given.id, at.join(", "))?;
        }
        writeln!(out, "    {}\n", hit.id)?;
    }
    for (facet, values) in &resp.facets {
        let listed: Vec<String> = values.iter().map(|v| format!("{} ({})", v.value, v.count)).collect();
        let more = resp.facets_more.get(facet).copied().unwrap_or(0);
        let more = if more > 0 { format!(", and {more} more") } else { String::new() };
        writeln!(out, "{facet}: {}{more}", listed.join(", "))?;
    }
    Ok(())
}

pub(crate) fn print_talk(out: &mut impl Write, talk: &crate::Talk) -> io::Result<()> {
    writeln!(out, "{}", talk.title)?;
    if !talk.speakers.is_empty() {
        writeln!(out, "by {}", talk.speakers.join(", "))?;
    }
    let when: Vec<&str> = [talk.event.as_deref(), talk.date.as_deref(), talk.time.as_deref(), talk.room.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !when.is_empty() {
        writeln!(out, "{}", when.join(" · "))?;
    }
    if let Some(url) = &talk.url {
        writeln!(out, "{url}")?;
    }
    if !talk.tags.is_empty() {
        writeln!(out, "tags: {}", talk.tags.join(", "))?;
    }
    if !talk.r#abstract.is_empty() {
        writeln!(out, "\n{}", talk.r#abstract)?;
    }
    writeln!(out, "\nid: {}", talk.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_wraps_character_ranges() {
        assert_eq!(emphasise("Łukasz Langa", &[(7, 12)], true), "Łukasz \x1b[1mLanga\x1b[0m");
        assert_eq!(emphasise("Łukasz Langa", &[(7, 12)], false), "Łukasz Langa");
    }
}
