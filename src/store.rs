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
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::store::Compressor;
use tantivy::{Index, IndexSettings};

use crate::analysis;
use crate::error::{Error, Result};
use crate::schema::{Fields, SCHEMA_VERSION};

const CURRENT: &str = "CURRENT";
const LOCK: &str = ".write.lock";
const META: &str = "talksearch.json";

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

/// A generation being built; dropped without [`IndexDir::publish`], it is left for removal.
pub struct Staging {
    /// The tantivy index to write into.
    pub index: Index,
    /// Directory name.
    pub generation: String,
    path: PathBuf,
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
        let generation = self.current()?.ok_or_else(|| Error::NoIndex(self.root.clone()))?;
        let path = self.root.join(&generation);
        let meta_path = path.join(META);
        let meta: GenerationMeta = match fs::read(&meta_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| Error::io(&meta_path, std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?,
            Err(e) => return Err(Error::io(meta_path, e)),
        };
        if meta.schema_version != SCHEMA_VERSION {
            return Err(Error::Stale(self.root.clone()));
        }
        let index = Index::open_in_dir(&path)?;
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

    /// Creates an empty generation to build a new index in. Requires the write lock.
    pub fn stage(&self, _lock: &WriteLock, fields: &Fields) -> Result<Staging> {
        let millis = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        let generation = format!("gen-{millis}-{}", std::process::id());
        let path = self.root.join(&generation);
        fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        let dir = MmapDirectory::open(&path).map_err(|e| Error::Index(e.into()))?;
        // Stored records are not compressed: a search reads ten of them, and decompressing a
        // 16 KB block for each cost more than finding them (lz4 halves the 22 MB of records of
        // the corpus; the index is read through mmap, so only the pages read are resident).
        let settings = IndexSettings {
            docstore_compression: Compressor::None,
            docstore_compress_dedicated_thread: false,
            ..IndexSettings::default()
        };
        let index = Index::builder().schema(fields.schema.clone()).settings(settings).open_or_create(dir)?;
        analysis::register(&index);
        Ok(Staging { index, generation, path })
    }

    /// Makes a committed staging generation the live one, atomically, then removes generations
    /// older than the one it replaces.
    pub fn publish(&self, lock: &WriteLock, staging: Staging, meta: &GenerationMeta) -> Result<()> {
        let meta_path = staging.path.join(META);
        write_synced(&meta_path, &serde_json::to_vec_pretty(meta).expect("meta serialises"))?;
        sync_dir(&staging.path)?;
        let previous = self.current()?;
        let tmp = self.root.join(format!("{CURRENT}.tmp-{}", std::process::id()));
        write_synced(&tmp, format!("{}\n", staging.generation).as_bytes())?;
        let current = self.root.join(CURRENT);
        fs::rename(&tmp, &current).map_err(|e| Error::io(&current, e))?;
        sync_dir(&self.root)?;
        self.collect_garbage(lock, &[Some(staging.generation), previous]);
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
    fn the_write_lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let store = IndexDir::new(dir.path());
        let held = store.lock().unwrap();
        assert!(matches!(store.lock(), Err(Error::Busy(_))));
        drop(held);
        assert!(store.lock().is_ok());
    }
}
