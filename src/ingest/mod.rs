//! Importers: turn the files conferences publish into validated [`Talk`]s.
//!
//! Each format module parses text into [`Parsed`] (records with the line they start on, and
//! rejections with file:line and field). [`read_sources`] detects the format, gathers all files,
//! finds duplicate ids across them, and applies the all-or-nothing policy: by default any
//! rejection fails the import with [`Error::Invalid`]; with `skip_invalid` the valid records are
//! kept and the rejections are returned for reporting.

pub mod jsonl;
pub mod listing;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Rejection, Result};
use crate::talk::Talk;

/// A talk and the line of its source it starts on.
#[derive(Debug, Clone)]
pub struct Record {
    /// The talk.
    pub talk: Talk,
    /// 1-based line where the record starts.
    pub line: usize,
}

/// What one importer made of one input.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Valid records, in input order.
    pub records: Vec<Record>,
    /// Invalid records.
    pub rejected: Vec<Rejection>,
}

/// The input formats talksearch reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// talksearch JSON Lines: one talk record a line.
    Jsonl,
    /// A plain-text session listing as conference sites show it.
    Listing,
}

impl Format {
    /// Guesses the format from the file name, then from the content.
    pub fn detect(path: &Path, text: &str) -> Format {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("jsonl" | "ndjson" | "json") => Format::Jsonl,
            Some("txt") => Format::Listing,
            _ if text.trim_start_matches('\u{feff}').trim_start().starts_with('{') => Format::Jsonl,
            _ => Format::Listing,
        }
    }

    /// Parses `text`, naming `source` in rejections.
    pub fn parse(self, text: &str, source: &str) -> Parsed {
        match self {
            Format::Jsonl => jsonl::parse(text, source),
            Format::Listing => listing::parse(text, source),
        }
    }
}

/// Where the talks of one import come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// Text already in memory (an HTTP body, a test), with a label for messages.
    Text {
        /// Name used in `label:line:` messages.
        label: String,
        /// The content.
        text: String,
    },
}

/// Name of the bundled default listing, as messages show it.
pub const BUNDLED_NAME: &str = "data/pycon-us-2012-lanyrd.txt";

/// The bundled default data: the PyCon US 2012 session listing this project started from.
pub fn bundled() -> Source {
    Source::Text {
        label: BUNDLED_NAME.to_string(),
        text: include_str!("../../data/pycon-us-2012-lanyrd.txt").to_string(),
    }
}

/// How to read sources.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Force a format instead of detecting it.
    pub format: Option<Format>,
    /// Keep valid records when some are invalid (default: fail the whole import).
    pub skip_invalid: bool,
}

/// The talks of one import.
#[derive(Debug, Default)]
pub struct Import {
    /// Valid talks with unique ids, in input order.
    pub talks: Vec<Talk>,
    /// Rejected records (only non-empty with `skip_invalid`).
    pub rejected: Vec<Rejection>,
}

/// Reads every source, checks ids are unique across them, and applies the invalid-record policy.
pub fn read_sources(sources: &[Source], opts: ReadOptions) -> Result<Import> {
    let mut import = Import::default();
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new(); // id -> (source index, line)
    let mut labels = Vec::with_capacity(sources.len());
    for (si, source) in sources.iter().enumerate() {
        let (label, parsed) = match source {
            Source::File(path) => {
                let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
                let label = path.display().to_string();
                let parsed = match std::str::from_utf8(&bytes) {
                    Ok(text) => {
                        let format = opts.format.unwrap_or_else(|| Format::detect(path, text));
                        format.parse(text, &label)
                    }
                    Err(e) => invalid_utf8(&bytes, &label, e),
                };
                (label, parsed)
            }
            Source::Text { label, text } => {
                let format = opts.format.unwrap_or_else(|| Format::detect(Path::new(label), text));
                (label.clone(), format.parse(text, label))
            }
        };
        import.rejected.extend(parsed.rejected);
        for record in parsed.records {
            if let Some(&(first_source, first_line)) = seen.get(&record.talk.id) {
                let first: &String = if first_source == si { &label } else { &labels[first_source] };
                import.rejected.push(Rejection {
                    source: label.clone(),
                    line: record.line,
                    message: format!(
                        "field \"id\": duplicate id {:?}, first seen at {first}:{first_line}",
                        record.talk.id
                    ),
                });
                continue;
            }
            seen.insert(record.talk.id.clone(), (si, record.line));
            import.talks.push(record.talk);
        }
        labels.push(label);
    }
    if !import.rejected.is_empty() && !opts.skip_invalid {
        return Err(Error::Invalid(import.rejected));
    }
    Ok(import)
}

/// A file that is not UTF-8 is rejected at the line of its first bad byte.
fn invalid_utf8(bytes: &[u8], label: &str, e: std::str::Utf8Error) -> Parsed {
    let at = e.valid_up_to();
    let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
    Parsed {
        records: Vec::new(),
        rejected: vec![Rejection {
            source: label.to_string(),
            line,
            message: format!("invalid UTF-8 at byte {at}: the file must be UTF-8 text"),
        }],
    }
}

/// Makes a URL- and id-friendly slug: lower-case ASCII letters and digits joined by `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(c.to_lowercase());
        } else {
            pending_dash = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(label: &str, text: &str) -> Source {
        Source::Text { label: label.into(), text: text.into() }
    }

    #[test]
    fn duplicate_ids_are_reported_with_both_lines() {
        let a = text("a.jsonl", "{\"id\":\"x\",\"title\":\"One\"}\n{\"id\":\"y\",\"title\":\"Two\"}\n");
        let b = text("b.jsonl", "\n{\"id\":\"x\",\"title\":\"Again\"}\n");
        let err = read_sources(&[a, b], ReadOptions::default()).unwrap_err();
        assert_eq!(err.to_string(), "b.jsonl:2: field \"id\": duplicate id \"x\", first seen at a.jsonl:1");
    }

    #[test]
    fn skip_invalid_keeps_the_valid_records() {
        let a = text("a.jsonl", "{\"id\":\"x\",\"title\":\"One\"}\n{\"id\":\"y\"}\n{\"id\":\"x\",\"title\":\"Dup\"}\n");
        let import = read_sources(&[a], ReadOptions { skip_invalid: true, ..Default::default() }).unwrap();
        assert_eq!(import.talks.len(), 1);
        assert_eq!(import.rejected.len(), 2);
        assert_eq!(import.rejected[0].line, 2);
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl");
        std::fs::write(&path, b"{\"id\":\"x\",\"title\":\"One\"}\n{\"id\":\"\xff\"}\n").unwrap();
        let err = read_sources(&[Source::File(path)], ReadOptions::default()).unwrap_err();
        assert!(
            err.to_string().ends_with("bad.jsonl:2: invalid UTF-8 at byte 32: the file must be UTF-8 text"),
            "{err}"
        );
    }

    #[test]
    fn slugs_are_stable() {
        assert_eq!(slugify("How the PyPy JIT works"), "how-the-pypy-jit-works");
        assert_eq!(slugify("  Sharing is Caring: Posting!  "), "sharing-is-caring-posting");
        assert_eq!(slugify("PyCon US 2012"), "pycon-us-2012");
    }
}
