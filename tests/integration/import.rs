//! `talksearch import pyvideo` end to end: the real binary downloads an archive of the fixture
//! tree from a tiny HTTP server on loopback that breaks the first download off halfway and
//! honours `Range` on the second, then the imported talks are searched.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::Value;

use crate::util::{fixture, stderr, stdout, talksearch};

/// A request as the server saw it: the `Range` and `If-Range` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    range: Option<String>,
    if_range: Option<String>,
}

/// How the server answers a request for the whole file.
#[derive(Clone, Copy)]
enum Whole {
    /// The first time: headers for all of it, then half the bytes, then the connection is
    /// closed. Later: all of it.
    CutHalfway,
    /// All of it.
    Complete,
}

const ETAG: &str = "\"fixture-v1\"";

/// Serves `body` at any path on 127.0.0.1 until the test ends; returns its URL and the log.
fn serve(body: Vec<u8>, whole: Whole) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/data/archive/refs/heads/main.tar.gz", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&log);
    std::thread::spawn(move || {
        // Bounded: a test makes a handful of requests.
        let mut whole = whole;
        for stream in listener.incoming().take(16) {
            let Ok(stream) = stream else { continue };
            let request = answer(stream, &body, whole);
            if request.range.is_none() {
                whole = Whole::Complete;
            }
            seen.lock().unwrap().push(request);
        }
    });
    (url, log)
}

fn answer(mut stream: TcpStream, body: &[u8], whole: Whole) -> Seen {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut seen = Seen { range: None, if_range: None };
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = Some(value.trim().to_string());
        match name.to_ascii_lowercase().as_str() {
            "range" => seen.range = value,
            "if-range" => seen.if_range = value,
            _ => {}
        }
    }
    let start = seen.range.as_deref().and_then(|r| r.strip_prefix("bytes=")?.strip_suffix('-')?.parse::<usize>().ok());
    let head = match start {
        Some(start) if seen.if_range.as_deref() == Some(ETAG) => format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{}/{}\r\nETag: {ETAG}\r\n\
             Connection: close\r\n\r\n",
            body.len() - start,
            body.len() - 1,
            body.len()
        ),
        _ => format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/gzip\r\nETag: {ETAG}\r\n\
             Connection: close\r\n\r\n",
            body.len()
        ),
    };
    let bytes = match (start, whole) {
        (Some(start), _) if seen.if_range.as_deref() == Some(ETAG) => &body[start..],
        (_, Whole::CutHalfway) => &body[..body.len() / 2],
        (_, Whole::Complete) => body,
    };
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(bytes));
    let _ = stream.flush();
    seen
}

/// A `.tar.gz` of `dir` under one top directory, the way a forge archives a repository.
fn archive_of(dir: &Path) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::best()));
    builder.append_dir_all("data-main", dir).unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}

