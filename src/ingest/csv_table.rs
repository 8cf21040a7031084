//! CSV with a header row: one talk a row, columns found by name.
//!
//! ```text
//! id,title,speakers,abstract,event,date,tags,language,url,duration_s
//! pycon-2012/jit,How the PyPy JIT works,Benjamin Peterson,"The <b>JIT</b> ...",PyCon US 2012,2012-03-10,pypy;jit,en,,1800
//! ```
//!
//! - Columns are named after the record fields (`id`, `title`, `speakers`, `abstract`,
//!   `event`, `date`, `tags`, `language`, `url`, `duration_s`, `time`, `room`; matched exactly,
//!   else ignoring case). `--map FIELD=COLUMN` reads a field from a differently named column
//!   (`--map abstract=description --map speakers=presenter`). Other columns are ignored; a
//!   `title` column is required, the others are optional, and a mapped column must exist.
//! - `speakers` and `tags` hold several values separated by `;` (or by `|` in a cell without
//!   `;`). Empty cells are absent values.
//! - Without an `id` column, or with an empty id cell, the id is derived as the listing
//!   importer does: `event-slug/title-slug`, with `-2`, `-3`, ... for repeats in the file.
//! - `date` is `YYYY-MM-DD` (a date-time is cut to its date); `duration_s` a whole number of
//!   seconds; `time` `HH:MM`.
//! - Text is cleaned ([`cleanup`](super::cleanup)): titles, names, events, rooms and tags with
//!   `clean_line`, the abstract with `clean_text`.
//!
//! A record's line is the line its row starts on (a quoted cell may span lines). A row with
//! more or fewer cells than the header is rejected (an unquoted comma shifts every column), and
//! so is a last row whose quoted cell is still open at the end of the file (a truncated file).
//! A UTF-8 byte-order mark and CRLF line ends are accepted; an empty file is an error.

use std::borrow::Cow;
use std::collections::HashSet;

use super::cleanup::{clean_line, clean_text};
use super::{Parsed, Record, derived_id};
use crate::error::Rejection;
use crate::talk::Talk;

/// The record fields a column can hold, in the order the README lists them.
pub const FIELDS: [&str; 12] =
    ["id", "title", "speakers", "abstract", "event", "date", "tags", "language", "url", "duration_s", "time", "room"];

/// Reads a `--map FIELD=COLUMN` argument.
pub fn parse_map(arg: &str) -> Result<(String, String), String> {
    let Some((field, column)) = arg.split_once('=') else {
        return Err(format!("expected FIELD=COLUMN (e.g. abstract=description), got {arg:?}"));
    };
    let (field, column) = (field.trim(), column.trim());
    if !FIELDS.contains(&field) {
        return Err(format!("unknown field {field:?}: expected one of {}", FIELDS.join(", ")));
    }
    if column.is_empty() {
        return Err(format!("no column named for field {field:?}"));
    }
    Ok((field.to_string(), column.to_string()))
}

/// Whether the first line of `text` looks like a CSV header with a `title` column: two or more
/// short cells (up to three words each), one of them `title`.
pub fn looks_like_header(text: &str) -> bool {
    let first = text.trim_start_matches('\u{feff}').lines().next().unwrap_or_default();
    let cells: Vec<&str> = first.split(',').map(|c| c.trim().trim_matches('"')).collect();
    cells.len() >= 2
        && cells.iter().all(|c| c.len() <= 40 && c.split_whitespace().count() <= 3)
        && cells.iter().any(|c| c.eq_ignore_ascii_case("title"))
}

