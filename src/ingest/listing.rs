//! Plain-text session listings, as conference sites (Lanyrd and the like) show them.
//!
//! The text is what a browser gives when a schedule page is copied, e.g.
//! `data/pycon-us-2012-lanyrd.txt`:
//!
//! ```text
//! Sessions at PyCon US 2012 on Saturday 10th March in E1      header: sets the event
//!
//!   • Why PyPy by example                                    title: a bullet line
//!
//!     by Alex Gaynor, Maciej Fijalkowski and Armin Rigo      speakers (optional)
//!
//!     One of the goals of PyPy is ...                        abstract (optional): paragraphs,
//!     • an inner bullet list                                 outlines and lists
//!
//!     At 10:25am to 11:05am, Saturday 10th March             start, end and day
//!
//!     In E1, Santa Clara Convention Center                   room (optional)
//!
//!     Coverage video                                         ignored up to the next talk
//! ```
//!
//! - A bullet line (`•`, `◦`, `‣`, `▪`, `●`, `*` or `-`, then a space) starts a talk when the
//!   next non-blank line is a `by ...` line or an `At <time>` line. Inside an abstract, a bullet
//!   (or a header) counts only if it is indented less than the abstract, or is followed by a
//!   `by` line, so bullet lists in abstracts stay in the abstract.
//! - The first line after the title, if it starts with `by `, lists the speakers, separated by
//!   `,`, `and`, `&` or `, and`. Everything else up to the `At` line is the abstract: blank-line
//!   separated paragraphs joined by `\n\n`, lines within a paragraph by `\n`, inner bullet
//!   markers removed.
//! - `At START to END, DAY`: 12- or 24-hour times (`10:25am`, `1pm`, `13:20`) give `time` and
//!   `duration_s`; the day (`Saturday 10th March`, or the header's) plus a year (on the line,
//!   or the event's, `PyCon US 2012`) gives `date`. A following `In ROOM` line gives `room`.
//! - A header `Sessions at EVENT on DAY in ROOM` names the event of the talks after it, so
//!   listings can be concatenated. Other lines outside talks (navigation, filters, `Coverage
//!   video`) are ignored.
//! - Ids are `event-slug/title-slug` (or `title-slug` without an event); a repeated id gets
//!   `-2`, `-3`, ... in input order, so re-imports give the same ids.
//!
//! A record's line is the line of its title. An `At` line that cannot be read rejects its talk
//! at that line; a talk that fails [`Talk::validate`] is rejected at its title line. Empty input,
//! or input without any talk, gives one rejection at line 1.

use std::collections::HashSet;

use super::{Parsed, Record, capped_slug, title_slug};
use crate::error::Rejection;
use crate::talk::Talk;

/// Characters that mark a bullet line when followed by whitespace.
const BULLETS: &[char] = &['•', '◦', '‣', '▪', '●', '*', '-'];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const EXAMPLE_TIME: &str = "At 10:25am to 11:05am, Saturday 10th March";

/// Parses a plain-text session listing.
pub fn parse(text: &str, source: &str) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser::new(source);
    if text.trim().is_empty() {
        parser.reject(1, "empty file".into());
        return parser.parsed;
    }
    let lines: Vec<Line> = text.split('\n').enumerate().map(|(i, l)| Line::new(i + 1, l)).collect();
    for i in 0..lines.len() {
        parser.feed(&lines, i);
    }
    parser.close();
    if parser.parsed.records.is_empty() && parser.parsed.rejected.is_empty() {
        let message = format!(
            "no talks found: expected session entries like \"  • Title\", \"    by Speaker\" and \"    {EXAMPLE_TIME}\""
        );
        parser.reject(1, message);
    }
    parser.parsed
}

/// One input line: its number, its indentation in columns, and its trimmed text.
struct Line<'a> {
    no: usize,
    indent: usize,
    text: &'a str,
}

impl<'a> Line<'a> {
    fn new(no: usize, raw: &'a str) -> Self {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let indent = raw.chars().take_while(|c| c.is_whitespace()).map(|c| if c == '\t' { 4 } else { 1 }).sum();
        Line { no, indent, text: raw.trim() }
    }
}

