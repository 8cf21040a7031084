//! The index directory: generations, the `CURRENT` pointer, atomic replacement, the write lock.
//!
//! ```text
//! index/
//!   CURRENT            name of the live generation (replaced by rename: atomic)
//!   .write.lock        held (flock) by whoever writes: index, add, remove
//!   gen-<ms>-<pid>/    a complete tantivy index + talksearch.json
//! ```
//! A new import is built in a fresh generation directory that nobody reads; only when it is
//! committed and synced does `CURRENT` switch to it, by renaming a temporary file over it. A
//! failed, invalid or killed import therefore never touches the live generation. Readers (a
//! running `serve`) notice the new `CURRENT` and reopen. Old generations are removed by the next
//! writer, keeping the previous one for readers that have not switched yet.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::store::Compressor;
use tantivy::{Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy};

use crate::analysis;
use crate::error::{Error, Result};
use crate::schema::{Fields, SCHEMA_VERSION};

const CURRENT: &str = "CURRENT";
const LOCK: &str = ".write.lock";
const META: &str = "talksearch.json";
/// How often a waiting writer retries the lock.
/// Size of a doc-store block: reading a record copies its block, so a block holds two or three
/// talks rather than tantivy's default 16 KB (about 16).
const DOCSTORE_BLOCK_BYTES: usize = 2_048;
const LOCK_POLL: Duration = Duration::from_millis(20);

/// What talksearch keeps beside each generation's tantivy files.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct GenerationMeta {
    /// [`SCHEMA_VERSION`] of the talksearch that built it.
    pub schema_version: u32,
    /// Abstract paragraphs that repeat across many talks and are not indexed.
    #[serde(default)]
    pub boilerplate: Vec<String>,
}

/// An index directory (default `index/`).
#[derive(Debug, Clone)]
pub struct IndexDir {
    root: PathBuf,
}

/// An open generation.
pub struct Opened {
    /// The tantivy index, with talksearch's tokenizer registered.
    pub index: Index,
    /// Its directory name (`gen-...`).
    pub generation: String,
    /// Its talksearch metadata.
    pub meta: GenerationMeta,
}

impl Opened {
    /// A reader that changes only when told to ([`IndexReader::reload`]), so a caller decides
    /// when a new commit becomes visible.
    pub fn reader(&self) -> Result<IndexReader> {
        Ok(self.index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?)
    }
}

/// A generation being built; dropped without [`IndexDir::publish`] (a failed import), its
/// directory is removed, so that a failure on a full disk does not leave it fuller.
pub struct Staging {
    /// The tantivy index to write into.
    pub index: Index,
    /// Directory name.
    pub generation: String,
    path: PathBuf,
    published: bool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Exclusive right to write the index directory; released on drop.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}

