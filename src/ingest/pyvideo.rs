//! pyvideo.org's data tree, the layout of the public pyvideo/data repository (which the
//! 21,713-talk corpus was made from):
//!
//! ```text
//! data/                       a tree root (or give one event directory)
//!   NO_PUBLISH.json           [2845, ...]: pyvideo ids of videos not to republish
//!   pycon-us-2012/
//!     category.json           {"title": "PyCon US 2012", ...}
//!     videos/
//!       how-the-pypy-jit-works.json
//! ```
//!
//! Each video file is one talk, mapped the way the corpus was made, so that a talk imported
//! from the tree is the corpus record (same id, fields and date) and re-imports keep ids:
//!
//! | talk | from |
//! |---|---|
//! | `id` | `<event directory>/<file name without .json>` |
//! | `title`, `speakers`, `tags`, `language` | the fields of those names |
//! | `abstract` | `description`, or `summary` when that is empty |
//! | `event` | `title` of the event's `category.json` |
//! | `date` | `recorded` (`YYYY-MM-DD`, a time after it is ignored) |
//! | `url` | `url` of the first entry of `videos` |
//! | `duration_s` | `duration` (seconds) |
//!
//! Text: HTML tags and entities out, mojibake repaired, whitespace normalised, and the
//! hard-wrapped lines of a paragraph joined with spaces, except before a line that starts a
//! list item (`- `, `* `, `+ `, `• `, `– `, `| `, `# `, `1. `, `a) `); reStructuredText and
//! Markdown are kept as written. Videos listed in `NO_PUBLISH.json` (by their numeric `id`)
//! are left out. Directories whose name starts with `.` and files that do not end in `.json`
//! are ignored; so are directories without `category.json` or `videos/` (the repository's
//! `tools/`). Talks come in id order.
//!
//! Each file is its own source: errors name the file, the line of the field and the field
//! (`.../videos/x.json:6: field "duration": expected ...`). A missing or broken
//! `category.json` is one error for the event, whose videos are then not read.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::cleanup::{clean_line_keep_markup, clean_text_keep_markup, join_wrapped_lines};
use super::{Parsed, Record, invalid_utf8, json_error};
use crate::error::{Error, Rejection, Result};
use crate::talk::{Talk, check_date, json_kind};

/// The talks of one file of a tree, under the file's name.
pub type FileParsed = (String, Parsed);

/// Reads a pyvideo data tree, or one event directory of it: one entry per file read.
pub fn read_tree(root: &Path) -> Result<Vec<FileParsed>> {
    let mut out = Vec::new();
    let no_publish = match read_no_publish(root)? {
        Ok(ids) => ids,
        Err(rejected) => {
            out.push(rejected);
            HashSet::new()
        }
    };
    let events = event_dirs(root)?;
    if events.is_empty() {
        let message = "not a pyvideo data tree: no event directory (<event>/category.json and \
                       <event>/videos/*.json) in it"
            .to_string();
        return Ok(vec![whole(root, message)]);
    }
    let mut videos = Vec::new();
    for dir in events {
        let name = file_name(&dir);
        match read_category(&dir)? {
            Ok(title) => {
                for path in video_files(&dir)? {
                    videos.push((format!("{name}/{}", stem(&path)), path, title.clone()));
                }
            }
            Err(rejected) => out.push(rejected),
        }
    }
    videos.sort_by(|a, b| a.0.cmp(&b.0));
    for (id, path, event) in videos {
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let label = path.display().to_string();
        let parsed = match std::str::from_utf8(&bytes) {
            Ok(text) => parse_video(text, &label, id, &event, &no_publish),
            Err(e) => invalid_utf8(&bytes, &label, e),
        };
        out.push((label, parsed));
    }
    Ok(out)
}

/// What a non-directory source read as `--format pyvideo` gives: one rejection.
pub fn not_a_directory(source: &str) -> Parsed {
    let message = "--format pyvideo reads a directory (a pyvideo/data checkout, or one event \
                   directory of it), not a file"
        .to_string();
    Parsed { records: Vec::new(), rejected: vec![Rejection { source: source.to_string(), line: 0, message }] }
}

/// Whether `dir` is one event: it has a `category.json` or a `videos/` directory.
fn is_event(dir: &Path) -> bool {
    dir.join("category.json").is_file() || dir.join("videos").is_dir()
}