/// A calendar day as a listing writes it; the year is often left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Day {
    year: Option<u16>,
    month: u8,
    day: u8,
}

/// Where the parser is, relative to the current talk.
enum Phase {
    /// Outside any talk, or past its `At` and `In` lines: only headers and titles matter.
    Between,
    /// After a title, before its `At` line: speakers and abstract.
    Body,
    /// Just after the `At` line: the next non-blank line may name the room.
    Room,
}

/// The talk being read.
struct Draft {
    talk: Talk,
    line: usize,
    indent: usize,
    /// Indentation of the first line after the title, once seen.
    body_indent: Option<usize>,
    header_day: Option<Day>,
    blank_before: bool,
    /// Line and message of the first thing that could not be read.
    error: Option<(usize, String)>,
}

impl Draft {
    fn push_abstract(&mut self, text: &str) {
        let text = strip_bullet(text).unwrap_or(text);
        let abs = &mut self.talk.r#abstract;
        if !abs.is_empty() {
            abs.push_str(if self.blank_before { "\n\n" } else { "\n" });
        }
        abs.push_str(text);
        self.blank_before = false;
    }

    fn read_time(&mut self, line: &Line) {
        match parse_time_line(line.text, self.header_day, self.talk.event.as_deref()) {
            Ok((time, duration_s, date)) => {
                self.talk.time = Some(time);
                self.talk.duration_s = duration_s;
                self.talk.date = date;
            }
            Err(message) => self.error = Some((line.no, message)),
        }
    }
}

struct Parser<'s> {
    source: &'s str,
    event: Option<String>,
    header_day: Option<Day>,
    phase: Phase,
    draft: Option<Draft>,
    used_ids: HashSet<String>,
    parsed: Parsed,
}

impl<'s> Parser<'s> {
    fn new(source: &'s str) -> Self {
        Parser {
            source,
            event: None,
            header_day: None,
            phase: Phase::Between,
            draft: None,
            used_ids: HashSet::new(),
            parsed: Parsed::default(),
        }
    }

    fn reject(&mut self, line: usize, message: String) {
        self.parsed.rejected.push(Rejection { source: self.source.to_string(), line, message });
    }

    /// Handles `lines[i]`, looking ahead when it could start a talk.
    fn feed(&mut self, lines: &[Line], i: usize) {
        let line = &lines[i];
        let in_body = matches!(self.phase, Phase::Body);
        if line.text.is_empty() {
            if let (true, Some(draft)) = (in_body, &mut self.draft) {
                draft.blank_before = true;
            }
            return;
        }
        let outdented = self.draft.as_ref().is_none_or(|d| line.indent < d.body_indent.unwrap_or(d.indent + 1));
        let structural = !in_body || outdented;
        if structural && let Some((event, day)) = header(line.text) {
            self.close();
            (self.event, self.header_day) = (event, day);
            return;
        }
        if let Some(title) = strip_bullet(line.text) {
            let next = lines[i + 1..].iter().find(|l| !l.text.is_empty());
            let next_by = next.is_some_and(|n| speakers_text(n.text).is_some());
            let next_at = next.is_some_and(|n| is_time_line(n.text));
            if next_by || (next_at && structural) {
                self.close();
                let mut talk = Talk::new(String::new(), squash(title));
                talk.event = self.event.clone();
                self.draft = Some(Draft {
                    talk,
                    line: line.no,
                    indent: line.indent,
                    body_indent: None,
                    header_day: self.header_day,
                    blank_before: false,
                    error: None,
                });
                self.phase = Phase::Body;
                return;
            }
        }
        let Some(draft) = self.draft.as_mut() else {
            return;
        };
        match self.phase {
            Phase::Between => {}
            Phase::Body if is_time_line(line.text) => {
                draft.read_time(line);
                self.phase = Phase::Room;
            }
            Phase::Body => {
                let first = draft.body_indent.is_none();
                draft.body_indent.get_or_insert(line.indent);
                match speakers_text(line.text) {
                    Some(names) if first => draft.talk.speakers = split_speakers(names),
                    _ => draft.push_abstract(line.text),
                }
            }
            Phase::Room => {
                if let Some(room) = line.text.strip_prefix("In ") {
                    draft.talk.room = Some(squash(room)).filter(|r| !r.is_empty());
                }
                self.phase = Phase::Between;
            }
        }
    }

