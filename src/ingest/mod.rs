//! Importers: turn the files conferences publish into validated [`Talk`]s.
//!
//! Each format module parses text into [`Parsed`] (records with the line they start on, and
//! rejections with file:line and field). [`read_sources`] detects the format, gathers all files,
//! finds duplicate ids across them, and applies the all-or-nothing policy: by default any
//! rejection fails the import with [`Error::Invalid`]; with `skip_invalid` the valid records are
//! kept and the rejections are returned for reporting.
//!
//! Formats: talksearch JSON Lines ([`jsonl`]) and a JSON array of the same records
//! ([`json_array`]), frab schedules as XML ([`frab_xml`]) or JSON ([`frab_json`], also what
//! pretalx exports), CSV with a header row ([`csv_table`]), plain-text session listings
//! ([`listing`]) and pyvideo.org's data tree, a directory ([`pyvideo`]). Every importer but JSON Lines and listings passes its text through
//! [`cleanup`]; JSON Lines records are taken as they are, because the corpus they come from is
//! already clean and an export must read back byte-identical.

pub mod cleanup;
pub mod csv_table;
mod entities;
pub mod frab;
pub mod frab_json;
pub mod frab_xml;
mod html;
pub mod json_array;
pub mod jsonl;
pub mod listing;
mod markdown;
pub mod pyvideo;

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
    /// A JSON array of talk records (the JSON Lines record).
    Json,
    /// A frab schedule as XML (`<schedule><conference>...<event>`).
    FrabXml,
    /// A frab or pretalx schedule as JSON (`{"schedule": {"conference": ...}}`).
    FrabJson,
    /// CSV with a header row naming the record fields (see `--map`).
    Csv,
    /// A plain-text session listing as conference sites show it.
    Listing,
    /// pyvideo.org's data tree: a directory of `<event>/category.json` and
    /// `<event>/videos/*.json` (what a directory argument is read as).
    Pyvideo,
}

impl Format {
    /// Guesses the format from the file name, then from the content.
    ///
    /// `.jsonl`/`.ndjson`: JSON Lines; `.xml`: frab XML; `.csv`: CSV; `.txt`: listing. A `.json`
    /// file, or one with another name, is told by its first character (after a byte-order mark
    /// and whitespace): `[` a JSON array (so is an empty `.json` file, which that rejects); `{` JSON Lines, unless the first line alone is not a
    /// complete record and the text is one object with a `schedule` key (a frab/pretalx
    /// schedule); `<` frab XML (other names only). Other names whose first line is a CSV header
    /// with a `title` column are CSV; the rest are listings.
    pub fn detect(path: &Path, text: &str) -> Format {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let body = text.trim_start_matches('\u{feff}').trim_start();
        match ext.as_deref() {
            Some("jsonl" | "ndjson") => Format::Jsonl,
            Some("xml") => Format::FrabXml,
            Some("csv") => Format::Csv,
            Some("txt") => Format::Listing,
            Some("json") if body.starts_with('[') || body.is_empty() => Format::Json,
            Some("json") if body.starts_with('{') => detect_json_object(body),
            Some("json") => Format::Jsonl,
            _ if body.starts_with('[') => Format::Json,
            _ if body.starts_with('{') => detect_json_object(body),
            _ if body.starts_with('<') => Format::FrabXml,
            _ if csv_table::looks_like_header(body) => Format::Csv,
            _ => Format::Listing,
        }
    }

    /// Parses `text`, naming `source` in rejections.
    pub fn parse(self, text: &str, source: &str, opts: &ReadOptions) -> Parsed {
        match self {
            Format::Jsonl => jsonl::parse(text, source),
            Format::Json => json_array::parse(text, source),
            Format::FrabXml => frab_xml::parse(text, source),
            Format::FrabJson => frab_json::parse(text, source),
            Format::Csv => csv_table::parse(text, source, &opts.map),
            Format::Listing => listing::parse(text, source),
            Format::Pyvideo => pyvideo::not_a_directory(source),
        }
    }
}

/// `{...`: JSON Lines, or a frab/pretalx schedule spread over lines (or on one line).
fn detect_json_object(body: &str) -> Format {
    type Keys = HashMap<String, serde::de::IgnoredAny>;
    let is_schedule = |keys: &Keys| keys.contains_key("schedule") && !keys.contains_key("id");
    let first_line = body.split('\n').next().unwrap_or_default();
    match serde_json::from_str::<Keys>(first_line) {
        Ok(keys) if is_schedule(&keys) => Format::FrabJson,
        Ok(_) => Format::Jsonl,
        Err(_) => match serde_json::from_str::<Keys>(body) {
            Ok(keys) if is_schedule(&keys) => Format::FrabJson,
            Ok(_) => Format::Jsonl,
            // Malformed: a schedule if it says so early on, for a useful error.
            Err(_) if body[..body.len().min(4096)].contains("\"schedule\"") => Format::FrabJson,
            Err(_) => Format::Jsonl,
        },
    }
}

/// Where the talks of one import come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file on disk, or a directory: a pyvideo data tree.
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
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Force a format instead of detecting it.
    pub format: Option<Format>,
    /// Keep valid records when some are invalid (default: fail the whole import).
    pub skip_invalid: bool,
    /// CSV only: `(record field, column name)` pairs, for columns not named after the field
    /// (`--map abstract=description`). A later pair for the same field wins.
    pub map: Vec<(String, String)>,
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
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new(); // id -> (label index, line)
    let mut labels: Vec<String> = Vec::with_capacity(sources.len());
    for source in sources {
        for (label, parsed) in read_source(source, &opts)? {
            import.rejected.extend(parsed.rejected);
            for record in parsed.records {
                if let Some(&(first_label, first_line)) = seen.get(&record.talk.id) {
                    let first = labels.get(first_label).unwrap_or(&label);
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
                seen.insert(record.talk.id.clone(), (labels.len(), record.line));
                import.talks.push(record.talk);
            }
            labels.push(label);
        }
    }
    if !import.rejected.is_empty() && !opts.skip_invalid {
        return Err(Error::Invalid(import.rejected));
    }
    Ok(import)
}