/// The event directories of a tree in name order (or the root itself, if it is one).
fn event_dirs(root: &Path) -> Result<Vec<PathBuf>> {
    if is_event(root) {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(root).map_err(|e| Error::io(root, e))? {
        let path = entry.map_err(|e| Error::io(root, e))?.path();
        if path.is_dir() && !file_name(&path).starts_with('.') && is_event(&path) {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// `<dir>/videos/*.json` in name order (none without a `videos/`).
fn video_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let videos = dir.join("videos");
    if !videos.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&videos).map_err(|e| Error::io(&videos, e))? {
        let path = entry.map_err(|e| Error::io(&videos, e))?.path();
        let name = file_name(&path);
        if path.is_file() && name.ends_with(".json") && !name.starts_with('.') {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn stem(path: &Path) -> String {
    let name = file_name(path);
    name.strip_suffix(".json").unwrap_or(&name).to_string()
}

/// A rejection of a whole file or directory.
fn whole(path: &Path, message: String) -> FileParsed {
    let label = path.display().to_string();
    let rejected = vec![Rejection { source: label.clone(), line: 0, message }];
    (label, Parsed { records: Vec::new(), rejected })
}

/// A rejection at a line of a file.
fn at_line(label: &str, line: usize, message: String) -> Parsed {
    Parsed { records: Vec::new(), rejected: vec![Rejection { source: label.to_string(), line, message }] }
}

/// Reads a JSON file of the tree: its text, or the rejection that says why not.
fn read_json(path: &Path) -> Result<Result<(String, Value), FileParsed>> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let parsed = invalid_utf8(e.as_bytes(), &label, e.utf8_error());
            return Ok(Err((label, parsed)));
        }
    };
    match serde_json::from_str::<Value>(text.strip_prefix('\u{feff}').unwrap_or(&text)) {
        Ok(value) => Ok(Ok((text, value))),
        Err(e) => {
            let (line, message) = json_error(&e, "invalid JSON");
            Ok(Err((label.clone(), at_line(&label, line, message))))
        }
    }
}

/// The event's title from `<dir>/category.json`.
fn read_category(dir: &Path) -> Result<Result<String, FileParsed>> {
    let path = dir.join("category.json");
    if !path.is_file() {
        let message = "missing: every event directory needs one, with the event's \"title\"; \
                       the event's videos were not read";
        return Ok(Err(whole(&path, message.to_string())));
    }
    let (text, value) = match read_json(&path)? {
        Ok(read) => read,
        Err(rejected) => return Ok(Err(rejected)),
    };
    let label = path.display().to_string();
    let lines = key_lines(&text);
    let message = match value.get("title") {
        Some(Value::String(t)) if !clean_line_keep_markup(t).is_empty() => return Ok(Ok(clean_line_keep_markup(t))),
        Some(Value::String(_)) => "field \"title\": empty".to_string(),
        None if !value.is_object() => format!("expected a JSON object, found {}", json_kind(&value)),
        None => "field \"title\": missing".to_string(),
        Some(v) => format!("field \"title\": expected a string, found {}", json_kind(v)),
    };
    let line = lines.get("title").copied().unwrap_or(1);
    Ok(Err((label.clone(), at_line(&label, line, format!("{message}; the event's videos were not read")))))
}

/// Ids listed in `<root>/NO_PUBLISH.json`, if there is one.
fn read_no_publish(root: &Path) -> Result<Result<HashSet<u64>, FileParsed>> {
    let path = root.join("NO_PUBLISH.json");
    if !path.is_file() {
        return Ok(Ok(HashSet::new()));
    }
    let value = match read_json(&path)? {
        Ok((_, value)) => value,
        Err(rejected) => return Ok(Err(rejected)),
    };
    match value.as_array().map(|ids| ids.iter().map(Value::as_u64).collect::<Option<HashSet<u64>>>()) {
        Some(Some(ids)) => Ok(Ok(ids)),
        _ => Ok(Err(whole(&path, "expected a list of video ids (whole numbers)".to_string()))),
    }
}

/// Reads one video file into a talk (or a rejection, or nothing if it is not to be published).
pub(crate) fn parse_video(text: &str, label: &str, id: String, event: &str, no_publish: &HashSet<u64>) -> Parsed {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = match serde_json::from_str(body) {
        Ok(value) => value,
        Err(e) => {
            let (line, message) = json_error(&e, "invalid JSON");
            return at_line(label, line, message);
        }
    };
    let Value::Object(video) = value else {
        return at_line(label, 1, format!("expected a JSON object, found {}", json_kind(&value)));
    };
    if video.get("id").and_then(Value::as_u64).is_some_and(|n| no_publish.contains(&n)) {
        return Parsed::default();
    }
    let lines = key_lines(body);
    match to_talk(&video, id, event) {
        Ok(talk) => Parsed { records: vec![Record { talk, line: 1 }], rejected: Vec::new() },
        Err((field, message)) => at_line(label, lines.get(field).copied().unwrap_or(1), message),
    }
}

/// A field's problem: `(pyvideo field name, message)`, the message naming the field.
type FieldError = (&'static str, String);

fn bad(field: &'static str, what: impl std::fmt::Display) -> FieldError {
    (field, format!("field \"{field}\": {what}"))
}

fn to_talk(video: &Map<String, Value>, id: String, event: &str) -> Result<Talk, FieldError> {
    let title = match video.get("title") {
        Some(Value::String(t)) => clean_line_keep_markup(t),
        None | Some(Value::Null) => return Err(bad("title", "missing")),
        Some(v) => return Err(bad("title", format_args!("expected a string, found {}", json_kind(v)))),
    };
    let description = opt_str(video, "description")?.map(abstract_text).unwrap_or_default();
    let summary = opt_str(video, "summary")?.map(abstract_text).unwrap_or_default();
    let mut talk = Talk::new(id, title);
    talk.r#abstract = if description.is_empty() { summary } else { description };
    talk.speakers = names(video, "speakers")?;
    talk.tags = names(video, "tags")?;
    talk.event = Some(event.to_string());
    talk.date = recorded(video)?;
    talk.language = opt_str(video, "language")?.map(str::trim).filter(|l| !l.is_empty()).map(String::from);
    talk.url = first_video_url(video)?;
    talk.duration_s = match video.get("duration") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            bad("duration", format_args!("expected a non-negative whole number of seconds, found {}", describe(v)))
        })?),
    };
    match talk.validate() {
        Ok(()) => Ok(talk),
        Err(message) if message.starts_with("field \"title\"") => Err(("title", message)),
        Err(message) => {
            let message = message.strip_prefix("field \"id\": ").unwrap_or(&message);
            Err(("", format!("the id {:?} made from the directory and file name: {message}", talk.id)))
        }
    }
}

