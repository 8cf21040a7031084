//! Live updates through the real binary: `add`, `remove`, `stats`, `export`, a busy index, and
//! a running `serve` seeing a CLI `add` within a second.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::Value;
use talksearch::IndexDir;
use talksearch::ingest::Source;

use crate::util::{corpus_engine, corpus_path, fixture, stderr, stdout, talksearch, talksearch_command};

fn index_arg(dir: &tempfile::TempDir) -> String {
    dir.path().join("index").display().to_string()
}

/// An index of `tests/fixtures/talks.jsonl` in a new temporary directory, and its `--index`.
fn fixture_index() -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let idx = index_arg(&tmp);
    assert!(talksearch(&["--index", &idx, "index", &fixture("talks.jsonl").display().to_string()]).status.success());
    (tmp, idx)
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn search_ids(idx: &str, query: &str) -> Vec<String> {
    let out = talksearch(&["--index", idx, "search", "--json", "--limit", "100", query]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    v["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect()
}

fn stats(idx: &str) -> Value {
    let out = talksearch(&["--index", idx, "stats", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

const NEW: &str =
    r#"{"id":"fixture/new","title":"Zygomorphic flowers","speakers":["Quincy Zephyr"],"event":"Fixture Con 2020"}"#;
const CHANGED: &str = r#"{"id":"fixture/pypy-jit","title":"How the PyPy JIT really works","abstract":"Metatracing."}"#;

#[test]
fn add_inserts_and_replaces_and_remove_deletes_by_id() {
    let (tmp, idx) = fixture_index();
    let before = stats(&idx)["talks"].as_u64().unwrap();

    let file = write(&tmp, "new.jsonl", &format!("{NEW}\n{CHANGED}\n"));
    let out = talksearch(&["--index", &idx, "add", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("added 2 talks (1 new, 1 replaced), 0 rejected"), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("the index holds {} talks", before + 1)), "{}", stderr(&out));
    assert_eq!(search_ids(&idx, "zygomorphic"), ["fixture/new"]);
    assert_eq!(search_ids(&idx, "metatracing"), ["fixture/pypy-jit"]);
    assert!(search_ids(&idx, "assembly").is_empty(), "the replaced abstract is gone");

    let out = talksearch(&["--index", &idx, "remove", "fixture/new", "no/such-talk"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains(r#"no talk with id "no/such-talk": nothing was removed"#), "{}", stderr(&out));
    assert_eq!(search_ids(&idx, "zygomorphic"), ["fixture/new"], "nothing was removed");

    let out = talksearch(&["--index", &idx, "remove", "fixture/new", "fixture/pypy-jit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("removed 2 talks in"), "{}", stderr(&out));
    assert_eq!(stats(&idx)["talks"].as_u64().unwrap(), before - 1);
    assert!(search_ids(&idx, "zygomorphic").is_empty());
    assert_eq!(talksearch(&["--index", &idx, "show", "fixture/pypy-jit"]).status.code(), Some(4));
}

#[test]
fn add_reads_every_format_with_the_index_options_and_is_all_or_nothing() {
    let (_tmp, idx) = fixture_index();
    let before = stats(&idx)["talks"].as_u64().unwrap();

    let broken = fixture("broken.jsonl").display().to_string();
    let out = talksearch(&["--index", &idx, "add", &broken]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains(&format!("{broken}:2: field \"speakers\"")), "{}", stderr(&out));
    assert_eq!(stats(&idx)["talks"].as_u64().unwrap(), before, "nothing was added");

    let out = talksearch(&["--index", &idx, "add", "--skip-invalid", &broken]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("rejected: {broken}:2:")), "{}", stderr(&out));
    let mapped = fixture("ingest/talks-mapped.csv").display().to_string();
    let out = talksearch(&["--index", &idx, "add", "--format", "csv", "--map", "abstract=description", &mapped]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stats(&idx)["talks"].as_u64().unwrap() > before + 1);
}

#[test]
fn a_writer_waits_for_a_busy_index_then_says_so() {
    let (tmp, idx) = fixture_index();
    let held = IndexDir::new(tmp.path().join("index")).lock().unwrap();
    let file = write(&tmp, "new.jsonl", NEW);
    let start = Instant::now();
    let out = talksearch(&["--index", &idx, "add", "--wait", "1", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(start.elapsed() >= Duration::from_secs(1), "it waited");
    assert!(stderr(&out).contains("is being written by another process; try again"), "{}", stderr(&out));
    // Released while a writer waits: it goes ahead.
    let mut waiting = talksearch_command(&["--index", &idx, "add", "--wait", "30", &file]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drop(held);
    assert!(waiting.wait().unwrap().success());
    assert_eq!(search_ids(&idx, "zygomorphic"), ["fixture/new"]);
}

/// Export, index the export, export again: the same bytes.
fn assert_round_trip(tmp: &tempfile::TempDir, sources: &[&str], format: Option<&str>) {
    let run = tempfile::tempdir_in(tmp.path()).unwrap();
    let (first, second) = (run.path().join("first"), run.path().join("second"));
    let mut args = vec!["--index", first.to_str().unwrap(), "index"];
    args.extend(format.map(|f| ["--format", f]).iter().flatten());
    args.extend(sources);
    assert!(talksearch(&args).status.success(), "{sources:?}");
    let export1 = talksearch(&["--index", first.to_str().unwrap(), "export"]);
    assert!(export1.status.success(), "{}", stderr(&export1));
    let exported = write(&run, "export.jsonl", &stdout(&export1));
    assert!(talksearch(&["--index", second.to_str().unwrap(), "index", &exported]).status.success());
    let out = run.path().join("export2.jsonl");
    let export2 = talksearch(&["--index", second.to_str().unwrap(), "export", "-o", out.to_str().unwrap()]);
    assert!(export2.status.success(), "{}", stderr(&export2));
    assert!(!export1.stdout.is_empty());
    assert!(export1.stdout == std::fs::read(&out).unwrap(), "{sources:?}: the round trip changed the export");
}

#[test]
fn export_then_index_then_export_is_byte_identical_on_the_fixtures() {
    let tmp = tempfile::tempdir().unwrap();
    let f = |name: &str| fixture(name).display().to_string();
    for name in ["talks.jsonl", "ingest/talks.json", "ingest/talks.csv"] {
        assert_round_trip(&tmp, &[&f(name)], None);
    }
    assert_round_trip(&tmp, &[], None); // the bundled listing
    let schedules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/schedules");
    let mut found = 0;
    for entry in std::fs::read_dir(&schedules).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(entry.path()).into_iter().flatten().flatten() {
            if file.file_name().to_string_lossy().starts_with("schedule.") {
                assert_round_trip(&tmp, &[file.path().to_str().unwrap()], None);
                found += 1;
            }
        }
    }
    if found == 0 {
        println!("skipped: no schedules under {}", schedules.display());
    }
}

#[test]
fn export_of_the_corpus_reads_back_byte_identical() {
    let (Some(path), Some(engine)) = (corpus_path(), corpus_engine()) else { return };
    let mut exported = Vec::new();
    let n = talksearch::export::write_jsonl(engine.dir(), &mut exported, "test").unwrap();
    assert_eq!(n, 21_713);
    let original = std::fs::read(&path).unwrap();
    if exported != original {
        // The corpus is not in id order: check the round trip the long way.
        let text = String::from_utf8(exported.clone()).unwrap();
        let (_tmp, dir) = crate::util::build_index(&[Source::Text { label: "export".into(), text }]);
        let mut again = Vec::new();
        talksearch::export::write_jsonl(&dir, &mut again, "test").unwrap();
        assert!(again == exported, "the corpus round trip changed the export");
    }
}

/// A `serve` process on a free loopback port, and that port.
fn start_server(idx: &str, token: Option<&str>) -> (Child, u16) {
    let mut command = talksearch_command(&["--index", idx, "serve", "--addr", "127.0.0.1:0"]);
    if let Some(token) = token {
        command.env("TALKSEARCH_WRITE_TOKEN", token);
    }
    let (child, addr) = crate::util::spawn_serve(command);
    let port = addr.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port");
    (child, port)
}

/// A plain HTTP/1.1 request; the status and the body.
fn http(port: u16, method: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

#[test]
fn a_running_server_sees_a_cli_add_within_a_second_and_takes_turns_writing() {
    let (tmp, idx) = fixture_index();
    let token = "integration-test-token-0123";
    let (mut server, port) = start_server(&idx, Some(token));

    let file = write(&tmp, "new.jsonl", NEW);
    assert!(talksearch(&["--index", &idx, "add", &file]).status.success());
    let added = Instant::now();
    loop {
        let (status, body) = http(port, "GET", "/api/search?q=zygomorphic", "", "");
        assert_eq!(status, 200, "{body}");
        if body.contains("fixture/new") {
            break;
        }
        assert!(added.elapsed() < Duration::from_secs(1), "not visible after {:?}", added.elapsed());
        std::thread::sleep(Duration::from_millis(10));
    }
    let (status, body) = http(port, "GET", "/api/suggest?q=zeph", "", "");
    assert!(status == 200 && body.contains("Quincy Zephyr"), "{body}");

    // The server writes too (its token), and the CLI after it: they take turns on the lock.
    let auth = format!("Authorization: Bearer {token}\r\n");
    let (status, body) = http(port, "POST", "/api/talks", &auth, r#"{"id":"http/one","title":"Quokka care"}"#);
    assert_eq!(status, 200, "{body}");
    let (_, body) = http(port, "GET", "/api/search?q=quokka", "", "");
    assert!(body.contains("http/one"), "visible when the POST returns: {body}");
    assert!(talksearch(&["--index", &idx, "remove", "http/one"]).status.success());
    let (status, body) = http(port, "DELETE", "/api/talks/fixture/new", &auth, "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(search_ids(&idx, "zygomorphic").len(), 0);

    terminate(&mut server);
}

/// SIGTERM (graceful shutdown), then wait.
fn terminate(child: &mut Child) {
    let _ = std::process::Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
}