    /// Finishes the current talk: a record, or a rejection.
    fn close(&mut self) {
        self.phase = Phase::Between;
        let Some(draft) = self.draft.take() else {
            return;
        };
        if let Some((line, message)) = draft.error {
            self.reject(line, message);
            return;
        }
        let mut talk = draft.talk;
        let base = match talk.event.as_deref().map(capped_slug).filter(|s| !s.is_empty()) {
            Some(event) => format!("{event}/{}", title_slug(&talk.title)),
            None => title_slug(&talk.title),
        };
        talk.id = base.clone();
        for n in 2.. {
            if !self.used_ids.contains(&talk.id) {
                break;
            }
            talk.id = format!("{base}-{n}");
        }
        match talk.validate() {
            Ok(()) => {
                self.used_ids.insert(talk.id.clone());
                self.parsed.records.push(Record { talk, line: draft.line });
            }
            Err(message) => self.reject(draft.line, message),
        }
    }
}

/// The text after a bullet marker and its whitespace.
fn strip_bullet(text: &str) -> Option<&str> {
    let rest = text.strip_prefix(BULLETS)?;
    rest.starts_with(char::is_whitespace).then(|| rest.trim_start())
}

/// The names of a `by ...` line.
fn speakers_text(text: &str) -> Option<&str> {
    text.strip_prefix("by ").map(str::trim).filter(|s| !s.is_empty())
}

/// `Alex Gaynor, Maciej Fijalkowski and Armin Rigo` (also `&`, `, and`): one entry per person.
fn split_speakers(names: &str) -> Vec<String> {
    squash(names)
        .split(',')
        .flat_map(|part| part.split(" and "))
        .flat_map(|part| part.split('&'))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(String::from)
        .collect()
}

/// `Sessions at EVENT on DAY in ROOM` (day and room optional): the event and the day.
fn header(text: &str) -> Option<(Option<String>, Option<Day>)> {
    let text = squash(text);
    let rest = text.strip_prefix("Sessions at ")?;
    let named = |event: &str| Some(event.trim().to_string()).filter(|e| !e.is_empty());
    for (at, _) in rest.match_indices(" on ") {
        let after = &rest[at + 4..];
        let day_text = after.split(" in ").next().unwrap_or(after);
        if let Some(day) = parse_day(day_text) {
            return Some((named(&rest[..at]), Some(day)));
        }
    }
    let event = rest.rsplit_once(" in ").map_or(rest, |(event, _)| event);
    Some((named(event), None))
}

/// `At 10:25am to 11:05am, ...`: `At`, then a clause of times only, with a `:` or am/pm.
fn is_time_line(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("At ") else {
        return false;
    };
    let clause = rest.split(',').next().unwrap_or_default().to_ascii_lowercase();
    clause.starts_with(|c: char| c.is_ascii_digit())
        && clause.chars().all(|c| c.is_ascii_digit() || " :.-–amptoAMPTO".contains(c))
        && (clause.contains(':') || clause.contains("am") || clause.contains("pm"))
}

