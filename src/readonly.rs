//! Searching an index on a read-only file system.
//!
//! tantivy's reader takes `.tantivy-meta.lock` (a file it creates and deletes) while it opens
//! segments, so that a writer's garbage collection cannot delete them meanwhile. On a read-only
//! mount that file cannot be created and every search would fail; but there nobody can write
//! or delete either, so the lock protects nothing. [`Tolerant`] is tantivy's `MmapDirectory`
//! that, only for that lock and only when the file system is read-only, goes on without it.

use std::io;
use std::path::Path;
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, META_LOCK, MmapDirectory, WatchCallback, WatchHandle, WritePtr,
};

/// An `MmapDirectory` that can be searched on a read-only mount.
#[derive(Debug, Clone)]
pub struct Tolerant(MmapDirectory);

impl Tolerant {
    /// Opens the directory at `path`.
    pub fn open(path: &Path) -> tantivy::Result<Tolerant> {
        Ok(Tolerant(MmapDirectory::open(path).map_err(tantivy::TantivyError::from)?))
    }
}

impl Directory for Tolerant {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.0.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.0.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.0.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.0.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.0.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.0.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.0.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        match self.0.acquire_lock(lock) {
            Err(LockError::IoError(e))
                if e.kind() == io::ErrorKind::ReadOnlyFilesystem && lock.filepath == META_LOCK.filepath =>
            {
                Ok(DirectoryLock::from(Box::new(())))
            }
            other => other,
        }
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.0.watch(watch_callback)
    }
}
