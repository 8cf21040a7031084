//! Talk ids: finding talks by id, and deleting them.
//!
//! The `id` field is a fast (columnar) string field, not an indexed one: each segment keeps its
//! ids in a sorted dictionary (an sstable) and each document the ordinal of its id. An indexed
//! id put 21,713 long unique slugs into a term dictionary FST, 8.5% of the corpus index build's
//! instructions; the column costs 2%. An id is found by its ordinal in each segment's dictionary
//! and then by a scan of the segment's ordinals (`talksearch show` on a 1,000,000-talk index
//! takes 17 ms, starting the process and opening the index included); a batch of more than
//! [`RANGE_SCANS_MAX`] ids takes one pass over each segment's documents.

use std::sync::Arc;

use tantivy::BitSet;
use tantivy::columnar::StrColumn;
use tantivy::query::{BitSetDocSet, ConstScorer, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentReader};

/// Name of the id field.
pub const FIELD: &str = "id";

/// Batches of up to this many ids are found with one ranged scan of the ordinals each; larger
/// ones with a single pass over the documents.
const RANGE_SCANS_MAX: usize = 8;

/// The documents of `segment` (deleted ones too) whose id is one of `ids`, in document order,
/// each with the index in `ids` of its id.
pub(crate) fn docs_of<S: AsRef<str>>(segment: &SegmentReader, ids: &[S]) -> tantivy::Result<Vec<(DocId, usize)>> {
    let Some(column) = segment.fast_fields().str(FIELD)? else { return Ok(Vec::new()) };
    let mut ords = ordinals(&column, ids)?;
    let mut found = Vec::new();
    if ords.is_empty() {
        return Ok(found);
    }
    let max_doc = segment.max_doc();
    if ords.len() <= RANGE_SCANS_MAX {
        let mut docs = Vec::new();
        for &(ord, i) in &ords {
            docs.clear();
            column.ords().get_docids_for_value_range(ord..=ord, 0..max_doc, &mut docs);
            found.extend(docs.iter().map(|&doc| (doc, i)));
        }
        found.sort_unstable();
    } else {
        ords.sort_unstable();
        for doc in 0..max_doc {
            let Some(ord) = column.ords().first(doc) else { continue };
            if let Ok(at) = ords.binary_search_by_key(&ord, |&(o, _)| o) {
                found.push((doc, ords[at].1));
            }
        }
    }
    Ok(found)
}

/// (ordinal in the column's dictionary, index in `ids`) of the ids the column has.
fn ordinals<S: AsRef<str>>(column: &StrColumn, ids: &[S]) -> std::io::Result<Vec<(u64, usize)>> {
    let mut ords = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if let Some(ord) = column.dictionary().term_ord(id.as_ref().as_bytes())? {
            ords.push((ord, i));
        }
    }
    Ok(ords)
}

/// The live talks whose id is one of `ids`: (index in `ids`, address), by address.
pub(crate) fn find<S: AsRef<str>>(searcher: &Searcher, ids: &[S]) -> tantivy::Result<Vec<(usize, DocAddress)>> {
    let mut found = Vec::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let alive = segment.alive_bitset();
        for (doc, i) in docs_of(segment, ids)? {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                found.push((i, DocAddress::new(ord as u32, doc)));
            }
        }
    }
    Ok(found)
}

/// A query matching the talks with any of these ids: what [`tantivy::IndexWriter::delete_query`]
/// takes to delete them (a term could only name an indexed id).
#[derive(Debug, Clone)]
pub struct IdsQuery {
    ids: Arc<[String]>,
}

impl IdsQuery {
    /// The query for `ids`.
    pub fn new<S: AsRef<str>>(ids: &[S]) -> IdsQuery {
        let mut ids: Vec<String> = ids.iter().map(|id| id.as_ref().to_string()).collect();
        // Sorted: dictionary lookups in order touch each block once.
        ids.sort_unstable();
        ids.dedup();
        IdsQuery { ids: ids.into() }
    }
}

