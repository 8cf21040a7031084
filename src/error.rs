//! One error type for the whole library.
//!
//! Every failure a user can cause or meet has a variant here with a message that says where and
//! what (`FILE:LINE: field ...`, the parameter, the talk id). The CLI prints the message and maps
//! [`Error::exit_code`]; the HTTP layer maps [`Error::code`] and [`Error::status`] to a JSON body.
//! Messages never carry backtraces; only [`Error::Io`], [`Error::Index`] and [`Error::Write`] may name a local path,
//! and the HTTP layer replaces those with a generic message ([`Error::TooLarge`] names one too,
//! but only files the command line reads raise it).

use std::path::PathBuf;

/// A record or file that could not be imported, with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The file the record came from (or `-` / a label such as `request body`).
    pub source: String,
    /// 1-based line (for line-oriented formats) or record number; 0 when the problem is the
    /// file or directory as a whole (shown as `source: message`).
    pub line: usize,
    /// What is wrong, starting with the field where one is to blame: `field "date": ...`.
    pub message: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.source, self.message),
            line => write!(f, "{}:{line}: {}", self.source, self.message),
        }
    }
}

/// Everything that can go wrong in talksearch.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input records were invalid; nothing was imported.
    #[error("{}", format_rejections(.0))]
    Invalid(Vec<Rejection>),
    /// A request parameter is out of range or malformed.
    #[error("parameter `{param}`: {message}")]
    BadParameter {
        /// The parameter's name as the user wrote it (`limit`, `q`, `--offset`).
        param: String,
        /// What is wrong with it.
        message: String,
    },
    /// No talk with this id.
    #[error("no talk with id {0:?}")]
    NotFound(String),
    /// Talks asked to be removed are not in the index; nothing was removed.
    #[error("no talk with id {}: nothing was removed", format_ids(.0))]
    UnknownIds(Vec<String>),
    /// The index directory holds no index yet.
    #[error("no index at {}: run `talksearch index` first", .0.display())]
    NoIndex(PathBuf),
    /// The index was built by a different version of talksearch.
    #[error(
        "the index at {} was built by another version of talksearch: run `talksearch index` to rebuild it \
         (`talksearch export` still writes out the talks of an older one)",
        .0.display()
    )]
    Stale(PathBuf),
    /// Another process holds the index's write lock.
    #[error("the index at {} is being written by another process; try again", .0.display())]
    Busy(PathBuf),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A download failed or was interrupted (a partial download is kept to resume).
    #[error("download of {url}: {message}")]
    Download {
        /// What was being downloaded.
        url: String,
        /// What went wrong, and what to do about it.
        message: String,
    },
    /// An archive is corrupt, unsafe (paths leaving the target directory) or over a size limit.
    #[error("{}: {message}", path.display())]
    Archive {
        /// The archive file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// An input file is over the size limit; nothing was read past the limit.
    #[error("{}: file too large: {size} bytes, limit {limit}", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (`more than N` when it could only be read up to the limit).
        size: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// Writing an index failed (a full disk, a read-only file system); the live index is as it was.
    #[error("{}: could not write the index: {source}", path.display())]
    Write {
        /// The index directory.
        path: PathBuf,
        /// What tantivy reported.
        #[source]
        source: tantivy::TantivyError,
    },
    /// tantivy failed.
    #[error("index error: {0}")]
    Index(#[from] tantivy::TantivyError),
}

fn format_rejections(rejections: &[Rejection]) -> String {
    const SHOWN: usize = 20;
    let mut out = String::new();
    for (i, r) in rejections.iter().take(SHOWN).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&r.to_string());
    }
    if rejections.len() > SHOWN {
        out.push_str(&format!("\n... and {} more", rejections.len() - SHOWN));
    }
    out
}

fn format_ids(ids: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut out: Vec<String> = ids.iter().take(SHOWN).map(|id| format!("{id:?}")).collect();
    if ids.len() > SHOWN {
        out.push(format!("and {} more", ids.len() - SHOWN));
    }
    out.join(", ")
}

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    /// A [`Error::BadParameter`].
    pub fn bad_param(param: impl Into<String>, message: impl Into<String>) -> Self {
        Error::BadParameter { param: param.into(), message: message.into() }
    }

    /// A stable machine-readable code for this kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid_record",
            Error::BadParameter { .. } => "bad_parameter",
            Error::NotFound(_) | Error::UnknownIds(_) => "not_found",
            Error::NoIndex(_) => "no_index",
            Error::Stale(_) => "stale_index",
            Error::Busy(_) => "index_busy",
            Error::Io { .. } => "io_error",
            Error::Download { .. } => "download_error",
            Error::Archive { .. } => "archive_error",
            Error::TooLarge { .. } => "too_large",
            Error::Index(_) | Error::Write { .. } => "index_error",
        }
    }

    /// The HTTP status this error maps to.
    pub fn status(&self) -> u16 {
        match self {
            Error::Invalid(_) | Error::BadParameter { .. } => 400,
            Error::TooLarge { .. } => 413,
            Error::NotFound(_) | Error::UnknownIds(_) => 404,
            Error::Busy(_) => 409,
            Error::NoIndex(_) | Error::Stale(_) => 503,
            Error::Download { .. } => 502,
            Error::Io { .. } | Error::Archive { .. } | Error::Index(_) | Error::Write { .. } => 500,
        }
    }

    /// The process exit code the CLI uses for this error (documented in the README).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid(_) | Error::TooLarge { .. } => 3,
            Error::BadParameter { .. } => 2,
            Error::NotFound(_) | Error::UnknownIds(_) => 4,
            Error::NoIndex(_)
            | Error::Stale(_)
            | Error::Busy(_)
            | Error::Io { .. }
            | Error::Download { .. }
            | Error::Archive { .. }
            | Error::Index(_)
            | Error::Write { .. } => 1,
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_list_file_line_and_message_and_are_capped() {
        let many: Vec<Rejection> = (1..=25)
            .map(|line| Rejection { source: "a.jsonl".into(), line, message: "field \"id\": missing".into() })
            .collect();
        let text = Error::Invalid(many).to_string();
        assert!(text.starts_with("a.jsonl:1: field \"id\": missing\na.jsonl:2:"));
        assert!(text.ends_with("... and 5 more"));
        assert_eq!(text.lines().count(), 21);
    }

    #[test]
    fn statuses_are_client_errors_for_client_mistakes() {
        assert_eq!(Error::bad_param("limit", "too big").status(), 400);
        assert_eq!(Error::NotFound("x".into()).status(), 404);
        assert_eq!(Error::bad_param("limit", "too big").to_string(), "parameter `limit`: too big");
    }

    #[test]
    fn unknown_ids_are_listed_and_exit_4() {
        let e = Error::UnknownIds(vec!["a/b".into(), "c".into()]);
        assert_eq!(e.to_string(), "no talk with id \"a/b\", \"c\": nothing was removed");
        assert_eq!((e.exit_code(), e.status(), e.code()), (4, 404, "not_found"));
        let many = Error::UnknownIds((0..12).map(|i| i.to_string()).collect()).to_string();
        assert!(many.ends_with("\"9\", and 2 more: nothing was removed"), "{many}");
    }
}
