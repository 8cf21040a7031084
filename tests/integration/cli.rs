//! The real binary: index, search, show, exit codes, pipes.

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util::{fixture, stderr, stdout, talksearch};

fn index_arg(dir: &tempfile::TempDir) -> String {
    dir.path().join("index").display().to_string()
}

#[test]
fn index_without_files_imports_the_bundled_listing() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = index_arg(&tmp);
    let out = talksearch(&["--index", &idx, "index"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("indexed 8 talks, 0 rejected"), "{}", stderr(&out));

    let out = talksearch(&["--index", &idx, "search", "--json", "jython", "invokedynamic"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let resp: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(resp["query"], "jython invokedynamic");
    assert_eq!(resp["hits"][0]["id"], "pycon-us-2012/making-jython-faster-and-better");
    for key in ["id", "title", "speakers", "event", "date", "url", "score", "snippet"] {
        assert!(resp["hits"][0].get(key).is_some(), "hit lacks {key}");
    }
    assert!(resp["took_ms"].is_number());
    assert_eq!(resp["hits"][0]["event"], "PyCon US 2012");
}

#[test]
fn search_without_an_index_builds_one_from_the_bundled_listing_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = talksearch(&["--index", &index_arg(&tmp), "search", "pypy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("building it from the bundled listing"), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("How the PyPy JIT works"), "{text}");
    assert!(text.contains("Benjamin Peterson · PyCon US 2012 · 2012"), "{text}");
}

#[test]
fn a_broken_file_names_its_lines_and_leaves_the_index_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = index_arg(&tmp);
    let good = fixture("talks.jsonl").display().to_string();
    assert!(talksearch(&["--index", &idx, "index", &good]).status.success());
    let before = stdout(&talksearch(&["--index", &idx, "search", "--json", "coroutines"]));

    let broken = fixture("broken.jsonl").display().to_string();
    let out = talksearch(&["--index", &idx, "index", &broken]);
    assert_eq!(out.status.code(), Some(3), "invalid input exits 3");
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{broken}:2: field \"speakers\": expected a list of strings, found a string")),
        "{err}"
    );
    assert!(err.contains(&format!("{broken}:3: invalid JSON")), "{err}");

    let after = stdout(&talksearch(&["--index", &idx, "search", "--json", "coroutines"]));
    let strip = |s: &str| {
        let mut v: Value = serde_json::from_str(s).unwrap();
        v["took_ms"] = Value::Null;
        v
    };
    assert_eq!(strip(&before), strip(&after), "the old index still answers the same");
}

#[test]
fn skip_invalid_keeps_the_good_records_and_lists_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = index_arg(&tmp);
    let broken = fixture("broken.jsonl").display().to_string();
    let out = talksearch(&["--index", &idx, "index", "--skip-invalid", &broken]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("rejected: {broken}:2:")), "{err}");
    assert!(err.contains(&format!("rejected: {broken}:3:")), "{err}");
    assert!(err.contains("indexed 1 talks, 2 rejected"), "{err}");
}

#[test]
fn show_prints_a_talk_and_unknown_ids_exit_4() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = index_arg(&tmp);
    assert!(talksearch(&["--index", &idx, "index"]).status.success());
    let out = talksearch(&["--index", &idx, "show", "pycon-us-2012/how-the-pypy-jit-works"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.starts_with("How the PyPy JIT works\nby Benjamin Peterson\n"), "{text}");
    assert!(text.contains("E1, Santa Clara Convention Center"), "{text}");

    let out = talksearch(&["--index", &idx, "show", "--json", "pycon-us-2012/how-the-pypy-jit-works"]);
    let talk: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(talk["time"], "11:05");

    let out = talksearch(&["--index", &idx, "show", "no/such-talk"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("no talk with id \"no/such-talk\""));
}

#[test]
fn bad_option_values_exit_2_and_name_the_option() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = index_arg(&tmp);
    let out = talksearch(&["--index", &idx, "search", "--limit", "1000", "jit"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("parameter `limit`"), "{}", stderr(&out));
    let out = talksearch(&["--index", &idx, "search", "--limit", "many", "jit"]);
    assert_eq!(out.status.code(), Some(2));
    let out = talksearch(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_and_version() {
    let out = talksearch(&["--version"]);
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("talksearch "));
    let out = talksearch(&["search", "--help"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("year:2010..2015"));
    for cmd in ["index", "show", "serve"] {
        let out = talksearch(&[cmd, "--help"]);
        assert!(out.status.success(), "{cmd} --help");
    }
    assert!(stdout(&talksearch(&["--help"])).contains("Exit codes"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = index_arg(&tmp);
    assert!(talksearch(&["--index", &idx, "index"]).status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_talksearch"))
        .args(["--index", &idx, "search", "--limit", "100", "python"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before the first line is written
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "exit {:?}: {}", out.status, stderr(&out));
    assert!(!stderr(&out).contains("error"), "{}", stderr(&out));
}

#[test]
fn serve_answers_over_tcp_and_stops_on_sigterm() {
    use std::io::{Read, Write};
    let tmp = tempfile::tempdir().unwrap();
    let idx = index_arg(&tmp);
    let mut command = crate::util::talksearch_command(&["--index", &idx, "serve", "--addr", "127.0.0.1:0"]);
    command.env("RUST_LOG", "warn");
    let (mut child, addr) = crate::util::spawn_serve(command);
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    write!(conn, "GET /api/search?q=pypy%20jit HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("pycon-us-2012/how-the-pypy-jit-works"), "{answer}");

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0, got {status:?}");
}

#[test]
fn search_filters_facets_sort_and_synonyms_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = index_arg(&tmp);
    let good = fixture("talks.jsonl").display().to_string();
    assert!(talksearch(&["--index", &idx, "index", &good]).status.success());
    let out = talksearch(&[
        "--index",
        &idx,
        "search",
        "--json",
        "python",
        "--year-from",
        "2016",
        "--facets",
        "event,year",
        "--sort",
        "oldest",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let dates: Vec<&str> = v["hits"].as_array().unwrap().iter().map(|h| h["date"].as_str().unwrap()).collect();
    assert!(dates.iter().all(|d| *d >= "2016"), "{dates:?}");
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    assert!(v["facets"]["year"].is_array());
    let out = talksearch(&["--index", &idx, "search", "python", "--facets", "year"]);
    assert!(stdout(&out).contains("year: 2016 (2), 2012 (1)"), "{}", stdout(&out));
    // A synonyms file of our own replaces the bundled one.
    let syn = tmp.path().join("syn.txt");
    std::fs::write(&syn, "kanban, retrospectives\n").unwrap();
    let with = talksearch(&["--index", &idx, "--synonyms", syn.to_str().unwrap(), "search", "--json", "kanban"]);
    let v: Value = serde_json::from_str(&stdout(&with)).unwrap();
    assert_eq!(v["hits"][0]["id"], "fixture/agile");
    let out = talksearch(&["--index", &idx, "search", "python", "--facets", "colour"]);
    assert_eq!(out.status.code(), Some(2));
    let out = talksearch(&["--index", &idx, "--synonyms", "/no/such/file", "search", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/no/such/file"));
}
