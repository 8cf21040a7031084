//! Exclusions (`-word`, `-"a phrase"`) that never seek backwards.
//!
//! tantivy 0.27 asks the scorer of a `MustNot` clause whether it contains each candidate talk
//! (`seek_danger(doc)`), in increasing order, but the first candidate can come before the
//! exclusion's own first match. A phrase scorer asserts that a seek never goes back (tantivy
//! issue #2811), so `-"no such phrase"` panicked in debug builds (a 500 from the server, found
//! by the property tests). [`forward_only`] wraps an exclusion so that a talk before the scorer's
//! current one is answered from what the scorer already knows (it is not a match: the scorer
//! passed it) and only later talks reach the scorer.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{COLLECT_BLOCK_BUFFER_LEN, DocId, DocSet, Score, SeekDangerResult, SegmentReader, Term};

/// `query`, as a scorer that ignores backward seeks.
pub fn forward_only(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ForwardOnly(query))
}

#[derive(Debug)]
struct ForwardOnly(Box<dyn Query>);

impl Clone for ForwardOnly {
    fn clone(&self) -> Self {
        ForwardOnly(self.0.box_clone())
    }
}

impl Query for ForwardOnly {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ForwardOnlyWeight(self.0.weight(scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ForwardOnlyWeight(Box<dyn Weight>);

impl Weight for ForwardOnlyWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ForwardOnlyScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ForwardOnlyScorer(Box<dyn Scorer>);

impl DocSet for ForwardOnlyScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let doc = self.0.doc();
        if target <= doc { doc } else { self.0.seek(target) }
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        let doc = self.0.doc();
        if target < doc { SeekDangerResult::SeekLowerBound(doc) } else { self.0.seek_danger(target) }
    }

    fn fill_buffer(&mut self, buffer: &mut [DocId; COLLECT_BLOCK_BUFFER_LEN]) -> usize {
        self.0.fill_buffer(buffer)
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }

    fn cost(&self) -> u64 {
        self.0.cost()
    }
}

impl Scorer for ForwardOnlyScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::DocSetCollector;
    use tantivy::query::{AllQuery, BooleanQuery, Occur, PhraseQuery};

    use super::*;

    /// Talks matching everything but `phrase`, with the exclusion wrapped or not.
    fn excluding(searcher: &tantivy::Searcher, title: tantivy::schema::Field, phrase: &[&str], wrapped: bool) -> usize {
        let terms = phrase.iter().map(|w| Term::from_field_text(title, w)).collect();
        let phrase: Box<dyn Query> = Box::new(PhraseQuery::new(terms));
        let exclusion = if wrapped { forward_only(phrase) } else { phrase };
        let query = BooleanQuery::new(vec![(Occur::Must, Box::new(AllQuery)), (Occur::MustNot, exclusion)]);
        searcher.search(&query, &DocSetCollector).unwrap().len()
    }

    #[test]
    fn an_exclusion_whose_first_match_comes_late_keeps_every_other_talk() {
        let mut ram = crate::vocabulary::testing::RamIndex::new();
        for (id, title) in [("a", "fast code"), ("b", "just in time"), ("c", "slow code"), ("d", "in time")] {
            ram.add(id, title, "");
        }
        let searcher = ram.commit();
        let title = ram.fields.title;
        assert_eq!(excluding(&searcher, title, &["in", "time"], true), 2, "b and d are excluded");
        assert_eq!(excluding(&searcher, title, &["code", "in"], true), 4, "no talk has the phrase");
        assert_eq!(excluding(&searcher, title, &["slow", "code"], true), 3);
        // The unwrapped phrase scorer is asked about talk 0 while it stands on talk 1 (its first
        // match), or on its end: tantivy's debug assertion fires.
        if cfg!(debug_assertions) {
            let unwrapped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                excluding(&searcher, title, &["in", "time"], false)
            }));
            assert!(unwrapped.is_err(), "tantivy no longer asserts: the wrapper may be unneeded");
        }
    }
}
