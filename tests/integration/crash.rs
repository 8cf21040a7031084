//! Nothing lost: a real `index` and a real `add` killed (SIGKILL) at several points leave the
//! last committed index intact and searchable, and the next writer works and cleans up; searches
//! running during an `add` and during a full re-index never fail nor see half of either.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use talksearch::{Engine, IndexDir, SearchRequest};

use crate::util::{fixture, stderr, stdout, synthetic_talks, talksearch, talksearch_command};

/// Talks in the large input: enough that a debug build is still writing at every kill point.
const LARGE: usize = if cfg!(debug_assertions) { 12_000 } else { 150_000 };

/// What a reader sees of an index: talks, and the answers to a few searches.
fn observe(idx: &str) -> (u64, Vec<Value>) {
    let out = talksearch(&["--index", idx, "stats", "--json"]);
    assert!(out.status.success(), "stats after a kill: {}", stderr(&out));
    let talks = serde_json::from_str::<Value>(&stdout(&out)).unwrap()["talks"].as_u64().unwrap();
    let answers = ["coroutines", "pypy jit", "bigword", "langa"]
        .iter()
        .map(|q| {
            let out = talksearch(&["--index", idx, "search", "--json", "--limit", "20", q]);
            assert!(out.status.success(), "search after a kill: {}", stderr(&out));
            let mut v: Value = serde_json::from_str(&stdout(&out)).unwrap();
            v["took_ms"] = Value::Null;
            v
        })
        .collect();
    (talks, answers)
}

fn current(root: &Path) -> String {
    std::fs::read_to_string(root.join("CURRENT")).unwrap().trim().to_string()
}

fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Polls until `ready` says so, then SIGKILLs the child. Panics if the child ended first: the
/// kill point was never reached while it was writing.
fn kill_when(child: &mut Child, what: &str, mut ready: impl FnMut(Duration) -> bool) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{what}: the writer ended ({status}) before the kill point; make LARGE larger");
        }
        if ready(start.elapsed()) {
            child.kill().unwrap();
            child.wait().unwrap();
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn is_segment_file(name: &str) -> bool {
    [".idx", ".pos", ".term", ".store", ".fast", ".fieldnorm"].iter().any(|ext| name.ends_with(ext))
}

#[test]
fn killing_an_import_or_an_add_midway_leaves_the_last_commit_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let idx = root.display().to_string();
    let small = fixture("talks.jsonl").display().to_string();
    assert!(talksearch(&["--index", &idx, "index", &small]).status.success());
    let large = tmp.path().join("large.jsonl");
    std::fs::write(&large, synthetic_talks("big", LARGE)).unwrap();
    let large = large.display().to_string();
    let live = current(&root);
    let before = observe(&idx);

    // A full import: while reading its input, while indexing, while writing segments.
    for what in ["index, reading", "index, indexing", "index, writing segments"] {
        let existing = names(&root);
        let staging = || names(&root).into_iter().find(|n| n.starts_with("gen-") && !existing.contains(n));
        let mut seen: Option<Instant> = None;
        let mut child = talksearch_command(&["--index", &idx, "index", &large]).spawn().unwrap();
        kill_when(&mut child, what, |t| match what {
            "index, reading" => t >= Duration::from_millis(100),
            "index, indexing" => {
                staging().is_some() && seen.get_or_insert_with(Instant::now).elapsed() > Duration::from_millis(300)
            }
            _ => staging().is_some_and(|s| names(&root.join(s)).iter().any(|n| is_segment_file(n))),
        });
        assert_eq!(current(&root), live, "{what}: the live generation is unchanged");
        assert_eq!(observe(&idx), before, "{what}: the index answers as before");
    }

    // An add into the live generation: while reading, when its segment files appear, a moment later.
    let gen_dir = root.join(&live);
    let mut expected = before.clone();
    for what in ["add, reading", "add, writing segments", "add, committing"] {
        let existing = names(&gen_dir);
        let new_files = || names(&gen_dir).iter().any(|n| !existing.contains(n) && is_segment_file(n));
        let mut seen: Option<Instant> = None;
        let mut child = talksearch_command(&["--index", &idx, "add", &large]).spawn().unwrap();
        kill_when(&mut child, what, |t| match what {
            "add, reading" => t >= Duration::from_millis(100),
            "add, writing segments" => new_files(),
            _ => new_files() && seen.get_or_insert_with(Instant::now).elapsed() > Duration::from_millis(40),
        });
        assert_eq!(current(&root), live);
        let after = observe(&idx);
        // Killed after tantivy's commit point, the add is all there; before it, none of it is.
        if after != expected {
            assert_eq!(after.0, before.0 + LARGE as u64, "{what}: part of an add is visible");
            println!("{what}: killed after the commit: the whole add is there");
            expected = after;
        }
    }

    // The next writers work and clear what the killed ones left.
    let extra = tmp.path().join("extra.jsonl");
    std::fs::write(&extra, synthetic_talks("extra", 3)).unwrap();
    let out = talksearch(&["--index", &idx, "add", extra.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(observe(&idx).0, expected.0 + 3);
    assert_eq!(names(&root).iter().filter(|n| n.starts_with("gen-")).count(), 1, "staging dirs removed");
    assert_only_committed_files(&gen_dir);
    assert!(talksearch(&["--index", &idx, "index", &small]).status.success());
    assert_eq!(observe(&idx), before);
}

/// Every file of a generation belongs to a committed segment or is one of the index's own.
fn assert_only_committed_files(gen_dir: &Path) {
    let meta: Value = serde_json::from_slice(&std::fs::read(gen_dir.join("meta.json")).unwrap()).unwrap();
    let segments: Vec<String> = meta["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["segment_id"].as_str().unwrap().replace('-', ""))
        .collect();
    for name in names(gen_dir) {
        let own = ["meta.json", ".managed.json", "talksearch.json"].contains(&name.as_str()) || name.ends_with(".lock");
        assert!(own || segments.iter().any(|s| name.starts_with(s.as_str())), "left behind: {name}");
    }
}

#[test]
fn searches_never_fail_nor_see_half_an_add_or_a_reimport() {
    const N: usize = 2_000;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("index");
    let idx = root.display().to_string();
    let small = fixture("talks.jsonl").display().to_string();
    assert!(talksearch(&["--index", &idx, "index", &small]).status.success());
    let engine = Arc::new(Engine::open(IndexDir::new(&root)).unwrap());
    engine.warm_up();
    let (stop, searches, failures) = (AtomicBool::new(false), AtomicUsize::new(0), AtomicUsize::new(0));
    let halves = std::sync::Mutex::new(Vec::new());
    let total = |q: &str| -> Option<usize> {
        let req = SearchRequest { prefix: false, ..SearchRequest::new(q) };
        engine.search(&req).ok().map(|r| r.total)
    };

    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    for q in ["addedword", "reimportword", "coroutines"] {
                        match total(q) {
                            None => _ = failures.fetch_add(1, Ordering::Relaxed),
                            Some(t) if q != "coroutines" && t != 0 && t != N => halves.lock().unwrap().push((q, t)),
                            Some(_) => {}
                        }
                        searches.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                if engine.refresh().is_err() {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let wait_for = |q: &str, n: usize| {
            let start = Instant::now();
            while total(q) != Some(n) {
                assert!(start.elapsed() < Duration::from_secs(10), "{q}: never saw {n}");
                std::thread::sleep(Duration::from_millis(5));
            }
        };
        let file = tmp.path().join("added.jsonl");
        std::fs::write(&file, synthetic_talks("added", N)).unwrap();
        let out = talksearch(&["--index", &idx, "add", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        wait_for("addedword", N);
        let file = tmp.path().join("reimport.jsonl");
        std::fs::write(&file, synthetic_talks("reimport", N)).unwrap();
        let out = talksearch(&["--index", &idx, "index", &small, file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        wait_for("reimportword", N);
        wait_for("addedword", 0);
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!(failures.load(Ordering::Relaxed), 0, "failed searches or refreshes");
    assert!(halves.lock().unwrap().is_empty(), "half an update seen: {:?}", halves.lock().unwrap());
    assert!(searches.load(Ordering::Relaxed) > 100, "the searches ran: {}", searches.load(Ordering::Relaxed));
}