/// Parses CSV text; `map` names the column of a field where it is not named after the field.
pub fn parse(text: &str, source: &str, map: &[(String, String)]) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The csv crate counts a CRLF row end as the start of the next row's line.
    let text: &str = &if text.contains('\r') { Cow::Owned(text.replace("\r\n", "\n")) } else { Cow::Borrowed(text) };
    let mut parsed = Parsed::default();
    let mut reject = |line: u64, message: String| {
        let line = usize::try_from(line).unwrap_or(usize::MAX);
        parsed.rejected.push(Rejection { source: source.to_string(), line, message });
    };
    if text.trim().is_empty() {
        reject(1, "empty file".into());
        return parsed;
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = reader.records();
    let header = match rows.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => {
            reject(e.position().map_or(1, |p| p.line()), format!("invalid CSV: {e}"));
            return parsed;
        }
        None => {
            reject(1, "empty file".into());
            return parsed;
        }
    };
    let header_line = header.position().map_or(1, |p| p.line());
    let columns = match Columns::new(&header, map) {
        Ok(columns) => columns,
        Err(message) => {
            reject(header_line, message);
            return parsed;
        }
    };
    let mut used = HashSet::new();
    let mut records = Vec::new();
    // An odd number of quotes: the last row's quoted cell never closes (a truncated file).
    let odd_quotes = text.bytes().filter(|&b| b == b'"').count() % 2 == 1;
    let mut rows = rows.peekable();
    while let Some(row) = rows.next() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                reject(e.position().map_or(header_line, |p| p.line()), format!("invalid CSV: {e}"));
                continue;
            }
        };
        let line = row.position().map_or(header_line, |p| p.line());
        let start = row.position().map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        let rest = text.get(start..).unwrap_or_default();
        if odd_quotes && rows.peek().is_none() && rest.bytes().filter(|&b| b == b'"').count() % 2 == 1 {
            reject(line, "a quoted cell is not closed before the end of the file (is the file truncated?)".into());
            continue;
        }
        if row.len() != header.len() {
            let message = format!(
                "expected {} cells as in the header, found {} (a cell with a comma must be quoted)",
                header.len(),
                row.len()
            );
            reject(line, message);
            continue;
        }
        match columns.talk(&row, &mut used) {
            Ok(talk) => records.push(Record { talk, line: usize::try_from(line).unwrap_or(usize::MAX) }),
            Err(message) => reject(line, message),
        }
    }
    parsed.records = records;
    parsed
}

/// The column index of each field (in [`FIELDS`] order), if the file has one.
struct Columns([Option<usize>; FIELDS.len()]);

impl Columns {
    fn new(header: &csv::StringRecord, map: &[(String, String)]) -> Result<Columns, String> {
        let names: Vec<&str> = header.iter().map(str::trim).collect();
        let find = |name: &str| {
            names.iter().position(|n| *n == name).or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(name)))
        };
        let mut columns = [None; FIELDS.len()];
        for (slot, field) in columns.iter_mut().zip(FIELDS) {
            *slot = match map.iter().rev().find(|(f, _)| f == field) {
                Some((_, column)) => {
                    Some(find(column).ok_or_else(|| format!("field {field:?}: no column {column:?} in the header"))?)
                }
                None => find(field),
            };
        }
        if columns[1].is_none() {
            return Err(
                "field \"title\": no \"title\" column in the header (name one, or map one with --map title=COLUMN)"
                    .into(),
            );
        }
        Ok(Columns(columns))
    }

    /// The trimmed, non-empty cell of `field` in `row`.
    fn cell<'r>(&self, row: &'r csv::StringRecord, field: &str) -> Option<&'r str> {
        let index = FIELDS.iter().position(|f| *f == field)?;
        self.0[index].and_then(|i| row.get(i)).map(str::trim).filter(|c| !c.is_empty())
    }

    fn talk(&self, row: &csv::StringRecord, used: &mut HashSet<String>) -> Result<Talk, String> {
        let line = |field| self.cell(row, field).map(clean_line).filter(|v| !v.is_empty());
        let mut talk = Talk::new(String::new(), line("title").unwrap_or_default());
        talk.r#abstract = self.cell(row, "abstract").map(clean_text).unwrap_or_default();
        talk.speakers = self.cell(row, "speakers").map(split).unwrap_or_default();
        talk.tags = self.cell(row, "tags").map(split).unwrap_or_default();
        talk.event = line("event");
        talk.room = line("room");
        talk.date = self.cell(row, "date").map(|d| match d.get(..10) {
            Some(date) if d.len() > 10 && d[10..].starts_with(['T', ' ']) => date.to_string(),
            _ => d.to_string(),
        });
        talk.time = self.cell(row, "time").map(String::from);
        talk.language = self.cell(row, "language").map(String::from);
        talk.url = self.cell(row, "url").map(String::from);
        if let Some(d) = self.cell(row, "duration_s") {
            let seconds = d.parse::<u64>().map_err(|_| format!("field \"duration_s\": {d:?} is not a whole number"))?;
            talk.duration_s = Some(seconds);
        }
        talk.id = match self.cell(row, "id") {
            Some(id) => id.to_string(),
            None => derived_id(talk.event.as_deref(), &talk.title, used),
        };
        talk.validate()?;
        used.insert(talk.id.clone());
        Ok(talk)
    }
}

/// `A; B` (or `A | B`): one entry each, cleaned, empty ones dropped.
fn split(cell: &str) -> Vec<String> {
    let sep = if cell.contains(';') { ';' } else { '|' };
    cell.split(sep).map(clean_line).filter(|v| !v.is_empty()).collect()
}

#[cfg(test)]
#[path = "csv_table_tests.rs"]
mod tests;
