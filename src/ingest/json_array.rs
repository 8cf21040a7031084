//! A JSON array of talk records: `[{"id": ..., "title": ...}, ...]`, each element the record
//! JSON Lines uses (same fields, same rules, [`Talk::from_json`]).
//!
//! A record's line is the line its element starts on, so errors read
//! `talks.json:14: field "speakers": expected a list of strings, found a string`. Text fields
//! are cleaned ([`clean_talk`]). A UTF-8 byte-order mark and CRLF line ends are accepted. A
//! syntax error (a truncated file, a missing comma) gives one rejection at its line; the
//! elements before it are kept (and imported with `--skip-invalid`). An empty array is an
//! empty import; an empty file is an error.

use std::fmt;

use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::cleanup::clean_talk;
use super::{LineCounter, Parsed, Record, json_error};
use crate::error::Rejection;
use crate::talk::Talk;

/// Parses a JSON array of talk records.
pub fn parse(text: &str, source: &str) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parsed = Parsed::default();
    let mut reject = |line, message| parsed.rejected.push(Rejection { source: source.to_string(), line, message });
    if text.trim().is_empty() {
        reject(1, "empty file".to_string());
        return parsed;
    }
    let mut elements = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    let outcome = de.deserialize_seq(Elements(&mut elements)).and_then(|()| de.end());
    let mut lines = LineCounter::new(text);
    let mut records = Vec::with_capacity(elements.len());
    for raw in elements {
        let line = lines.line_at(raw.get().as_ptr() as usize - text.as_ptr() as usize);
        let talk = Talk::from_json(raw.get()).and_then(|mut talk| {
            clean_talk(&mut talk);
            talk.validate().map(|()| talk)
        });
        match talk {
            Ok(talk) => records.push(Record { talk, line }),
            Err(message) => reject(line, message),
        }
    }
    if let Err(e) = outcome {
        let (line, message) = json_error(&e, "invalid JSON");
        reject(line, message);
    }
    parsed.records = records;
    parsed
}

/// Collects the array's elements, unparsed, as slices of the input.
struct Elements<'v, 'de>(&'v mut Vec<&'de RawValue>);

impl<'de> Visitor<'de> for Elements<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of talk records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            self.0.push(raw);
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "json_array_tests.rs"]
mod tests;
