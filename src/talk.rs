//! The talk record: what talksearch stores, searches and returns.
//!
//! Every importer produces [`Talk`]s; [`Talk::from_json`] reads the JSON record format (the one
//! `talks.jsonl` uses, documented in the README) and names the field at fault when a record is
//! invalid. [`Talk::validate`] holds the rules every importer's output must meet.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One conference talk.
///
/// Serialised field order is fixed, so `talksearch export` output is byte-stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Talk {
    /// Unique, stable identifier (`event-slug/title-slug` for imported schedules).
    pub id: String,
    /// Title; may be empty when the abstract is not.
    pub title: String,
    /// One entry per person.
    #[serde(default)]
    pub speakers: Vec<String>,
    /// Description, paragraphs separated by blank lines. Empty when absent.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub r#abstract: String,
    /// Event name (`PyCon US 2012`).
    #[serde(default)]
    pub event: Option<String>,
    /// Day of the talk, `YYYY-MM-DD`.
    #[serde(default)]
    pub date: Option<String>,
    /// Topic tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Language code as given (`eng`, `spa`, ...).
    #[serde(default)]
    pub language: Option<String>,
    /// Video or talk page.
    #[serde(default)]
    pub url: Option<String>,
    /// Length in seconds.
    #[serde(default)]
    pub duration_s: Option<u64>,
    /// Start time of day, `HH:MM` (schedules only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Room (schedules only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// Longest id accepted, in bytes.
pub const MAX_ID_LEN: usize = 512;

impl Talk {
    /// A talk with only an id and a title.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Talk {
            id: id.into(),
            title: title.into(),
            speakers: Vec::new(),
            r#abstract: String::new(),
            event: None,
            date: None,
            tags: Vec::new(),
            language: None,
            url: None,
            duration_s: None,
            time: None,
            room: None,
        }
    }

    /// The year of [`Talk::date`], if any.
    pub fn year(&self) -> Option<u16> {
        self.date.as_deref().and_then(|d| d.get(..4)).and_then(|y| y.parse().ok())
    }

    /// Reads one JSON record. On failure the message names the field:
    /// `field "speakers": expected a list of strings, found a number`.
    pub fn from_json(text: &str) -> Result<Talk, String> {
        // Fast path: typed deserialisation. Only when it fails do we look closer, to say which
        // field is wrong (serde's own message does not name it).
        let talk = match serde_json::from_str::<Talk>(text) {
            Ok(talk) => talk,
            Err(e) => return Err(explain_json_error(text, &e)),
        };
        talk.validate()?;
        Ok(talk)
    }

    /// Checks the rules every record must meet, whatever format it came from.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("field \"id\": must not be empty".into());
        }
        if self.id.len() > MAX_ID_LEN {
            return Err(format!("field \"id\": longer than {MAX_ID_LEN} bytes"));
        }
        if self.id.chars().any(char::is_control) {
            return Err("field \"id\": contains a control character".into());
        }
        if self.title.trim().is_empty() && self.r#abstract.trim().is_empty() {
            return Err("field \"title\": empty, and so is the abstract".into());
        }
        if let Some(date) = &self.date {
            check_date(date).map_err(|m| format!("field \"date\": {m}"))?;
        }
        if let Some(time) = &self.time {
            check_time(time).map_err(|m| format!("field \"time\": {m}"))?;
        }
        Ok(())
    }
}

fn explain_json_error(text: &str, err: &serde_json::Error) -> String {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => {
            // serde_json says "... at line 1 column 7": the line is the record's, not the file's.
            let text = err.to_string();
            let position = format!(" at line {} column {}", err.line(), err.column());
            let message = text.strip_suffix(&position).unwrap_or(&text);
            return match err.line() {
                1 => format!("invalid JSON: {message} (column {})", err.column()),
                line => format!("invalid JSON: {message} (line {line} of the record, column {})", err.column()),
            };
        }
    };
    let Value::Object(map) = value else {
        return format!("expected a JSON object, found {}", json_kind(&value));
    };
    for (field, expected) in FIELD_TYPES {
        match (map.get(*field), *expected) {
            (None, Expect::Required(_)) => return format!("field \"{field}\": missing"),
            (None, _) | (Some(Value::Null), Expect::Optional(_)) => {}
            (Some(v), Expect::Required(t) | Expect::Optional(t)) if !t.matches(v) => {
                return format!("field \"{field}\": expected {}, found {}", t.describe(), json_kind(v));
            }
            _ => {}
        }
    }
    // Every field has the right shape, so serde's complaint is about something else.
    format!("invalid record: {err}")
}

#[derive(Clone, Copy)]
enum Expect {
    Required(Type),
    Optional(Type),
}

