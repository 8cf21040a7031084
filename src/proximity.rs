//! Proximity as a rescore of the best hits, as Elasticsearch's `rescore` does with a phrase
//! query: the talks that rank highest on their words alone (the first [`WINDOW`]) get the score
//! of the near queries they match added ([`crate::plan`] makes
//! one per pair of neighbouring query words: both words within a few words of each other in the
//! title or the abstract), and are sorted again.
//!
//! Proximity is a bonus among talks that already match the words well; asking every match
//! whether its words are near each other (a clause of the main query) cost the most on the
//! queries with a very common word, the slowest ones (`python library`: ten thousand matches,
//! each checked by a positional phrase). The talks past the window keep their order after it;
//! a bonus is never negative, so none of them can pass a talk in the window.

use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, DocSet, Searcher, SeekDangerResult, TERMINATED};

use crate::error::Result;

/// How many of the best talks on words alone are rescored with proximity.
pub const WINDOW: usize = 100;

/// Adds each of `near`'s scores to the first [`WINDOW`] talks of `hits` it matches (scored with
/// `statistics`), and sorts those again, best first, ties by address; the rest stay after them
/// as they are, so every page of a query is cut from the same order. `hits` must be best first.
pub fn rescore(
    searcher: &Searcher,
    statistics: &dyn tantivy::query::Bm25StatisticsProvider,
    near: &[Box<dyn Query>],
    hits: &mut [(f32, DocAddress)],
) -> Result<()> {
    let window = hits.len().min(WINDOW);
    let hits = &mut hits[..window];
    if near.is_empty() || hits.is_empty() {
        return Ok(());
    }
    let addresses: Vec<DocAddress> = hits.iter().map(|h| h.1).collect();
    let mut order: Vec<usize> = (0..hits.len()).collect();
    order.sort_by_key(|&i| addresses[i]);
    let scoring = EnableScoring::enabled_from_statistics_provider(statistics, searcher);
    for query in near {
        let weight = query.weight(scoring)?;
        for group in order.chunk_by(|&a, &b| addresses[a].segment_ord == addresses[b].segment_ord) {
            let segment = searcher.segment_reader(addresses[group[0]].segment_ord);
            let mut scorer = weight.scorer(segment, 1.0)?;
            // `seek_danger` only says whether a talk matches; `seek` would look for the next
            // match, through every talk with both words. `bound`: no talk below it matches;
            // `at`: the talk the scorer is on, if it is on one.
            let (mut bound, mut at) = (scorer.doc(), Some(scorer.doc()));
            for &i in group {
                let doc = addresses[i].doc_id;
                if doc < bound || bound == TERMINATED {
                    continue;
                }
                if at != Some(doc) {
                    match scorer.seek_danger(doc) {
                        SeekDangerResult::Found => at = Some(doc),
                        SeekDangerResult::SeekLowerBound(lower) => {
                            (bound, at) = (lower, None);
                            continue;
                        }
                    }
                }
                hits[i].0 += scorer.score();
            }
        }
    }
    hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use tantivy::Term;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, PhraseQuery};

    use super::*;
    use crate::schema::Fields;

    /// An in-memory index of talks with these titles, one segment per batch.
    fn index_of(batches: &[&[&str]]) -> (Fields, Searcher) {
        let fields = Fields::new();
        let index = tantivy::Index::create_in_ram(fields.schema.clone());
        crate::analysis::register(&index);
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        for (b, batch) in batches.iter().enumerate() {
            for (i, title) in batch.iter().enumerate() {
                writer.add_document(fields.document(&crate::Talk::new(format!("t{b}-{i}"), *title), "")).unwrap();
            }
            writer.commit().unwrap();
        }
        (fields, index.reader().unwrap().searcher())
    }

    fn near(fields: &Fields, a: &str, b: &str) -> Box<dyn Query> {
        let terms = vec![(0, Term::from_field_text(fields.title, a)), (1, Term::from_field_text(fields.title, b))];
        Box::new(PhraseQuery::new_with_offset_and_slop(terms, 2))
    }

    /// The rescored window ranks as the query with proximity as a clause would, scores included.
    #[test]
    fn rescoring_the_window_equals_the_clause_within_it() {
        let titles: &[&[&str]] = &[
            &["python library", "library of python", "python and a library", "python"],
            &["library, python", "python web framework library", "a python library", "library"],
        ];
        let (fields, searcher) = index_of(titles);
        let words = |w: &str| -> Box<dyn Query> {
            Box::new(tantivy::query::TermQuery::new(
                Term::from_field_text(fields.title, w),
                tantivy::schema::IndexRecordOption::WithFreqs,
            ))
        };
        let base: Box<dyn Query> =
            Box::new(BooleanQuery::new(vec![(Occur::Should, words("python")), (Occur::Should, words("library"))]));
        let with_clause = BooleanQuery::new(vec![
            (Occur::Should, words("python")),
            (Occur::Should, words("library")),
            (Occur::Should, near(&fields, "python", "library")),
        ]);
        let top = TopDocs::with_limit(20).order_by_score();
        let mut hits = searcher.search(&base, &top).unwrap();
        assert_eq!(hits.len(), 8);
        let before: Vec<DocAddress> = hits.iter().map(|h| h.1).collect();
        rescore(&searcher, &searcher, &[near(&fields, "python", "library")], &mut hits).unwrap();
        let mut expected = searcher.search(&with_clause, &top).unwrap();
        expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(hits.iter().map(|h| h.1).collect::<Vec<_>>(), expected.iter().map(|h| h.1).collect::<Vec<_>>());
        for (got, want) in hits.iter().zip(&expected) {
            assert!((got.0 - want.0).abs() <= 1e-5 * want.0, "{got:?} vs {want:?}");
        }
        assert_ne!(before, hits.iter().map(|h| h.1).collect::<Vec<_>>(), "proximity changed the order");
    }

    /// Only the first [`WINDOW`] talks are rescored; the others keep their place after them.
    #[test]
    fn past_the_window_nothing_changes() {
        let (fields, searcher) = index_of(&[&["python library", "python library tools"]]);
        let q = near(&fields, "python", "library");
        let mut hits: Vec<(f32, DocAddress)> =
            (0..WINDOW as u32 + 2).map(|i| (1000.0 - i as f32, DocAddress::new(0, i % 2))).collect();
        let before = hits.clone();
        rescore(&searcher, &searcher, &[q], &mut hits).unwrap();
        assert_eq!(hits[WINDOW..], before[WINDOW..]);
        let sum = |h: &[(f32, DocAddress)]| h.iter().map(|h| h.0).sum::<f32>();
        assert!(sum(&hits[..WINDOW]) > sum(&before[..WINDOW]), "the window got its bonus");
        assert!(hits[..WINDOW].iter().all(|h| h.0 >= hits[WINDOW].0), "and stays ahead of the rest");
    }

    /// No talks is nothing to do; a single talk that matches gets its bonus.
    #[test]
    fn an_empty_list_and_a_single_talk() {
        let (fields, searcher) = index_of(&[&["python library", "python library tools"]]);
        let q = near(&fields, "python", "library");
        let mut none: Vec<(f32, DocAddress)> = Vec::new();
        rescore(&searcher, &searcher, std::slice::from_ref(&q), &mut none).unwrap();
        let mut one = vec![(1.0, DocAddress::new(0, 1))];
        rescore(&searcher, &searcher, &[q], &mut one).unwrap();
        assert!(one[0].0 > 1.0, "the talk in the window gets its bonus");
        let all =
            searcher.search(&near(&fields, "python", "library"), &TopDocs::with_limit(5).order_by_score()).unwrap();
        assert_eq!(all.len(), 2, "both talks match: only the one given was rescored");
    }
}