/// One source read: `(label, what was parsed)` for each file in it (one, but for a directory).
fn read_source(source: &Source, opts: &ReadOptions) -> Result<Vec<(String, Parsed)>> {
    let (path, label) = match source {
        Source::File(path) => (path, path.display().to_string()),
        Source::Text { label, text } => {
            let format = opts.format.unwrap_or_else(|| Format::detect(Path::new(label), text));
            return Ok(vec![(label.clone(), format.parse(text, label, opts))]);
        }
    };
    if path.is_dir() {
        return match opts.format {
            None | Some(Format::Pyvideo) => pyvideo::read_tree(path),
            Some(_) => {
                let message = "is a directory: only --format pyvideo reads directories".to_string();
                Ok(vec![(
                    label.clone(),
                    Parsed { records: Vec::new(), rejected: vec![Rejection { source: label, line: 0, message }] },
                )])
            }
        };
    }
    let bytes = read_file(path, MAX_FILE_BYTES)?;
    let parsed = match std::str::from_utf8(&bytes) {
        Ok(text) => {
            let format = opts.format.unwrap_or_else(|| Format::detect(path, text));
            format.parse(text, &label, opts)
        }
        Err(e) => invalid_utf8(&bytes, &label, e),
    };
    Ok(vec![(label, parsed)])
}

/// Largest input file, in bytes (1 GiB): an import holds its text and its talks in memory, so
/// a bigger file is refused before it is read. Split larger inputs into several files.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// Reads a whole file of at most `limit` bytes. A bigger regular file is refused from its size
/// alone; a pipe or device that goes on past `limit` is refused after `limit + 1` bytes.
pub(crate) fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let too_large = |size: String| Error::TooLarge { path: path.to_path_buf(), size, limit };
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if size > limit {
        return Err(too_large(size.to_string()));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(format!("more than {limit}")));
    }
    Ok(bytes)
}

/// A file that is not UTF-8 is rejected at the line of its first bad byte.
pub(crate) fn invalid_utf8(bytes: &[u8], label: &str, e: std::str::Utf8Error) -> Parsed {
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

/// 1-based line numbers of byte offsets, counted incrementally (offsets in increasing order are
/// cheapest).
pub(crate) struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        LineCounter { text: text.as_bytes(), offset: 0, line: 1 }
    }

    /// The line of byte `offset` (clamped to the text).
    pub(crate) fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            (self.offset, self.line) = (0, 1);
        }
        self.line += self.text[self.offset..offset].iter().filter(|&&b| b == b'\n').count();
        self.offset = offset;
        self.line
    }
}

/// Where a JSON syntax or shape error is, and what: `(line, "invalid JSON: ... (column 7)")`.
pub(crate) fn json_error(err: &serde_json::Error, what: &str) -> (usize, String) {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    match err.column() {
        0 => (err.line().max(1), format!("{what}: {message}")),
        column => (err.line().max(1), format!("{what}: {message} (column {column})")),
    }
}

/// Longest slug taken from a title or an event, in bytes, so ids stay well under `MAX_ID_LEN`.
const MAX_SLUG: usize = 200;

/// A slug of at most [`MAX_SLUG`] bytes.
pub(crate) fn capped_slug(text: &str) -> String {
    let mut slug = slugify(text);
    if slug.len() > MAX_SLUG {
        let cut = (0..=MAX_SLUG).rev().find(|&i| slug.is_char_boundary(i)).unwrap_or(0);
        slug.truncate(cut);
        slug.truncate(slug.trim_end_matches('-').len());
    }
    slug
}

/// The slug of a title, `untitled` when it has none.
pub(crate) fn title_slug(title: &str) -> String {
    Some(capped_slug(title)).filter(|s| !s.is_empty()).unwrap_or_else(|| "untitled".into())
}

/// `event-slug/title-slug` (or `title-slug` without an event), made unique among `used` with
/// `-2`, `-3`, ... in input order, and added to `used`.
pub(crate) fn derived_id(event: Option<&str>, title: &str, used: &mut std::collections::HashSet<String>) -> String {
    let base = match event.map(capped_slug).filter(|s| !s.is_empty()) {
        Some(event) => format!("{event}/{}", title_slug(title)),
        None => title_slug(title),
    };
    let mut id = base.clone();
    for n in 2.. {
        if !used.contains(&id) {
            break;
        }
        id = format!("{base}-{n}");
    }
    used.insert(id.clone());
    id
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

/// The corpus named by `TALKSEARCH_CORPUS`, path and text, or `None` (and `skipped: ...`
/// printed) when the variable is not set.
#[cfg(test)]
pub(crate) fn corpus_fixture() -> Option<(PathBuf, String)> {
    let Some(path) = std::env::var_os("TALKSEARCH_CORPUS").map(PathBuf::from) else {
        println!("skipped: TALKSEARCH_CORPUS is not set");
        return None;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some((path, text))
}

/// A real schedule export under `TALKSEARCH_SCHEDULES` (default `../shared/data/schedules`),
/// or `None` (and `skipped: ...` printed) when it is not there.
#[cfg(test)]
pub(crate) fn schedule_fixture(relative: &str) -> Option<String> {
    let dir = std::env::var_os("TALKSEARCH_SCHEDULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/schedules"));
    let path = dir.join(relative);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            println!("skipped: {}: {e}", path.display());
            None
        }
    }
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "malformed_tests.rs"]
mod malformed_tests;
