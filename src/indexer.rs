//! Building an index: a fresh generation from an import, published atomically.
//!
//! Also decides which abstract paragraphs are boilerplate: a paragraph of at least
//! [`BOILERPLATE_MIN_CHARS`] characters that appears verbatim in at least
//! [`BOILERPLATE_MIN_TALKS`] abstracts (licence notices, "recorded at ..." lines) is stored and
//! shown but not indexed, so it cannot make unrelated talks match or rank.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use memchr::memmem;
use tantivy::IndexWriter;

use crate::analysis::FoldHash;
use crate::error::{Error, Result};
use crate::schema::{Fields, SCHEMA_VERSION};
use crate::store::{GenerationMeta, IndexDir};
use crate::talk::Talk;

/// Shortest paragraph that can count as boilerplate, in characters.
pub const BOILERPLATE_MIN_CHARS: usize = 40;
/// How many abstracts must carry a paragraph for it to count as boilerplate.
pub const BOILERPLATE_MIN_TALKS: usize = 20;

/// Below this many talks, boilerplate is counted (and `add` indexes) on one thread.
pub(crate) const PARALLEL_MIN_TALKS: usize = 4096;

/// Least memory for tantivy's indexing buffers, per thread.
pub(crate) const MIN_BUFFER_PER_THREAD: usize = 64 << 20;
/// Most memory for tantivy's indexing buffers, per thread.
pub(crate) const MAX_BUFFER_PER_THREAD: usize = 512 << 20;
/// Most memory for tantivy's indexing buffers, over all threads (4 threads would otherwise
/// take up to 2 GB).
pub(crate) const MAX_BUFFERS: usize = 1 << 30;

/// Memory for tantivy's indexing buffers, over all `threads`, to index `talks`: as much as their
/// text, within [`MIN_BUFFER_PER_THREAD`] and [`MAX_BUFFER_PER_THREAD`] a thread. A thread
/// writes a segment each time its buffer fills, and segments are merged as they pile up: with
/// 64 MB a thread, a million generated talks were written as many segments, merged down to 8
/// as they piled up, the merges a sixth of the build's CPU (50.9 s); with buffers as large as
/// the text (which an import holds in memory anyway), 2 segments and 38.3-41.3 s, the peak RSS
/// unchanged (2.5 GB).
pub(crate) fn buffer_bytes<'a>(talks: impl IntoIterator<Item = &'a Talk>, threads: usize) -> usize {
    buffer_for(talks.into_iter().map(|t| t.title.len() + t.r#abstract.len() + 256).sum(), threads)
}

/// [`buffer_bytes`] for `text` bytes of talks: at most [`MAX_BUFFERS`] over all threads,
/// unless the threads' minimum is more.
fn buffer_for(text: usize, threads: usize) -> usize {
    let threads = threads.max(1);
    let per_thread = (text / threads).clamp(MIN_BUFFER_PER_THREAD, MAX_BUFFER_PER_THREAD);
    (per_thread * threads).min(MAX_BUFFERS.max(MIN_BUFFER_PER_THREAD * threads))
}

/// What an index build did.
#[derive(Debug, Clone)]
pub struct BuildStats {
    /// Talks indexed.
    pub talks: usize,
    /// Paragraphs found to be boilerplate.
    pub boilerplate_paragraphs: usize,
    /// Wall time of the build (not of reading the input).
    pub elapsed: Duration,
}

/// Splits an abstract into paragraphs (blank-line separated), trimmed: what
/// `text.split("\n\n")` makes of it, found with a vectorised search (the standard library's
/// two-way search for the two bytes was most of the time an abstract took here).
pub fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    static BLANK_LINE: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("\n\n"));
    let ends = BLANK_LINE.find_iter(text.as_bytes()).chain(std::iter::once(text.len()));
    let mut start = 0;
    let split = ends.map(move |end| {
        // A match is two ASCII bytes: both of its ends are character boundaries.
        let paragraph = &text[start..end];
        start = end + 2;
        paragraph
    });
    split.map(str::trim).filter(|p| !p.is_empty())
}