#[derive(Clone, Copy)]
enum Type {
    Str,
    StrList,
    Count,
}

impl Type {
    fn matches(self, v: &Value) -> bool {
        match self {
            Type::Str => v.is_string(),
            Type::StrList => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            Type::Count => v.is_u64(),
        }
    }
    fn describe(self) -> &'static str {
        match self {
            Type::Str => "a string",
            Type::StrList => "a list of strings",
            Type::Count => "a non-negative whole number",
        }
    }
}

const FIELD_TYPES: &[(&str, Expect)] = &[
    ("id", Expect::Required(Type::Str)),
    ("title", Expect::Required(Type::Str)),
    ("speakers", Expect::Optional(Type::StrList)),
    ("abstract", Expect::Optional(Type::Str)),
    ("event", Expect::Optional(Type::Str)),
    ("date", Expect::Optional(Type::Str)),
    ("tags", Expect::Optional(Type::StrList)),
    ("language", Expect::Optional(Type::Str)),
    ("url", Expect::Optional(Type::Str)),
    ("duration_s", Expect::Optional(Type::Count)),
    ("time", Expect::Optional(Type::Str)),
    ("room", Expect::Optional(Type::Str)),
];

/// How a JSON value is described in error messages ("a string", "a list", ...).
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `YYYY-MM-DD` with a real month and day.
pub fn check_date(date: &str) -> Result<(), String> {
    let bad = || format!("{date:?} is not a date of the form YYYY-MM-DD");
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| date[r].parse::<u32>().map_err(|_| bad());
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if d == 0 || d > days {
        return Err(bad());
    }
    Ok(())
}

fn check_time(time: &str) -> Result<(), String> {
    let ok = time.len() == 5
        && time.as_bytes()[2] == b':'
        && time[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && time[3..].parse::<u8>().is_ok_and(|m| m < 60);
    if ok { Ok(()) } else { Err(format!("{time:?} is not a time of the form HH:MM")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_corpus_record_and_ignores_unknown_fields() {
        let t = Talk::from_json(
            r#"{"id":"e/x","title":"T","speakers":["A B"],"abstract":null,"event":"E","date":"2012-03-10",
                "tags":["t"],"language":null,"url":"u","duration_s":null,"extra":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(t.id, "e/x");
        assert_eq!(t.r#abstract, "");
        assert_eq!(t.year(), Some(2012));
        assert_eq!(t.language, None);
    }

    #[test]
    fn names_the_field_at_fault() {
        let cases = [
            (r#"{"title":"T"}"#, "field \"id\": missing"),
            (r#"{"id":"a"}"#, "field \"title\": missing"),
            (
                r#"{"id":"a","title":"T","speakers":"Ann"}"#,
                "field \"speakers\": expected a list of strings, found a string",
            ),
            (
                r#"{"id":"a","title":"T","duration_s":-5}"#,
                "field \"duration_s\": expected a non-negative whole number, found a number",
            ),
            (r#"{"id":5,"title":"T"}"#, "field \"id\": expected a string, found a number"),
            (r#"{"id":"a","title":"T","date":"2012-02-30"}"#, "field \"date\": \"2012-02-30\" is not a date"),
            (r#"{"id":"","title":"T"}"#, "field \"id\": must not be empty"),
            (r#"{"id":"a","title":"","abstract":""}"#, "field \"title\": empty"),
            (r#"[1]"#, "expected a JSON object, found a list"),
            (r#"{"id":"a","#, "invalid JSON: EOF while parsing a value (column 10)"),
        ];
        for (input, expected) in cases {
            let err = Talk::from_json(input).unwrap_err();
            assert!(err.starts_with(expected), "{input}: got {err:?}, want {expected:?}");
        }
    }

    #[test]
    fn empty_title_is_allowed_when_there_is_an_abstract() {
        assert!(Talk::from_json(r#"{"id":"a","title":"","abstract":"text"}"#).is_ok());
    }

    #[test]
    fn dates_check_month_lengths_and_leap_years() {
        assert!(check_date("2012-02-29").is_ok());
        assert!(check_date("2013-02-29").is_err());
        assert!(check_date("2013-13-01").is_err());
        assert!(check_date("2013-1-01").is_err());
    }

    #[test]
    fn serialisation_is_stable_and_round_trips() {
        let mut t = Talk::new("a", "T");
        t.time = Some("10:25".into());
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"id":"a","title":"T","speakers":[],"abstract":"","event":null,"date":null,"tags":[],"language":null,"url":null,"duration_s":null,"time":"10:25"}"#
        );
        assert_eq!(Talk::from_json(&json).unwrap(), t);
    }
}
