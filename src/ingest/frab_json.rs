//! frab schedule JSON, and pretalx's `schedule.json`, which follows it:
//!
//! ```json
//! {"schedule": {"conference": {"title": "30C3", "acronym": "30c3", "days": [
//!   {"date": "2013-12-27", "rooms": {"Saal 1": [
//!     {"id": 5605, "guid": "...", "date": "2013-12-27T11:00:00+01:00", "start": "11:00",
//!      "duration": "00:30", "room": "Saal 1", "slug": "...", "title": "Opening Event",
//!      "subtitle": "...", "track": "CCC", "type": "lecture", "language": "en",
//!      "abstract": "...", "description": "...", "url": "...",
//!      "persons": [{"public_name": "Tim Pritlove"}]}]}}]}}}
//! ```
//!
//! Fields map to a talk as [`frab`](super::frab) describes. Numbers are accepted where strings
//! are expected (frab 0.8 writes `"id": "5605"`, pretalx `"id": 5605`); a person's name is
//! `public_name`, `full_public_name` or `name` (exports differ), or the entry itself if it is a
//! string. Events are taken in file order; a record's line is the line its event object starts
//! on. Some exports wrap every abstract and description in an escaped quote pair
//! (`"&quot;text&quot;"`); when all non-empty ones in a file are wrapped, the wrapping is
//! removed. A syntax error, or a schedule without `schedule.conference`, gives one rejection
//! at its line.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::frab::{Conference, Event};
use super::{LineCounter, Parsed, Record, json_error};
use crate::error::Rejection;

#[derive(Deserialize)]
struct Root<'a> {
    #[serde(borrow)]
    schedule: Schedule<'a>,
}

#[derive(Deserialize)]
struct Schedule<'a> {
    #[serde(borrow)]
    conference: ConferenceJson<'a>,
}

#[derive(Deserialize)]
struct ConferenceJson<'a> {
    #[serde(default)]
    title: Option<Value>,
    #[serde(default)]
    acronym: Option<Value>,
    #[serde(default, borrow)]
    days: Vec<Day<'a>>,
}

#[derive(Deserialize)]
struct Day<'a> {
    #[serde(default)]
    date: Option<Value>,
    #[serde(default, borrow)]
    rooms: HashMap<String, Vec<&'a RawValue>>,
}

/// Parses a frab or pretalx schedule JSON document.
pub fn parse(text: &str, source: &str) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return failed(source, 1, "empty file".to_string());
    }
    let root: Root = match serde_json::from_str(text) {
        Ok(root) => root,
        Err(e) => {
            let (line, message) = json_error(&e, "invalid frab schedule JSON");
            return failed(source, line, message);
        }
    };
    let conf = root.schedule.conference;
    let conference = match (scalar(conf.title.as_ref()), scalar(conf.acronym.as_ref())) {
        (Ok(title), Ok(acronym)) => Conference { title, acronym },
        (Err(m), _) => return failed(source, 1, format!("field \"conference.title\": {m}")),
        (_, Err(m)) => return failed(source, 1, format!("field \"conference.acronym\": {m}")),
    };
    let mut parsed = Parsed::default();
    let mut reject = |line, message| parsed.rejected.push(Rejection { source: source.to_string(), line, message });
    // Events in file order, with their day and room.
    let mut events: Vec<(usize, Option<String>, &str, &RawValue)> = Vec::new();
    for day in &conf.days {
        let date = scalar(day.date.as_ref()).ok().flatten();
        for (room, list) in &day.rooms {
            for raw in list {
                events.push((raw.get().as_ptr() as usize - text.as_ptr() as usize, date.clone(), room, raw));
            }
        }
    }
    events.sort_by_key(|e| e.0);
    let mut lines = LineCounter::new(text);
    let mut drafts = Vec::with_capacity(events.len());
    for (offset, day_date, room, raw) in events {
        let line = lines.line_at(offset);
        match serde_json::from_str::<Map<String, Value>>(raw.get()) {
            Ok(map) => drafts.push((line, day_date, room, map)),
            Err(_) => reject(line, format!("expected an event object, found {}", kind(raw.get()))),
        }
    }
    let wrapped = quotes_wrap_every_text(drafts.iter().map(|d| &d.3));
    let mut records = Vec::with_capacity(drafts.len());
    for (line, day_date, room, map) in drafts {
        let talk = event(&map, wrapped).and_then(|mut e| {
            e.day_date = day_date;
            e.day_room = Some(room.to_string());
            e.into_talk(&conference)
        });
        match talk {
            Ok(talk) => records.push(Record { talk, line }),
            Err(message) => reject(line, message),
        }
    }
    parsed.records = records;
    parsed
}