#[test]
fn an_interrupted_download_resumes_and_the_tree_is_indexed_and_searchable() {
    let body = archive_of(&fixture("pyvideo/tree"));
    let (url, log) = serve(body.clone(), Whole::CutHalfway);
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("index").display().to_string();
    let to = tmp.path().join("pv");
    let args = ["--index", &idx, "import", "pyvideo", "--url", &url, "--to", to.to_str().unwrap()];

    let first = talksearch(&args);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let part = to.join("pyvideo-data.tar.gz.part");
    assert!(
        stderr(&first).contains(&format!("{} is kept: run the command again to resume", part.display())),
        "{}",
        stderr(&first)
    );
    let half = body.len() / 2;
    assert_eq!(std::fs::metadata(&part).unwrap().len(), half as u64);
    assert!(!tmp.path().join("index").exists(), "no index before a complete download");

    let second = talksearch(&args);
    assert!(second.status.success(), "{}", stderr(&second));
    let err = stderr(&second);
    assert!(err.contains(&format!("downloaded {} bytes (resumed at byte {half})", body.len())), "{err}");
    assert!(err.contains("indexed 4 talks, 0 rejected"), "{err}");
    assert_eq!(
        log.lock().unwrap()[..2],
        [
            Seen { range: None, if_range: None },
            Seen { range: Some(format!("bytes={half}-")), if_range: Some(ETAG.to_string()) },
        ]
    );
    assert!(!part.exists());
    assert_eq!(std::fs::read(to.join("pyvideo-data.tar.gz")).unwrap(), body);
    assert!(to.join("tree/data-main/kiwi-pycon-2031/videos/async-sheep-herding.json").is_file());
    assert!(!to.join("tree/data-main/tools").exists(), "only .json files are unpacked");

    let out = talksearch(&["--index", &idx, "search", "--json", "sheep", "asyncio"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let resp: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(resp["hits"][0]["id"], "kiwi-pycon-2031/async-sheep-herding");
    assert_eq!(resp["hits"][0]["event"], "Kiwi PyCon 2031");
    let out = talksearch(&["--index", &idx, "show", "--json", "pycon-us-2012/how-the-pypy-jit-works"]);
    let talk: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!((talk["date"].as_str(), talk["speakers"][0].as_str()), (Some("2012-03-10"), Some("Benjamin Peterson")));

    // Again, complete this time: the tree is replaced, the index rebuilt, nothing left over.
    let third = talksearch(&args);
    assert!(third.status.success(), "{}", stderr(&third));
    let names: Vec<String> =
        std::fs::read_dir(&to).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["pyvideo-data.tar.gz", "tree"]);
}

#[test]
fn a_corrupt_or_hostile_archive_is_refused_and_the_index_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("index").display().to_string();
    assert!(talksearch(&["--index", &idx, "index"]).status.success());
    let to = tmp.path().join("pv");

    let mut corrupt = archive_of(&fixture("pyvideo/tree"));
    let n = corrupt.len();
    corrupt[n - 8] ^= 0xff; // the gzip CRC
    let (url, _) = serve(corrupt, Whole::Complete);
    let out = talksearch(&["--index", &idx, "import", "pyvideo", "--url", &url, "--to", to.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("the downloaded file is not usable, and was removed"), "{err}");
    assert!(err.contains("not a readable .tar.gz archive"), "{err}");
    assert!(!to.join("pyvideo-data.tar.gz.part").exists() && !to.join("pyvideo-data.tar.gz").exists());

    let mut header = tar::Header::new_gnu();
    let name = b"data-main/../../escaped.json";
    header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
    header.set_size(2);
    header.set_mode(0o644);
    header.set_cksum();
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    builder.append(&header, &b"{}"[..]).unwrap();
    let hostile = builder.into_inner().unwrap().finish().unwrap();
    let (url, _) = serve(hostile, Whole::Complete);
    let out = talksearch(&["--index", &idx, "import", "pyvideo", "--url", &url, "--to", to.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("would be written outside the target directory: refused"), "{err}");
    assert!(!tmp.path().join("escaped.json").exists() && !to.join("escaped.json").exists());

    let out = talksearch(&["--index", &idx, "search", "--json", "jython"]);
    let resp: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(resp["hits"][0]["id"], "pycon-us-2012/making-jython-faster-and-better", "the old index still answers");
}

#[test]
fn a_directory_argument_is_read_as_a_pyvideo_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("index").display().to_string();
    let tree = fixture("pyvideo/tree").display().to_string();
    let out = talksearch(&["--index", &idx, "index", &tree]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("indexed 4 talks, 0 rejected"), "{}", stderr(&out));
    let out = talksearch(&["--index", &idx, "search", "--json", "--event", "PyDay Atlantis 2030", "unicode"]);
    let resp: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(resp["hits"][0]["id"], "pyday-atlantis-2030/unicode-in-the-deep");

    let broken = fixture("pyvideo/broken");
    let out = talksearch(&["--index", &idx, "index", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "invalid input exits 3");
    let wrong = broken.join("good-conf-2020/videos/wrong-duration.json");
    assert!(
        stderr(&out).contains(&format!(
            "{}:3: field \"duration\": expected a non-negative whole number of seconds",
            wrong.display()
        )),
        "{}",
        stderr(&out)
    );
}
