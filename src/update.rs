//! Live updates: insert, replace and remove talks in the live index generation, in place.
//!
//! `talksearch index` builds a whole new generation; `add`, `remove` and the HTTP write API
//! change the live one with a tantivy [`IndexWriter`]: one `delete_query` for the ids of the
//! removed and the replaced talks ([`crate::ids::IdsQuery`]), `add_document` for each talk,
//! then one commit. tantivy's commit is
//! atomic (segment files first, then `meta.json` replaced by rename), so readers see all of a
//! change or none of it, and a writer killed at any moment leaves the last commit as it was.
//! Files a killed writer left are collected by the next commit.
//!
//! The write lock (`index/.write.lock`) and the tantivy writer exist only while a change is
//! written: several processes (a `serve` with a write token, a CLI `add`, a re-import) take
//! turns. A writer that finds the lock taken waits up to its patience, then fails with
//! [`Error::Busy`]. Input is read and validated before the lock is taken.
//!
//! Abstracts are indexed without the generation's boilerplate paragraphs, the list found when
//! the generation was built (stored beside it), so an added talk is indexed as if it had been
//! imported with the rest.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde::Serialize;
use tantivy::indexer::LogMergePolicy;
use tantivy::{IndexWriter, Searcher};

use crate::analysis::FoldHash;
use crate::error::{Error, Result};
use crate::ids::IdsQuery;
use crate::indexer::{PARALLEL_MIN_TALKS, buffer_bytes, indexed_abstract, indexing_threads};
use crate::schema::Fields;
use crate::store::{IndexDir, commit_stamped};
use crate::talk::Talk;

/// How long a writer waits for another one to finish, by default.
pub const LOCK_PATIENCE: Duration = Duration::from_secs(30);

/// A segment with more than this share of deleted talks is rewritten at the next commit, so
/// replaced and removed talks do not linger in the index files (and in its term statistics).
const DELETED_SHARE_BEFORE_MERGE: f32 = 0.2;

/// What a change did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Talks whose id was not in the index.
    pub added: usize,
    /// Talks that replaced one with the same id.
    pub replaced: usize,
    /// Talks removed.
    pub removed: usize,
    /// Talks in the index afterwards.
    pub talks: u64,
}

/// Inserts `talks`, replacing any talk with the same id, in one commit. Of talks with the same
/// id ([`crate::ingest::read_sources`] rejects them), the last one is kept.
pub fn upsert(dir: &IndexDir, talks: &[Talk], patience: Duration) -> Result<Applied> {
    apply(dir, talks, &[], patience)
}

/// Removes the talks with these ids, in one commit. If any id is not in the index, nothing is
/// removed and the error ([`Error::UnknownIds`]) lists them.
pub fn remove(dir: &IndexDir, ids: &[String], patience: Duration) -> Result<Applied> {
    apply(dir, &[], ids, patience)
}

fn apply(dir: &IndexDir, talks: &[Talk], removals: &[String], patience: Duration) -> Result<Applied> {
    let lock = dir.lock_within(patience)?;
    dir.remove_orphans(&lock);
    // Opened under the lock: no re-import can publish a new generation until we are done.
    let opened = dir.open()?;
    let fields = Fields::new();
    let reader = opened.reader()?;
    let before = reader.searcher();
    let mut ids: Vec<&str> = removals.iter().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    let live_removals = live(&before, &ids)?;
    let unknown: Vec<String> =
        ids.iter().zip(&live_removals).filter(|(_, live)| !**live).map(|(id, _)| id.to_string()).collect();
    if !unknown.is_empty() {
        return Err(Error::UnknownIds(unknown));
    }
    // A talk given twice: the last one wins, as if it replaced the one before.
    let last: HashMap<&str, usize> = talks.iter().enumerate().map(|(i, t)| (t.id.as_str(), i)).collect();
    let talks: Vec<&Talk> =
        talks.iter().enumerate().filter(|&(i, t)| last[t.id.as_str()] == i).map(|(_, t)| t).collect();
    let talk_ids: Vec<&str> = talks.iter().map(|t| t.id.as_str()).collect();
    let replaced = live(&before, &talk_ids)?.into_iter().filter(|&live| live).count();
    let applied = Applied { added: talks.len() - replaced, replaced, removed: ids.len(), talks: before.num_docs() };
    if talks.is_empty() && ids.is_empty() {
        return Ok(applied);
    }

    let mut boilerplate = HashSet::with_hasher(FoldHash::new());
    boilerplate.extend(opened.meta.boilerplate.iter().map(String::as_str));
    let threads = if talks.len() >= PARALLEL_MIN_TALKS { indexing_threads() } else { 1 };
    let buffers = buffer_bytes(talks.iter().copied(), threads);
    let mut writer: IndexWriter = opened.index.writer_with_num_threads(threads, buffers)?;
    let mut policy = LogMergePolicy::default();
    policy.set_del_docs_ratio_before_merge(DELETED_SHARE_BEFORE_MERGE);
    writer.set_merge_policy(Box::new(policy));
    // One delete for the removed and the replaced talks, before the new versions are added: a
    // delete applies to the documents added before it, so the new versions survive.
    let doomed: Vec<&str> = ids.iter().chain(&talk_ids).copied().collect();
    writer.delete_query(Box::new(IdsQuery::new(&doomed)))?;
    let mut record = Vec::new();
    for talk in talks {
        writer.add_document(fields.document_with(talk, &indexed_abstract(talk, &boilerplate), &mut record))?;
    }
    commit_stamped(&mut writer)?;
    // Merges the commit started finish under the lock: a short-lived writer that left them
    // would never merge, and segments would pile up.
    writer.wait_merging_threads()?;
    reader.reload()?;
    let talks = reader.searcher().num_docs();
    drop(lock);
    Ok(Applied { talks, ..applied })
}

/// Which of `ids` live (not deleted) talks have.
fn live(searcher: &Searcher, ids: &[&str]) -> Result<Vec<bool>> {
    let mut live = vec![false; ids.len()];
    for (i, _) in crate::ids::find(searcher, ids)? {
        live[i] = true;
    }
    Ok(live)
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