/// Reads an `At` line into start time, duration and date.
fn parse_time_line(
    text: &str,
    header_day: Option<Day>,
    event: Option<&str>,
) -> Result<(String, Option<u64>, Option<String>), String> {
    let rest = text.strip_prefix("At ").unwrap_or(text);
    let (clause, day_text) = rest.split_once(',').map_or((rest, ""), |(c, d)| (c, d.trim()));
    let bad_time = || format!("field \"time\": cannot read {} (expected a line like {EXAMPLE_TIME:?})", quote(text));
    let clause = clause.replace(" to ", "-").replace('–', "-");
    let (start, end) = match clause.split('-').map(clock).collect::<Vec<_>>()[..] {
        [Some(start)] => (start, None),
        [Some(start), Some(end)] => (start, Some(end)),
        _ => return Err(bad_time()),
    };
    // A talk that ends before it starts runs past midnight.
    let duration_s = end.map(|end| u64::from((end + 24 * 60 - start) % (24 * 60)) * 60).filter(|&d| d > 0);
    let day = if day_text.is_empty() {
        header_day
    } else {
        Some(parse_day(day_text).ok_or_else(|| format!("field \"date\": cannot read {}", quote(day_text)))?)
    };
    let date = day.and_then(|d| {
        let year = d.year.or_else(|| event.and_then(year_of))?;
        Some(format!("{year:04}-{:02}-{:02}", d.month, d.day))
    });
    Ok((format!("{:02}:{:02}", start / 60, start % 60), duration_s, date))
}

/// Minutes after midnight of `10:25am`, `1pm`, `12:15pm`, `13:20` or `9.30`.
fn clock(text: &str) -> Option<u32> {
    let lower = text.trim().to_ascii_lowercase();
    let (digits, pm) = match (lower.strip_suffix("am"), lower.strip_suffix("pm")) {
        (Some(d), _) => (d.trim_end(), Some(false)),
        (_, Some(d)) => (d.trim_end(), Some(true)),
        _ => (lower.as_str(), None),
    };
    let (h, m) = digits.split_once([':', '.']).unwrap_or((digits, "00"));
    let numeric = |s: &str, len: std::ops::RangeInclusive<usize>| {
        if len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) { s.parse::<u32>().ok() } else { None }
    };
    let (h, m) = (numeric(h, 1..=2)?, numeric(m, 2..=2)?);
    let h = match pm {
        Some(pm) if (1..=12).contains(&h) => h % 12 + if pm { 12 } else { 0 },
        None if h < 24 => h,
        _ => return None,
    };
    (m < 60).then_some(h * 60 + m)
}

/// `Saturday 10th March`, `March 10, 2012`, `10 Mar 2012`: weekday optional, year optional.
fn parse_day(text: &str) -> Option<Day> {
    fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
        slot.replace(value).is_none().then_some(())
    }
    let (mut year, mut month, mut day) = (None, None, None);
    for token in text.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()) {
        let token = token.trim_end_matches('.').to_lowercase();
        let digits = token.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let suffix = &token[digits.len()..];
        let number = digits.bytes().all(|b| b.is_ascii_digit()).then(|| digits.parse::<u16>().ok()).flatten();
        let named = |names: &[&str]| names.iter().position(|n| token.len() >= 3 && n.starts_with(&token));
        if let (Some(n), 4, "") = (number, digits.len(), suffix) {
            set(&mut year, n)?;
        } else if let (Some(n @ 1..=31), 1..=2, "" | "st" | "nd" | "rd" | "th") = (number, digits.len(), suffix) {
            set(&mut day, n as u8)?;
        } else if let Some(m) = named(&MONTHS).filter(|_| number.is_none()) {
            set(&mut month, m as u8 + 1)?;
        } else if !(number.is_none() && named(&WEEKDAYS).is_some()) {
            return None;
        }
    }
    Some(Day { year, month: month?, day: day? })
}

/// The last four-digit number in an event name: `PyCon US 2012` -> 2012.
fn year_of(event: &str) -> Option<u16> {
    event.split(|c: char| !c.is_ascii_digit()).rfind(|n| n.len() == 4)?.parse().ok()
}

/// Whitespace runs (including no-break spaces) as single spaces, trimmed.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` quoted for a message, shortened if long.
fn quote(text: &str) -> String {
    const SHOWN: usize = 80;
    match text.char_indices().nth(SHOWN) {
        Some((at, _)) => format!("{:?}", format!("{}…", &text[..at])),
        None => format!("{text:?}"),
    }
}

#[cfg(test)]
#[path = "listing_tests.rs"]
mod tests;
