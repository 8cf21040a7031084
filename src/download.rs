//! Resumable HTTP(S) downloads into a file, for `talksearch import`.
//!
//! [`download`] writes to `DEST.part`, never to `DEST` itself. When a `.part` is already there
//! (an earlier attempt was interrupted) it asks for the rest with `Range: bytes=N-`, and with
//! `If-Range` set to the validator (ETag, else Last-Modified) the first attempt saw, kept in
//! `DEST.part.validator`, so a file that changed on the server in between is fetched whole
//! instead of being spliced (a server that sends no validator gets no `If-Range`; a splice then
//! fails the caller's check). A server that ignores the range (200) is read from the start. Once
//! the body is complete (as long as `Content-Length`/`Content-Range` said) the `.part` is synced,
//! checked by the caller's `verify`, and only then renamed to `DEST`. A `.part` that fails the
//! check is deleted, so the next attempt starts afresh; an interrupted one is kept.
//!
//! Plain `http://` is accepted (tests serve on loopback); HTTPS goes through rustls with the
//! Mozilla root certificates. Connecting times out after 30 s, and a read that stalls for
//! 60 s ends the attempt (the `.part` is kept). Redirects are followed.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ureq::http::{StatusCode, header};

use crate::error::{Error, Result};

/// What a finished download did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Downloaded {
    /// Bytes already in the `.part` that the server agreed to continue from (0: from scratch).
    pub resumed_from: u64,
    /// Size of the complete file.
    pub bytes: u64,
}

/// `path` with `suffix` added to its file name (`a.tar.gz` -> `a.tar.gz.part`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Downloads `url` to `dest` through `dest.part` (see the module docs). `progress` is called
/// with the bytes on disk so far and the total, when known.
pub fn download(
    url: &str,
    dest: &Path,
    progress: &mut dyn FnMut(u64, Option<u64>),
    verify: &dyn Fn(&Path) -> Result<()>,
) -> Result<Downloaded> {
    let part = with_suffix(dest, ".part");
    let validator_file = with_suffix(dest, ".part.validator");
    let fail = |message: String| Error::Download { url: url.to_string(), message };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        .user_agent(concat!("talksearch/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();

    let mut offset = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    let mut request = agent.get(url);
    if offset > 0 {
        request = request.header(header::RANGE, format!("bytes={offset}-"));
        if let Ok(validator) = std::fs::read_to_string(&validator_file) {
            request = request.header(header::IF_RANGE, validator.trim());
        }
    }
    let response = request.call().map_err(|e| fail(format!("request failed: {e}")))?;
    let status = response.status();
    let content_range = response.headers().get(header::CONTENT_RANGE).and_then(|v| v.to_str().ok());
    let total = match status {
        StatusCode::OK => {
            offset = 0;
            let validator =
                response.headers().get(header::ETAG).or_else(|| response.headers().get(header::LAST_MODIFIED));
            match validator.and_then(|v| v.to_str().ok()) {
                Some(v) => std::fs::write(&validator_file, v).map_err(|e| Error::io(&validator_file, e))?,
                None => remove_if_there(&validator_file)?,
            }
            response.body().content_length()
        }
        StatusCode::PARTIAL_CONTENT => match content_range.and_then(parse_content_range) {
            Some((start, total)) if start == offset => total,
            _ => {
                discard(&part, &validator_file)?;
                return Err(fail(format!(
                    "the server resumed at the wrong place (Content-Range {content_range:?} for bytes={offset}-); \
                     the partial download was removed, run the command again to start afresh"
                )));
            }
        },
        StatusCode::RANGE_NOT_SATISFIABLE if content_range.and_then(parse_unsatisfied_range) == Some(offset) => {
            // The earlier attempt got every byte but stopped before checking them.
            Some(offset)
        }
        StatusCode::RANGE_NOT_SATISFIABLE => {
            discard(&part, &validator_file)?;
            return Err(fail(
                "the server has no more bytes for the partial download (416); it was removed, run the command \
                 again to start afresh"
                    .into(),
            ));
        }
        other => return Err(fail(format!("the server answered HTTP {other}"))),
    };

    let mut file = if offset == 0 { File::create(&part) } else { OpenOptions::new().append(true).open(&part) }
        .map_err(|e| Error::io(&part, e))?;
    let mut done = offset;
    progress(done, total);
    if status != StatusCode::RANGE_NOT_SATISFIABLE {
        let mut body = response.into_body().into_reader();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    let _ = file.sync_all();
                    return Err(fail(format!(
                        "interrupted after {done} of {} bytes ({e}); {} is kept: run the command again to resume",
                        total.map_or("?".to_string(), |t| t.to_string()),
                        part.display()
                    )));
                }
            };
            file.write_all(&buf[..n]).map_err(|e| Error::io(&part, e))?;
            done += n as u64;
            progress(done, total);
        }
    }
    file.sync_all().map_err(|e| Error::io(&part, e))?;
    drop(file);
    if let Some(total) = total.filter(|&t| t != done) {
        return Err(fail(format!(
            "the connection ended after {done} of {total} bytes; {} is kept: run the command again to resume",
            part.display()
        )));
    }
    if let Err(e) = verify(&part) {
        discard(&part, &validator_file)?;
        return Err(fail(format!("the downloaded file is not usable, and was removed: {e}")));
    }
    std::fs::rename(&part, dest).map_err(|e| Error::io(dest, e))?;
    remove_if_there(&validator_file)?;
    Ok(Downloaded { resumed_from: offset, bytes: done })
}

fn remove_if_there(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(path, e)),
        _ => Ok(()),
    }
}

fn discard(part: &Path, validator: &Path) -> Result<()> {
    remove_if_there(part)?;
    remove_if_there(validator)
}

/// `bytes START-END/TOTAL` (TOTAL may be `*`): `(START, TOTAL)`.
fn parse_content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let (start, end): (u64, u64) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse::<u64>().ok().filter(|&t| t > end)?),
    };
    (start <= end).then_some((start, total))
}

/// `bytes */TOTAL`, as a 416 answer carries it: TOTAL.
fn parse_unsatisfied_range(value: &str) -> Option<u64> {
    value.strip_prefix("bytes */")?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_are_read_strictly() {
        assert_eq!(parse_content_range("bytes 100-199/200"), Some((100, Some(200))));
        assert_eq!(parse_content_range("bytes 0-0/*"), Some((0, None)));
        for bad in ["bytes 100-99/200", "bytes 100-199/150", "items 0-1/2", "bytes 1/2", "bytes a-b/c"] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
        assert_eq!(parse_unsatisfied_range("bytes */4096"), Some(4096));
        assert_eq!(parse_unsatisfied_range("bytes 0-1/2"), None);
    }

    #[test]
    fn suffixes_go_on_the_file_name() {
        assert_eq!(with_suffix(Path::new("d/a.tar.gz"), ".part"), PathBuf::from("d/a.tar.gz.part"));
    }

    #[test]
    fn an_unreachable_server_is_a_download_error_and_leaves_nothing() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/x.tar.gz", listener.local_addr().unwrap());
        drop(listener); // nothing listens there now
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("x.tar.gz");
        let err = download(&url, &dest, &mut |_, _| {}, &|_| Ok(())).unwrap_err();
        assert!(matches!(err, Error::Download { .. }), "{err}");
        assert!(err.to_string().starts_with(&format!("download of {url}: request failed")), "{err}");
        assert!(!dest.exists() && !with_suffix(&dest, ".part").exists());
    }
}