impl IndexDir {
    /// The index directory at `root` (which need not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        IndexDir { root: root.into() }
    }

    /// The directory path.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The name of the live generation, if there is one.
    pub fn current(&self) -> Result<Option<String>> {
        let path = self.root.join(CURRENT);
        match fs::read_to_string(&path) {
            Ok(s) => {
                let name = s.trim();
                if is_generation_name(name) { Ok(Some(name.to_string())) } else { Ok(None) }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Whether an index exists here.
    pub fn exists(&self) -> bool {
        matches!(self.current(), Ok(Some(_)))
    }

    /// Opens the live generation.
    pub fn open(&self) -> Result<Opened> {
        let opened = self.open_any_version()?;
        if opened.meta.schema_version != SCHEMA_VERSION {
            return Err(Error::Stale(self.root.clone()));
        }
        Ok(opened)
    }

    /// Opens the live generation whatever version of talksearch built it: only to read an older
    /// one's stored records back ([`crate::export`]), never to search it (its analysis may
    /// differ).
    pub fn open_any_version(&self) -> Result<Opened> {
        let generation = self.current()?.ok_or_else(|| Error::NoIndex(self.root.clone()))?;
        let path = self.root.join(&generation);
        let meta_path = path.join(META);
        let meta: GenerationMeta = match fs::read(&meta_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| Error::io(&meta_path, std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?,
            Err(e) => return Err(Error::io(meta_path, e)),
        };
        // Searchable on a read-only mount too (see `readonly`).
        let index = Index::open(crate::readonly::Tolerant::open(&path)?)?;
        analysis::register(&index);
        Ok(Opened { index, generation, meta })
    }

    /// Takes the write lock, failing at once with [`Error::Busy`] if another process holds it.
    pub fn lock(&self) -> Result<WriteLock> {
        fs::create_dir_all(&self.root).map_err(|e| Error::io(&self.root, e))?;
        let path = self.root.join(LOCK);
        let file =
            File::options().create(true).truncate(false).write(true).open(&path).map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(WriteLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(Error::Busy(self.root.clone())),
            Err(fs::TryLockError::Error(e)) => Err(Error::io(path, e)),
        }
    }

    /// The bytes of tantivy's `meta.json` in `generation`: they change with every commit and
    /// merge (tantivy replaces the file atomically), so comparing them tells cheaply whether
    /// the generation changed.
    pub fn commit_marker(&self, generation: &str) -> Result<Vec<u8>> {
        let path = self.root.join(generation).join("meta.json");
        fs::read(&path).map_err(|e| Error::io(path, e))
    }

    /// Takes the write lock, waiting up to `patience` for another writer to finish, then failing
    /// with [`Error::Busy`].
    pub fn lock_within(&self, patience: Duration) -> Result<WriteLock> {
        let deadline = Instant::now() + patience;
        loop {
            match self.lock() {
                Err(Error::Busy(_)) if Instant::now() < deadline => std::thread::sleep(LOCK_POLL),
                other => return other,
            }
        }
    }

    /// Removes what a killed writer left behind: generation directories newer than the live
    /// one (under the write lock nobody is building them), temporary `CURRENT` files, and the
    /// temporary files of an atomic write (`.tmp*`) in the live generation. Segment files of an
    /// uncommitted change are tantivy's to collect, at the next commit. Failures are ignored,
    /// like [`IndexDir::publish`]'s clean-up.
    pub fn remove_orphans(&self, _lock: &WriteLock) {
        let Ok(Some(current)) = self.current() else { return };
        let Some(live) = generation_order(&current) else { return };
        for entry in fs::read_dir(self.root.join(&current)).into_iter().flatten().flatten() {
            if entry.file_name().to_string_lossy().starts_with(".tmp") {
                let _ = fs::remove_file(entry.path());
            }
        }
        let Ok(entries) = fs::read_dir(&self.root) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if generation_order(&name).is_some_and(|order| order > live) {
                let _ = fs::remove_dir_all(entry.path());
            } else if name.starts_with(&format!("{CURRENT}.tmp-")) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Creates an empty generation to build a new index in. Requires the write lock.
    pub fn stage(&self, _lock: &WriteLock, fields: &Fields) -> Result<Staging> {
        let millis = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        let generation = format!("gen-{millis}-{}", std::process::id());
        let path = self.root.join(&generation);
        fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        let create = || -> Result<Index> {
            let dir = MmapDirectory::open(&path).map_err(|e| Error::Index(e.into()))?;
            // Stored records are not compressed: a search reads ten of them, and decompressing a
            // 16 KB block for each cost more than finding them (lz4 halves the 22 MB of records of
            // the corpus; the index is read through mmap, so only the pages read are resident).
            // Blocks are small: tantivy copies a talk's whole block to read it.
            let settings = IndexSettings {
                docstore_compression: Compressor::None,
                docstore_blocksize: DOCSTORE_BLOCK_BYTES,
                docstore_compress_dedicated_thread: false,
                ..IndexSettings::default()
            };
            Ok(Index::builder().schema(fields.schema.clone()).settings(settings).open_or_create(dir)?)
        };
        // From here on a failure (a full disk) removes the directory, as dropping `Staging` does.
        let index = create().inspect_err(|_| {
            let _ = fs::remove_dir_all(&path);
        })?;
        analysis::register(&index);
        Ok(Staging { index, generation, path, published: false })
    }

    /// Makes a committed staging generation the live one, atomically, then removes generations
    /// older than the one it replaces.
    pub fn publish(&self, lock: &WriteLock, mut staging: Staging, meta: &GenerationMeta) -> Result<()> {
        let meta_path = staging.path.join(META);
        write_synced(&meta_path, &serde_json::to_vec_pretty(meta).expect("meta serialises"))?;
        sync_dir(&staging.path)?;
        let previous = self.current()?;
        let tmp = self.root.join(format!("{CURRENT}.tmp-{}", std::process::id()));
        write_synced(&tmp, format!("{}\n", staging.generation).as_bytes())?;
        let current = self.root.join(CURRENT);
        fs::rename(&tmp, &current).map_err(|e| Error::io(&current, e))?;
        staging.published = true;
        sync_dir(&self.root)?;
        self.collect_garbage(lock, &[Some(staging.generation.clone()), previous]);
        Ok(())
    }

    /// Removes generation directories other than `keep`, and stray temporary files. Failures
    /// are ignored: garbage is retried by the next writer.
    fn collect_garbage(&self, _lock: &WriteLock, keep: &[Option<String>]) {
        let Ok(entries) = fs::read_dir(&self.root) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let kept = keep.iter().flatten().any(|k| *k == name);
            if is_generation_name(&name) && !kept {
                let _ = fs::remove_dir_all(entry.path());
            } else if name.starts_with(&format!("{CURRENT}.tmp-")) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Size in bytes of the live generation's files.
    pub fn size_bytes(&self) -> Result<u64> {
        let Some(generation) = self.current()? else { return Ok(0) };
        let path = self.root.join(generation);
        let mut total = 0;
        for entry in fs::read_dir(&path).map_err(|e| Error::io(&path, e))?.flatten() {
            total += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
        Ok(total)
    }
}

/// `gen-<ms>-<pid>` as `(ms, pid)`, the order generations were created in.
fn generation_order(name: &str) -> Option<(u128, u64)> {
    let (millis, pid) = name.strip_prefix("gen-")?.split_once('-')?;
    Some((millis.parse().ok()?, pid.parse().ok()?))
}

/// What talksearch writes into each tantivy commit (its payload, kept through merges).
#[derive(Debug, Serialize, Deserialize)]
struct CommitNote {
    /// When the commit was made, in milliseconds since 1970.
    committed_at_ms: u64,
}

/// Commits `writer`, noting the time in the commit.
pub fn commit_stamped(writer: &mut IndexWriter) -> Result<()> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let note = serde_json::to_string(&CommitNote { committed_at_ms: now }).expect("a commit note serialises");
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&note);
    prepared.commit()?;
    Ok(())
}

/// When the last commit of `index` was made (milliseconds since 1970), if it says.
pub fn committed_at_ms(index: &Index) -> Result<Option<u64>> {
    let payload = index.load_metas()?.payload;
    Ok(payload.and_then(|p| serde_json::from_str::<CommitNote>(&p).ok()).map(|n| n.committed_at_ms))
}

fn is_generation_name(name: &str) -> bool {
    name.strip_prefix("gen-")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = File::create(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| Error::io(path, e))
}

fn sync_dir(path: &Path) -> Result<()> {
    // Directories can be fsynced on Unix; elsewhere this is a best effort.
    match File::open(path).and_then(|d| d.sync_all()) {
        Ok(()) => Ok(()),
        Err(e) if cfg!(unix) => Err(Error::io(path, e)),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_names_are_recognised() {
        assert!(is_generation_name("gen-1732530000000-4242"));
        assert!(!is_generation_name("gen-"));
        assert!(!is_generation_name("../etc"));
        assert!(!is_generation_name("gen-1/../../x"));
    }

    #[test]
    fn an_empty_directory_has_no_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = IndexDir::new(dir.path().join("idx"));
        assert!(!store.exists());
        assert!(matches!(store.open(), Err(Error::NoIndex(_))));
    }

    #[test]
    fn a_waiting_writer_gets_the_lock_when_it_is_released_or_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let store = IndexDir::new(dir.path());
        let held = store.lock().unwrap();
        let start = Instant::now();
        assert!(matches!(store.lock_within(Duration::from_millis(100)), Err(Error::Busy(_))));
        assert!(start.elapsed() >= Duration::from_millis(100));
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            drop(held);
        });
        assert!(store.lock_within(Duration::from_secs(10)).is_ok());
        release.join().unwrap();
    }

    #[test]
    fn orphans_are_generations_newer_than_the_live_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = IndexDir::new(dir.path());
        for name in ["gen-100-1", "gen-200-1", "gen-300-7", "gen-300-9"] {
            fs::create_dir(dir.path().join(name)).unwrap();
        }
        fs::write(dir.path().join(CURRENT), "gen-300-7\n").unwrap();
        fs::write(dir.path().join("gen-300-7/.tmpAbC123"), "half a meta.json").unwrap();
        fs::write(dir.path().join("gen-300-7/meta.json"), "{}").unwrap();
        fs::write(dir.path().join("CURRENT.tmp-42"), "gen-300-9\n").unwrap();
        let lock = store.lock().unwrap();
        store.remove_orphans(&lock);
        let mut left: Vec<String> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        left.sort();
        assert_eq!(left, [".write.lock", "CURRENT", "gen-100-1", "gen-200-1", "gen-300-7"]);
        assert_eq!(fs::read_dir(dir.path().join("gen-300-7")).unwrap().count(), 1, "only meta.json is left");
    }

    #[test]
    fn the_write_lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let store = IndexDir::new(dir.path());
        let held = store.lock().unwrap();
        assert!(matches!(store.lock(), Err(Error::Busy(_))));
        drop(held);
        assert!(store.lock().is_ok());
    }
}