impl Query for IdsQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(IdsWeight { ids: Arc::clone(&self.ids) }))
    }
}

struct IdsWeight {
    ids: Arc<[String]>,
}

impl Weight for IdsWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let docs = docs_of(reader, &self.ids)?;
        if docs.is_empty() {
            return Ok(Box::new(EmptyScorer));
        }
        let mut set = BitSet::with_max_value(reader.max_doc());
        for &(doc, _) in &docs {
            set.insert(doc);
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(set), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let found = docs_of(reader, &self.ids)?.iter().any(|&(d, _)| d == doc);
        if !found {
            return Err(tantivy::TantivyError::InvalidArgument(format!("document {doc} has none of the ids")));
        }
        Ok(Explanation::new("one of the ids", 1.0))
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::Count;
    use tantivy::{Index, IndexWriter};

    use super::*;
    use crate::schema::Fields;
    use crate::talk::Talk;

    /// An index of talks `t0`..`t{n-1}` in segments cut every `cut` talks, less `deleted`.
    fn searcher(n: usize, cut: usize, deleted: &[&str]) -> Searcher {
        let fields = Fields::new();
        let index = Index::create_in_ram(fields.schema.clone());
        crate::analysis::register(&index);
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..n {
            writer.add_document(fields.document(&Talk::new(format!("t{i}"), "T"), "")).unwrap();
            if i % cut == cut - 1 {
                writer.commit().unwrap();
            }
        }
        writer.delete_query(Box::new(IdsQuery::new(deleted))).unwrap();
        writer.commit().unwrap();
        index.reader().unwrap().searcher()
    }

    fn id_at(searcher: &Searcher, address: DocAddress) -> String {
        crate::records::Records::new(Fields::new().record).talk(searcher, address).unwrap().id
    }

    #[test]
    fn ids_are_found_in_every_segment_one_at_a_time_or_in_batches() {
        let searcher = searcher(50, 7, &["t3", "t40", "nope"]);
        assert!(searcher.segment_readers().len() > 5);
        assert_eq!(searcher.num_docs(), 48);
        for i in 0..50 {
            let id = format!("t{i}");
            let found = find(&searcher, &[&id]).unwrap();
            if i == 3 || i == 40 {
                assert!(found.is_empty(), "{id} was deleted");
            } else {
                assert_eq!(found.len(), 1, "{id}");
                assert_eq!(id_at(&searcher, found[0].1), id);
            }
        }
        // Batches larger than RANGE_SCANS_MAX take the other path: the same answers.
        let batch: Vec<String> = (0..60).rev().map(|i| format!("t{i}")).collect();
        assert!(batch.len() > RANGE_SCANS_MAX);
        let found = find(&searcher, &batch).unwrap();
        assert_eq!(found.len(), 48);
        for (i, address) in found {
            assert_eq!(id_at(&searcher, address), batch[i]);
        }
        for small in [&batch[..RANGE_SCANS_MAX], &batch[..RANGE_SCANS_MAX + 1]] {
            let mut one_by_one: Vec<_> =
                small.iter().flat_map(|id| find(&searcher, &[id]).unwrap()).map(|f| f.1).collect();
            let mut together: Vec<_> = find(&searcher, small).unwrap().into_iter().map(|f| f.1).collect();
            one_by_one.sort();
            together.sort();
            assert_eq!(together, one_by_one);
        }
        assert!(find(&searcher, &["t", "t1 ", "T1", ""]).unwrap().is_empty(), "only exact ids");
    }

    #[test]
    fn the_ids_query_matches_exactly_its_ids() {
        let searcher = searcher(30, 4, &[]);
        let count = |ids: &[&str]| searcher.search(&IdsQuery::new(ids), &Count).unwrap();
        assert_eq!(count(&["t0", "t29", "t29", "t7", "missing"]), 3);
        assert_eq!(count(&[]), 0);
        let many: Vec<String> = (0..30).map(|i| format!("t{i}")).collect();
        assert_eq!(count(&many.iter().map(String::as_str).collect::<Vec<_>>()), 30);
    }
}
