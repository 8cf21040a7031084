//! Safe unpacking of `.tar.gz` archives (a repository archive from a forge), for
//! `talksearch import`.
//!
//! Only what the importer reads is written: regular files whose name ends in `.json`.
//! Directories are made as needed; symbolic and hard links, devices and the rest are skipped.
//! An entry whose path is absolute or climbs with `..` makes the whole archive refused, as do
//! more than [`Limits::max_entries`] entries, a file over [`Limits::max_file_bytes`] or, in all,
//! over [`Limits::max_total_bytes`]. [`verify`] reads the archive to its end (which checks the
//! gzip CRC and length) without writing anything; [`unpack_json`] unpacks into a new directory.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Component, Path, PathBuf};

use flate2::read::GzDecoder;

use crate::error::{Error, Result};

/// Bounds on what an archive may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Entries of any kind.
    pub max_entries: usize,
    /// Unpacked size of one file.
    pub max_file_bytes: u64,
    /// Unpacked size of all the files written.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    /// Ample for pyvideo/data (about 25,000 small files, under 200 MB unpacked).
    fn default() -> Self {
        Limits { max_entries: 500_000, max_file_bytes: 64 << 20, max_total_bytes: 4 << 30 }
    }
}

/// What [`unpack_json`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unpacked {
    /// Files written.
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
}

/// Reads the whole archive, checking structure, paths, limits and the gzip checksum.
pub fn verify(archive: &Path, limits: Limits) -> Result<()> {
    walk(archive, limits, &mut |_, entry| {
        io::copy(entry, &mut io::sink())?;
        Ok(())
    })
    .map(|_| ())
}

/// Unpacks the `.json` files of `archive` into `into`, which must not exist yet.
pub fn unpack_json(archive: &Path, into: &Path, limits: Limits) -> Result<Unpacked> {
    std::fs::create_dir(into).map_err(|e| Error::io(into, e))?;
    walk(archive, limits, &mut |relative, entry| {
        let path = into.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut file = File::create_new(&path)?;
        io::copy(entry, &mut file)?;
        Ok(())
    })
}

/// Visits every `.json` regular file of the archive with its checked relative path, after
/// checking every entry; then reads the gzip stream to its end.
fn walk(
    archive: &Path,
    limits: Limits,
    visit: &mut dyn FnMut(&Path, &mut dyn Read) -> io::Result<()>,
) -> Result<Unpacked> {
    let refuse = |message: String| Error::Archive { path: archive.to_path_buf(), message };
    let corrupt = |e: io::Error| refuse(format!("not a readable .tar.gz archive: {e}"));
    let file = File::open(archive).map_err(|e| Error::io(archive, e))?;
    let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
    let mut done = Unpacked::default();
    let mut entries_seen = 0usize;
    for entry in tar.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        entries_seen += 1;
        if entries_seen > limits.max_entries {
            return Err(refuse(format!("more than {} entries: refused", limits.max_entries)));
        }
        let raw = entry.path().map_err(corrupt)?.into_owned();
        let relative = safe_relative(&raw).ok_or_else(|| {
            refuse(format!("entry {:?} would be written outside the target directory: refused", raw.display()))
        })?;
        if relative.as_os_str().is_empty() {
            continue; // `./`
        }
        let is_json = relative.extension().is_some_and(|e| e == "json");
        if entry.header().entry_type() != tar::EntryType::Regular || !is_json {
            continue;
        }
        let size = entry.header().size().map_err(corrupt)?;
        if size > limits.max_file_bytes {
            return Err(refuse(format!(
                "{} is {size} bytes, over the limit of {} per file: refused",
                relative.display(),
                limits.max_file_bytes
            )));
        }
        done.bytes += size;
        if done.bytes > limits.max_total_bytes {
            return Err(refuse(format!(
                "its .json files unpack to more than {} bytes: refused",
                limits.max_total_bytes
            )));
        }
        let mut bounded = (&mut entry).take(size);
        visit(&relative, &mut bounded).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => refuse(format!("{} appears twice: refused", relative.display())),
            _ => refuse(format!("cannot unpack {}: {e}", relative.display())),
        })?;
        done.files += 1;
    }
    // The gzip checksum is only checked at the end of the stream.
    io::copy(&mut tar.into_inner(), &mut io::sink()).map_err(corrupt)?;
    Ok(done)
}

/// `path` if it stays inside the directory it is unpacked into (relative, no `..`); empty for `.`.
fn safe_relative(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
#[path = "unpack_tests.rs"]
mod tests;