/// A whole file rejected at `line`.
fn failed(source: &str, line: usize, message: String) -> Parsed {
    Parsed { records: Vec::new(), rejected: vec![Rejection { source: source.to_string(), line, message }] }
}

const QUOT: &str = "&quot;";

/// Whether every non-empty abstract and description is `&quot;...&quot;` (and there is one).
fn quotes_wrap_every_text<'a>(events: impl Iterator<Item = &'a Map<String, Value>>) -> bool {
    let mut any = false;
    for map in events {
        for field in ["abstract", "description"] {
            if let Some(Value::String(s)) = map.get(field).filter(|v| v.as_str().is_some_and(|s| !s.trim().is_empty()))
            {
                let s = s.trim();
                if s.len() < 2 * QUOT.len() || !s.starts_with(QUOT) || !s.ends_with(QUOT) {
                    return false;
                }
                any = true;
            }
        }
    }
    any
}

/// Reads the event fields talksearch uses.
fn event(map: &Map<String, Value>, unwrap_quotes: bool) -> Result<Event, String> {
    let get = |field: &str| scalar(map.get(field)).map_err(|m| format!("field \"{field}\": {m}"));
    let unwrap = |v: Option<String>| {
        v.map(|s| match (unwrap_quotes, s.trim().strip_prefix(QUOT).and_then(|s| s.strip_suffix(QUOT))) {
            (true, Some(inner)) => inner.to_string(),
            _ => s,
        })
    };
    Ok(Event {
        id: get("id")?,
        slug: get("slug")?,
        date: get("date")?,
        start: get("start")?,
        duration: get("duration")?,
        room: get("room")?,
        title: get("title")?,
        subtitle: get("subtitle")?,
        track: get("track")?,
        language: get("language")?,
        r#abstract: unwrap(get("abstract")?),
        description: unwrap(get("description")?),
        persons: persons(map.get("persons")).map_err(|m| format!("field \"persons\": {m}"))?,
        url: get("url")?,
        ..Event::default()
    })
}

/// A string, or a number written as one; `null` and absent are `None`.
fn scalar(value: Option<&Value>) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(format!("expected a string, found {}", crate::talk::json_kind(other))),
    }
}

fn persons(value: Option<&Value>) -> Result<Vec<String>, String> {
    let list = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(format!("expected a list of persons, found {}", crate::talk::json_kind(other))),
    };
    let mut names = Vec::with_capacity(list.len());
    for (i, person) in list.iter().enumerate() {
        let name = match person {
            Value::String(name) => Some(name.as_str()),
            Value::Object(p) => ["public_name", "full_public_name", "name"]
                .iter()
                .find_map(|k| p.get(*k).and_then(Value::as_str).filter(|n| !n.trim().is_empty())),
            _ => None,
        };
        match name {
            Some(name) => names.push(name.to_string()),
            None => {
                return Err(format!(
                    "person {} has no \"public_name\", \"full_public_name\" or \"name\" string",
                    i + 1
                ));
            }
        }
    }
    Ok(names)
}

/// The kind of a raw value, already known to be valid JSON, from its first character (parsing
/// it whole would hit the recursion limit on deeply nested values and call them invalid).
fn kind(raw: &str) -> &'static str {
    match raw.trim_start().as_bytes().first() {
        Some(b'[') => "a list",
        Some(b'{') => "an object",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

#[cfg(test)]
#[path = "frab_json_tests.rs"]
mod tests;
