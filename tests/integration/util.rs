//! Small helpers shared by the integration tests.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, OnceLock};

use talksearch::ingest::{self, ReadOptions, Source};
use talksearch::{Engine, IndexDir, indexer};

/// A path inside `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Runs the real binary with `args`.
pub fn talksearch(args: &[&str]) -> Output {
    talksearch_command(args).output().expect("the talksearch binary runs")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Builds an index of `sources` in a fresh temporary directory.
pub fn build_index(sources: &[Source]) -> (tempfile::TempDir, IndexDir) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = IndexDir::new(tmp.path().join("index"));
    let import = ingest::read_sources(sources, ReadOptions::default()).expect("fixture is valid");
    indexer::build(&dir, &import.talks, &mut |_| {}).expect("index builds");
    (tmp, dir)
}

/// An engine over the fixture `tests/fixtures/talks.jsonl`.
pub fn fixture_engine() -> (tempfile::TempDir, Arc<Engine>) {
    let (tmp, dir) = build_index(&[Source::File(fixture("talks.jsonl"))]);
    (tmp, Arc::new(Engine::open(dir).expect("index opens")))
}

/// The corpus named by `TALKSEARCH_CORPUS`: `None` (and a note on stderr) when the variable is
/// unset; a panic when it names a missing file, so CI cannot skip silently.
pub fn corpus_path() -> Option<PathBuf> {
    match std::env::var_os("TALKSEARCH_CORPUS") {
        None => {
            eprintln!("skipped: TALKSEARCH_CORPUS is not set (CI sets it to ../shared/data/talks.jsonl)");
            None
        }
        Some(p) => {
            let path = PathBuf::from(p);
            assert!(path.is_file(), "TALKSEARCH_CORPUS names {}, which does not exist", path.display());
            Some(path)
        }
    }
}

/// One engine over the whole corpus, built once per test run.
pub fn corpus_engine() -> Option<Arc<Engine>> {
    static ENGINE: OnceLock<Option<(tempfile::TempDir, Arc<Engine>)>> = OnceLock::new();
    let built = ENGINE.get_or_init(|| {
        let path = corpus_path()?;
        let (tmp, dir) = build_index(&[Source::File(path)]);
        Some((tmp, Arc::new(Engine::open(dir).expect("corpus index opens"))))
    });
    match built {
        Some((_, engine)) => Some(Arc::clone(engine)),
        None => {
            eprintln!("skipped: TALKSEARCH_CORPUS is not set");
            None
        }
    }
}

/// A command running the real binary (for tests that start, watch or kill it).
pub fn talksearch_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_talksearch"));
    command
        .args(args)
        .env_remove("TALKSEARCH_INDEX")
        .env_remove("TALKSEARCH_ADDR")
        .env_remove("TALKSEARCH_WRITE_TOKEN");
    command
}

/// Spawns `command` (a `serve`), reads its log until it says where it listens, and keeps
/// draining the log so the server never blocks on a full pipe. Returns the process and its
/// `127.0.0.1:PORT`.
pub fn spawn_serve(mut command: Command) -> (Child, String) {
    let mut child = command.stderr(Stdio::piped()).spawn().expect("the talksearch binary runs");
    let mut err = BufReader::new(child.stderr.take().expect("piped"));
    let addr = loop {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "serve exited before listening");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    (child, addr)
}

/// `n` made-up talks as JSON Lines, ids `{prefix}/{i}`: titles, speakers, events and ~80-word
/// abstracts drawn from a fixed pseudo-vocabulary, the same for the same arguments. Every talk
/// also carries the word `{prefix}word`, so a search finds exactly these talks.
pub fn synthetic_talks(prefix: &str, n: usize) -> String {
    const SYLLABLES: [&str; 16] =
        ["py", "thon", "co", "rou", "tine", "jit", "ker", "nel", "da", "ta", "web", "sock", "lam", "bda", "ar", "ray"];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15 ^ prefix.len() as u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let word = |next: &mut dyn FnMut() -> u64| {
        let r = next();
        (0..2 + r % 3).map(|k| SYLLABLES[((r >> (8 * k)) % 16) as usize]).collect::<String>()
    };
    let mut out = String::with_capacity(n * 700);
    for i in 0..n {
        let title: Vec<String> = (0..4).map(|_| word(&mut next)).collect();
        let words: Vec<String> = (0..80).map(|_| word(&mut next)).collect();
        let talk = serde_json::json!({
            "id": format!("{prefix}/{i}"),
            "title": title.join(" "),
            "speakers": [format!("Speaker {}", next() % 2000)],
            "abstract": format!("{} {prefix}word.", words.join(" ")),
            "event": format!("Synthetic Con {}", 2000 + next() % 25),
            "date": format!("{}-0{}-1{}", 2000 + next() % 25, 1 + next() % 9, next() % 10),
            "tags": [word(&mut next)],
        });
        out.push_str(&talk.to_string());
        out.push('\n');
    }
    out
}