/// `{kind}`, with the value itself for numbers and short strings (`a number (-5)`).
fn describe(v: &Value) -> String {
    match v {
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) if s.len() <= 40 => format!("a string ({s:?})"),
        _ => json_kind(v).to_string(),
    }
}

fn opt_str<'a>(video: &'a Map<String, Value>, field: &'static str) -> Result<Option<&'a str>, FieldError> {
    match video.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(bad(field, format_args!("expected a string, found {}", json_kind(v)))),
    }
}

/// A list of names or tags, cleaned, empty ones dropped.
fn names(video: &Map<String, Value>, field: &'static str) -> Result<Vec<String>, FieldError> {
    let wrong = |found: &str| bad(field, format_args!("expected a list of strings, found {found}"));
    let items = match video.get(field) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(v) => return Err(wrong(json_kind(v))),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(s) = item else {
            return Err(wrong(&format!("a list holding {}", json_kind(item))));
        };
        let name = clean_line_keep_markup(s);
        if !name.is_empty() {
            out.push(name);
        }
    }
    Ok(out)
}

/// `recorded` as `YYYY-MM-DD`: empty is no date; a time after the date is dropped.
fn recorded(video: &Map<String, Value>) -> Result<Option<String>, FieldError> {
    let Some(text) = opt_str(video, "recorded")?.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let date = text.get(..10).filter(|_| matches!(text.as_bytes().get(10), None | Some(b'T' | b' ')));
    match date.map(|d| (d, check_date(d))) {
        Some((d, Ok(()))) => Ok(Some(d.to_string())),
        _ => Err(bad("recorded", format_args!("{text:?} is not a date of the form YYYY-MM-DD"))),
    }
}

/// The `url` of the first entry of `videos`.
fn first_video_url(video: &Map<String, Value>) -> Result<Option<String>, FieldError> {
    let wrong =
        |found: String| bad("videos", format_args!("expected a list of {{\"type\", \"url\"}} objects, found {found}"));
    let first = match video.get("videos") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(list)) => match list.first() {
            None => return Ok(None),
            Some(first) => first,
        },
        Some(v) => return Err(wrong(json_kind(v).to_string())),
    };
    match first.get("url") {
        Some(Value::String(url)) => Ok(Some(url.trim().to_string()).filter(|u| !u.is_empty())),
        Some(v) => Err(wrong(format!("a \"url\" that is {}", json_kind(v)))),
        None => Err(wrong(format!("{} without a \"url\"", json_kind(first)))),
    }
}

/// An abstract from pyvideo text: hard-wrapped lines joined, then [`clean_text_keep_markup`].
pub(crate) fn abstract_text(text: &str) -> String {
    clean_text_keep_markup(&join_wrapped_lines(text))
}

/// The line each top-level key of a JSON object text starts on (the text must be valid JSON).
fn key_lines(text: &str) -> HashMap<&str, usize> {
    let mut keys = HashMap::new();
    let (mut depth, mut line, mut expect_key) = (0usize, 1usize, false);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'{' | b'[' => {
                depth += 1;
                expect_key = depth == 1 && bytes[i] == b'{';
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expect_key = true,
            b'"' => {
                let start = i + 1;
                i = start;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 && expect_key {
                    keys.entry(text.get(start..i.min(bytes.len())).unwrap_or_default()).or_insert(line);
                    expect_key = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    keys
}

#[cfg(test)]
#[path = "pyvideo_tests.rs"]
mod tests;
