//! Faults during an import: a read-only index directory and a full disk. Each gives a clear
//! error and leaves the old index intact and searchable.
//!
//! The index lives on a small tmpfs mounted for the test (as root, as CI runs); where mounting
//! is not permitted the tests say `skipped` and pass. Root ignores file permissions, so
//! read-only means a read-only mount. The mount is removed on drop, whatever happens.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::{fixture, stderr, stdout, talksearch};

/// A tmpfs of `size` mounted on a fresh directory; unmounted on drop.
struct Tmpfs {
    dir: PathBuf,
    _parent: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts one, or returns `None` (and says why) where mounting is not permitted.
    fn mount(size: &str) -> Option<Tmpfs> {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("mnt");
        std::fs::create_dir(&dir).unwrap();
        let out =
            Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(&dir).output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { dir, _parent: parent }),
            Ok(o) => {
                eprintln!("skipped: cannot mount a tmpfs (needs root): {}", String::from_utf8_lossy(&o.stderr).trim());
                None
            }
            Err(e) => {
                eprintln!("skipped: cannot run mount: {e}");
                None
            }
        }
    }

    fn remount(&self, mode: &str) {
        let status = Command::new("mount").args(["-o", &format!("remount,{mode}")]).arg(&self.dir).status().unwrap();
        assert!(status.success(), "remount {mode}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

fn run(index: &Path, args: &[&str]) -> Output {
    let idx = index.display().to_string();
    let mut all = vec!["--index", idx.as_str()];
    all.extend_from_slice(args);
    talksearch(&all)
}

/// The index answers a search with the fixture's PyPy talk, from the same generation as before.
fn assert_searchable(index: &Path, generation: &str) {
    let out = run(index, &["search", "pypy", "jit", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("fixture/pypy-jit"), "{}", stdout(&out));
    assert_eq!(std::fs::read_to_string(index.join("CURRENT")).unwrap(), generation, "CURRENT unchanged");
}

fn build_fixture_index(index: &Path) -> String {
    let out = run(index, &["index", &fixture("talks.jsonl").display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::read_to_string(index.join("CURRENT")).unwrap()
}

#[test]
fn an_import_into_a_read_only_index_fails_clearly_and_keeps_the_old_index() {
    let Some(fs) = Tmpfs::mount("16m") else { return };
    let index = fs.dir.join("index");
    let generation = build_fixture_index(&index);
    fs.remount("ro");
    let out = run(&index, &["index", &fixture("talks.jsonl").display().to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&index.display().to_string()) && err.contains("Read-only file system"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_searchable(&index, &generation);
}

/// Fills `dir`'s file system up to `leave` free bytes (roughly); returns the filler's path.
fn fill(dir: &Path, leave: u64) -> PathBuf {
    let filler = dir.join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let block = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    let room = available(dir);
    while written + leave < room && std::io::Write::write_all(&mut file, &block).is_ok() {
        written += block.len() as u64;
    }
    filler
}

/// Free bytes on `dir`'s file system, as `df` says.
fn available(dir: &Path) -> u64 {
    let out = Command::new("df").args(["--output=avail", "-B1"]).arg(dir).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().nth(1).unwrap().trim().parse().unwrap()
}

/// `n` talks with long abstracts of varied words (an index of several MB).
fn synthetic_talks(path: &Path, n: usize) {
    let mut seed = 42u64;
    let mut word = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        format!("w{:x}", (seed >> 40) % 50_000)
    };
    let mut out = String::new();
    for i in 0..n {
        let abstract_: Vec<String> = (0..300).map(|_| word()).collect();
        out.push_str(&format!(
            "{{\"id\":\"s/{i}\",\"title\":\"{} {}\",\"abstract\":\"{}\"}}\n",
            word(),
            word(),
            abstract_.join(" ")
        ));
    }
    std::fs::write(path, out).unwrap();
}

/// The import fails with a clear message naming the index and the cause, no panic, exit 1.
fn assert_failed_for_space(out: &Output, index: &Path) {
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
    let err = stderr(out);
    assert!(err.contains("No space left on device") && err.contains(&index.display().to_string()), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Only the live generation is in the index directory: a failed one does not stay behind to
/// fill the disk further.
fn assert_one_generation(index: &Path) {
    let generations = std::fs::read_dir(index)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("gen-"))
        .count();
    assert_eq!(generations, 1, "only the live generation is left");
}

#[test]
fn an_import_onto_a_full_disk_fails_clearly_and_keeps_the_old_index() {
    let Some(fs) = Tmpfs::mount("8m") else { return };
    let index = fs.dir.join("index");
    let generation = build_fixture_index(&index);
    let fixture_talks = fixture("talks.jsonl").display().to_string();

    // No byte left: the new generation cannot even be created.
    let filler = fill(&fs.dir, 0);
    assert_failed_for_space(&run(&index, &["index", &fixture_talks]), &index);
    assert_searchable(&index, &generation);
    assert_one_generation(&index);
    std::fs::remove_file(&filler).unwrap();

    // 1 MB left: the disk fills while tantivy writes segments.
    let big = fs._parent.path().join("big.jsonl");
    synthetic_talks(&big, 4000);
    let filler = fill(&fs.dir, 1 << 20);
    assert_failed_for_space(&run(&index, &["index", &big.display().to_string()]), &index);
    assert_searchable(&index, &generation);
    assert_one_generation(&index);

    // With room again, the next import succeeds.
    std::fs::remove_file(&filler).unwrap();
    assert_ne!(build_fixture_index(&index), generation);
}