/// Finds the boilerplate paragraphs of a set of talks.
pub fn find_boilerplate(talks: &[Talk]) -> Vec<String> {
    // Two halves counted on two threads: nothing else runs yet, and this is a big map.
    let (first, second) = talks.split_at(if talks.len() >= PARALLEL_MIN_TALKS { talks.len() / 2 } else { talks.len() });
    let (mut counts, more) = std::thread::scope(|scope| {
        let more = scope.spawn(|| count_paragraphs(second));
        (count_paragraphs(first), more.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    for (p, n) in more {
        *counts.entry(p).or_default() += n;
    }
    let mut found: Vec<String> =
        counts.into_iter().filter(|&(_, n)| n >= BOILERPLATE_MIN_TALKS).map(|(p, _)| p.to_string()).collect();
    found.sort();
    found
}

/// How many talks carry each paragraph that is long enough to be boilerplate.
fn count_paragraphs(talks: &[Talk]) -> HashMap<&str, usize, FoldHash> {
    let mut counts = HashMap::with_hasher(FoldHash::new());
    let mut seen = Vec::new();
    for talk in talks {
        seen.clear();
        for p in paragraphs(&talk.r#abstract) {
            // A character is at most 4 bytes: count characters only when that could matter.
            let long = p.len() >= 4 * BOILERPLATE_MIN_CHARS
                || (p.len() >= BOILERPLATE_MIN_CHARS && p.chars().count() >= BOILERPLATE_MIN_CHARS);
            if long && !seen.contains(&p) {
                seen.push(p);
                *counts.entry(p).or_default() += 1;
            }
        }
    }
    counts
}

/// The abstract text to index: the abstract less its boilerplate paragraphs.
pub fn indexed_abstract<'a, T, S>(talk: &'a Talk, boilerplate: &HashSet<T, S>) -> Cow<'a, str>
where
    T: std::borrow::Borrow<str> + std::hash::Hash + Eq,
    S: BuildHasher,
{
    if boilerplate.is_empty() || !paragraphs(&talk.r#abstract).any(|p| boilerplate.contains(p)) {
        return Cow::Borrowed(&talk.r#abstract);
    }
    let kept: Vec<&str> = paragraphs(&talk.r#abstract).filter(|p| !boilerplate.contains(p)).collect();
    Cow::Owned(kept.join("\n\n"))
}

/// Threads to index with: the cores, at most 4.
pub(crate) fn indexing_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4)
}

/// Builds a new generation from `talks` and makes it the live index at `dir`, atomically.
/// `progress` is called with the number of talks added so far.
pub fn build(dir: &IndexDir, talks: &[Talk], progress: &mut dyn FnMut(usize)) -> Result<BuildStats> {
    // tantivy's errors (a full disk, a read-only file system) are told with the index they hit.
    build_generation(dir, talks, progress).map_err(|e| match e {
        Error::Index(source) => Error::Write { path: dir.path().to_path_buf(), source },
        other => other,
    })
}

fn build_generation(dir: &IndexDir, talks: &[Talk], progress: &mut dyn FnMut(usize)) -> Result<BuildStats> {
    let start = Instant::now();
    let lock = dir.lock_within(crate::update::LOCK_PATIENCE)?;
    let fields = Fields::new();
    let staging = dir.stage(&lock, &fields)?;
    let boilerplate = find_boilerplate(talks);
    let mut boilerplate_set = HashSet::with_hasher(FoldHash::new());
    boilerplate_set.extend(boilerplate.iter().map(String::as_str));
    let threads = indexing_threads();
    let mut writer: IndexWriter = staging.index.writer_with_num_threads(threads, buffer_bytes(talks, threads))?;
    let mut record = Vec::new();
    for (i, talk) in talks.iter().enumerate() {
        let doc = fields.document_with(talk, &indexed_abstract(talk, &boilerplate_set), &mut record);
        if let Err(e) = writer.add_document(doc) {
            // An indexing thread died (a full disk, most likely) and tantivy only says so;
            // committing joins the threads and returns the error that killed it.
            return Err(writer.commit().err().unwrap_or(e).into());
        }
        if i % 1024 == 1023 {
            progress(i + 1);
        }
    }
    crate::store::commit_stamped(&mut writer)?;
    writer.wait_merging_threads()?;
    progress(talks.len());
    let meta = GenerationMeta { schema_version: SCHEMA_VERSION, boilerplate: boilerplate.clone() };
    dir.publish(&lock, staging, &meta)?;
    Ok(BuildStats { talks: talks.len(), boilerplate_paragraphs: boilerplate.len(), elapsed: start.elapsed() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn talk(id: usize, abstract_: &str) -> Talk {
        let mut t = Talk::new(format!("t{id}"), "Title");
        t.r#abstract = abstract_.to_string();
        t
    }

    #[test]
    fn repeated_long_paragraphs_are_boilerplate() {
        let notice = "This work is licensed under a Creative Commons licence, see the site.";
        let mut talks: Vec<Talk> =
            (0..BOILERPLATE_MIN_TALKS).map(|i| talk(i, &format!("Talk {i} about jit.\n\n{notice}"))).collect();
        talks.push(talk(99, "Short\n\nShort"));
        let found = find_boilerplate(&talks);
        assert_eq!(found, vec![notice.to_string()]);
        let set: HashSet<&str> = found.iter().map(String::as_str).collect();
        assert_eq!(indexed_abstract(&talks[3], &set), "Talk 3 about jit.");
        assert_eq!(indexed_abstract(&talks[BOILERPLATE_MIN_TALKS], &set), "Short\n\nShort");
    }

    #[test]
    fn paragraphs_are_what_splitting_at_blank_lines_makes() {
        let (pieces, mut seed) = (["\n", "\n\n", "\n\n\n", " ", "a", "é", "\r\n", "\t", "b c"], 5u64);
        let mut texts = vec![String::new(), "\n\n".into(), "a\n\n\nb".into(), " x \n\n\n\n y ".into()];
        for _ in 0..2000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = (seed >> 60) as usize;
            texts.push((0..len).map(|i| pieces[(seed >> (4 * i % 56)) as usize % pieces.len()]).collect());
        }
        for text in &texts {
            let split: Vec<&str> = text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect();
            assert_eq!(paragraphs(text).collect::<Vec<_>>(), split, "{text:?}");
        }
    }

    #[test]
    fn indexing_buffers_grow_with_the_text_within_bounds() {
        assert_eq!(buffer_bytes(&[talk(1, "short")], 2), 2 * MIN_BUFFER_PER_THREAD);
        assert_eq!(buffer_bytes(&[talk(1, &"x".repeat(1000))], 1), MIN_BUFFER_PER_THREAD);
        assert_eq!(buffer_for(300 << 20, 2), 300 << 20);
        assert_eq!(buffer_for(300 << 20, 1), 300 << 20);
        assert_eq!(buffer_for(3 << 30, 2), 2 * MAX_BUFFER_PER_THREAD);
        assert_eq!(buffer_for(3 << 30, 4), MAX_BUFFERS, "at most 1 GB over all threads");
        assert_eq!(buffer_for(3 << 30, 1), MAX_BUFFER_PER_THREAD);
    }

    #[test]
    fn a_paragraph_in_too_few_talks_is_not_boilerplate() {
        let notice = "This work is licensed under a Creative Commons licence, see the site.";
        let talks: Vec<Talk> = (0..BOILERPLATE_MIN_TALKS - 1).map(|i| talk(i, notice)).collect();
        assert!(find_boilerplate(&talks).is_empty());
    }
}
