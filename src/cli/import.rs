//! `talksearch import pyvideo`: download pyvideo.org's data (the pyvideo/data repository
//! archive), unpack it safely and build the index from it, replacing the index atomically as
//! `index` does.
//!
//! Everything happens under `--to DIR` (default `pyvideo-data`): the archive is downloaded to
//! `DIR/pyvideo-data.tar.gz` through a resumable `.part` file ([`crate::download`]), checked end
//! to end, unpacked ([`crate::unpack`], `.json` files only) into a new directory that then
//! replaces `DIR/tree`, and `DIR/tree/<the archive's top directory>` is indexed as a pyvideo
//! tree. An interrupted download resumes when the command is run again; an interrupted unpack
//! or index leaves the previous tree and index as they were.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::download::download;
use crate::error::{Error, Result};
use crate::ingest::{Format, ReadOptions, Source};
use crate::store::IndexDir;
use crate::unpack::{self, Limits};

/// The pyvideo/data repository's archive of its main branch.
pub const PYVIDEO_URL: &str = "https://github.com/pyvideo/data/archive/refs/heads/main.tar.gz";

/// What to import.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    source: ImportSource,
}

#[derive(Debug, Subcommand)]
enum ImportSource {
    /// Download pyvideo.org's data (the pyvideo/data repository archive), unpack it and build
    /// the index from it, replacing the existing index atomically.
    Pyvideo {
        /// The archive to download (.tar.gz of a pyvideo/data tree).
        #[arg(long, default_value = PYVIDEO_URL)]
        url: String,
        /// Directory for the download and the unpacked tree; kept, so that an interrupted
        /// download resumes from it when the command is run again.
        #[arg(long, value_name = "DIR", default_value = "pyvideo-data")]
        to: PathBuf,
        /// Index the valid talks and list the rejected ones, instead of failing.
        #[arg(long)]
        skip_invalid: bool,
    },
}

/// Runs `import`.
pub(super) fn run(dir: &IndexDir, args: ImportArgs) -> Result<()> {
    match args.source {
        ImportSource::Pyvideo { url, to, skip_invalid } => pyvideo(dir, &url, &to, skip_invalid),
    }
}

fn pyvideo(dir: &IndexDir, url: &str, to: &Path, skip_invalid: bool) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    let archive = to.join("pyvideo-data.tar.gz");
    eprintln!("downloading {url}");
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    let style = |template| {
        indicatif::ProgressStyle::with_template(template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    };
    let mut styled = false;
    let got = download(
        url,
        &archive,
        &mut |done, total| {
            if !styled {
                bar.set_style(match total {
                    Some(_) => style("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}"),
                    None => style("{spinner} {bytes} {bytes_per_sec}"),
                });
                styled = true;
            }
            if let Some(total) = total {
                bar.set_length(total);
            }
            bar.set_position(done);
        },
        &|part| unpack::verify(part, Limits::default()),
    );
    bar.finish_and_clear();
    let got = got?;
    let resumed = match got.resumed_from {
        0 => String::new(),
        n => format!(" (resumed at byte {n})"),
    };
    eprintln!("downloaded {} bytes{resumed} to {}", got.bytes, archive.display());

    let tree = to.join("tree");
    let staging = to.join(format!("tree.new-{}", std::process::id()));
    remove_leftovers(to)?;
    let unpacked = unpack::unpack_json(&archive, &staging, Limits::default()).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&staging);
    })?;
    replace_dir(&staging, &tree)?;
    eprintln!("unpacked {} files ({} bytes) into {}", unpacked.files, unpacked.bytes, tree.display());

    let root = top_dir(&tree)?;
    let opts = ReadOptions { format: Some(Format::Pyvideo), skip_invalid, map: Vec::new() };
    super::index(dir, &[Source::File(root.clone())], opts).inspect_err(|e| {
        if let Error::Invalid(_) = e {
            eprintln!(
                "hint: the tree is unpacked; to index its valid talks, run: talksearch index --skip-invalid {}",
                root.display()
            );
        }
    })
}

/// Staging and old trees of an earlier run that was killed.
fn remove_leftovers(to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(to).map_err(|e| Error::io(to, e))? {
        let path = entry.map_err(|e| Error::io(to, e))?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if (name.starts_with("tree.new-") || name.starts_with("tree.old-")) && path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// Puts `new` where `current` is, moving the old one aside first and deleting it after.
fn replace_dir(new: &Path, current: &Path) -> Result<()> {
    let old = current.with_file_name(format!("tree.old-{}", std::process::id()));
    let had_old = current.exists();
    if had_old {
        std::fs::rename(current, &old).map_err(|e| Error::io(current, e))?;
    }
    std::fs::rename(new, current).map_err(|e| Error::io(current, e))?;
    if had_old {
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    }
    Ok(())
}

/// The one directory a repository archive holds (`data-main/`), or the tree itself.
fn top_dir(tree: &Path) -> Result<PathBuf> {
    let entries: Vec<PathBuf> = std::fs::read_dir(tree)
        .map_err(|e| Error::io(tree, e))?
        .map(|entry| entry.map(|e| e.path()).map_err(|e| Error::io(tree, e)))
        .collect::<Result<_>>()?;
    match entries.as_slice() {
        [only] if only.is_dir() => Ok(only.clone()),
        _ => Ok(tree.to_path_buf()),
    }
}
