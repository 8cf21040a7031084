//! [`Disjunction`]: a few optional clauses combined by dis-max or by sum, their scorers merged
//! document by document.
//!
//! tantivy's union (behind a `BooleanQuery` of optional clauses and a `DisjunctionMaxQuery`)
//! fills a window of 4,096 documents at a time; setting one up per segment allocates and copies
//! a 32 KB buffer. A compound word's or a synonym's phrase is such a union over the five fields
//! (and a compound's whole token beside its phrase, another per field), in a few talks each:
//! the buffers were the largest caller of `memcpy` in a search-box query (1.75% of its
//! instructions). Merging the few scorers directly finds the same documents with the same
//! scores, to the bit: a document's clause scores are combined in clause order, starting from
//! zero, as tantivy's `SumCombiner` and `DisjunctionMaxCombiner` do.
//!
//! One difference remains: tantivy adds the scores of three or more required clauses in the
//! order of their cost estimates, and its union's estimate counts only the clauses left after
//! its first window of documents, which this one cannot know without reading ahead (it counts
//! every clause not exhausted). So where such a disjunction is one of three or more required
//! clauses (two quoted phrases and a third; a phrase under two filters), a talk's score may
//! differ from tantivy's union's in its last bit.

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// Optional clauses: a document matches if any matches, and scores their sum (`None`) or their
/// dis-max (`Some(tie_breaker)`: the best plus the others times the tie breaker).
#[derive(Debug)]
pub struct Disjunction {
    clauses: Vec<Box<dyn Query>>,
    tie_breaker: Option<Score>,
}

impl Disjunction {
    /// The disjunction of `clauses`, summed (`None`) or by dis-max.
    pub fn new(clauses: Vec<Box<dyn Query>>, tie_breaker: Option<Score>) -> Disjunction {
        Disjunction { clauses, tie_breaker }
    }
}

impl Clone for Disjunction {
    fn clone(&self) -> Disjunction {
        Disjunction { clauses: self.clauses.iter().map(|q| q.box_clone()).collect(), tie_breaker: self.tie_breaker }
    }
}

impl Query for Disjunction {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self.clauses.iter().map(|q| q.weight(enable_scoring)).collect::<tantivy::Result<_>>()?;
        Ok(Box::new(DisjunctionWeight { weights, tie_breaker: self.tie_breaker }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.clauses.iter().for_each(|q| q.query_terms(visitor));
    }
}

struct DisjunctionWeight {
    weights: Vec<Box<dyn Weight>>,
    tie_breaker: Option<Score>,
}

impl Weight for DisjunctionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        for weight in &self.weights {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                scorers.push(scorer);
            }
        }
        // One clause scores alone as it would combined (`0 + s`; `s + (s - s) * tie`).
        Ok(match scorers.len() {
            0 => Box::new(EmptyScorer),
            1 => scorers.pop().unwrap_or_else(|| Box::new(EmptyScorer)),
            _ => {
                let doc = scorers.iter().map(|s| s.doc()).min().unwrap_or(TERMINATED);
                Box::new(DisjunctionScorer { scorers, doc, tie_breaker: self.tie_breaker })
            }
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!("document {doc} does not match")));
        }
        let how = if self.tie_breaker.is_some() { "dis-max of the clauses" } else { "sum of the clauses" };
        Ok(Explanation::new(how, scorer.score()))
    }
}

/// Two or more scorers merged: `doc` is the least of theirs.
struct DisjunctionScorer {
    scorers: Vec<Box<dyn Scorer>>,
    doc: DocId,
    tie_breaker: Option<Score>,
}

impl DisjunctionScorer {
    fn least(&self) -> DocId {
        self.scorers.iter().map(|s| s.doc()).min().unwrap_or(TERMINATED)
    }
}

impl DocSet for DisjunctionScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        for scorer in &mut self.scorers {
            if scorer.doc() == self.doc {
                scorer.advance();
            }
        }
        self.doc = self.least();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target <= self.doc {
            return self.doc;
        }
        for scorer in &mut self.scorers {
            if scorer.doc() < target {
                scorer.seek(target);
            }
        }
        self.doc = self.least();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers.iter().map(|s| s.size_hint()).max().unwrap_or(0)
    }

    /// The cost of driving every clause not yet exhausted, as tantivy's union estimates it
    /// (an intersection drives its cheapest clause first).
    fn cost(&self) -> u64 {
        self.scorers.iter().filter(|s| s.doc() != TERMINATED).map(|s| s.cost()).sum()
    }
}

impl Scorer for DisjunctionScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        if doc == TERMINATED {
            return 0.0;
        }
        let (mut max, mut sum): (Score, Score) = (0.0, 0.0);
        for scorer in self.scorers.iter_mut().filter(|s| s.doc() == doc) {
            let score = scorer.score();
            max = Score::max(score, max);
            sum += score;
        }
        match self.tie_breaker {
            Some(tie) => max + (sum - max) * tie,
            None => sum,
        }
    }
}

#[cfg(test)]
mod tests {
    use tantivy::Term;
    use tantivy::collector::Count;
    use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;

    use super::Disjunction;
    use crate::schema::Fields;
    use crate::talk::Talk;
    use crate::words::tests::{all, segmented};

    #[test]
    fn finds_and_scores_as_tantivys_unions_do() {
        let fields = Fields::new();
        let words = ["machine learning", "open-source", "learning machines", "open source", "deep learning"];
        let talks: Vec<Talk> = (0..240usize)
            .map(|i| {
                let pick = |k: usize| words[(i * k + k) % words.len()];
                let mut talk = Talk::new(format!("t/{i}"), format!("{} with {}", pick(3), pick(5)));
                talk.r#abstract = (0..i % 9).map(|k| pick(k + 2)).collect::<Vec<_>>().join(", ");
                talk.tags = vec![pick(7).to_string()];
                talk
            })
            .collect();
        let searcher = segmented(&fields, &talks, &[59, 159], "t/7");
        let text = [fields.title, fields.r#abstract, fields.tags];
        let phrase = |f, a: &str, b: &str, boost| -> Box<dyn Query> {
            let terms = vec![Term::from_field_text(f, a), Term::from_field_text(f, b)];
            Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), boost))
        };
        let term = |f, t: &str, boost| -> Box<dyn Query> {
            let q = TermQuery::new(Term::from_field_text(f, t), IndexRecordOption::WithFreqs);
            Box::new(BoostQuery::new(Box::new(q), boost))
        };
        // A compound per field: its whole token or its parts as a phrase, summed; the fields by
        // dis-max. And a phrase over the fields, one of them matching nothing.
        let compound = |ours: bool| -> Box<dyn Query> {
            let per_field: Vec<Box<dyn Query>> = text
                .iter()
                .zip([1.5, 1.0, 2.0])
                .map(|(&f, w)| {
                    let alternatives = vec![term(f, "open-source", w), phrase(f, "open", "source", w)];
                    match ours {
                        true => Box::new(Disjunction::new(alternatives, None)) as Box<dyn Query>,
                        false => {
                            Box::new(BooleanQuery::new(alternatives.into_iter().map(|q| (Occur::Should, q)).collect()))
                        }
                    }
                })
                .collect();
            match ours {
                true => Box::new(Disjunction::new(per_field, Some(0.6))),
                false => Box::new(DisjunctionMaxQuery::with_tie_breaker(per_field, 0.6)),
            }
        };
        let phrases = |ours: bool| -> Box<dyn Query> {
            let per_field: Vec<Box<dyn Query>> = text
                .iter()
                .map(|&f| phrase(f, "machine", "learning", 1.3))
                .chain([phrase(fields.event, "machine", "learning", 1.0)])
                .collect();
            match ours {
                true => Box::new(Disjunction::new(per_field, Some(0.6))),
                false => Box::new(DisjunctionMaxQuery::with_tie_breaker(per_field, 0.6)),
            }
        };
        for (name, q) in [("compound", &compound as &dyn Fn(bool) -> Box<dyn Query>), ("phrases", &phrases)] {
            let found = all(&searcher, q(true).as_ref());
            assert!(found.len() > 20, "{name}: {}", found.len());
            assert_eq!(found, all(&searcher, q(false).as_ref()), "{name}: the same documents, the same scores");
            assert_eq!(searcher.search(q(true).as_ref(), &Count).unwrap(), found.len(), "{name}: deleted left out");
            // Required beside another clause (an intersection seeks in it), and optional in a union.
            let with = |x: Box<dyn Query>| {
                BooleanQuery::new(vec![(Occur::Must, x), (Occur::Must, term(fields.r#abstract, "learning", 1.0))])
            };
            let required = all(&searcher, &with(q(true)));
            assert!(!required.is_empty() && required.len() < found.len(), "{name}: {}", required.len());
            assert_eq!(required, all(&searcher, &with(q(false))), "{name} required");
            let beside =
                |x: Box<dyn Query>| BooleanQuery::new(vec![(Occur::Should, x), (Occur::Should, compound(false))]);
            assert_eq!(all(&searcher, &beside(q(true))), all(&searcher, &beside(q(false))), "{name} optional");
        }
        // Seeking lands where tantivy's union lands, for every target.
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let scorer = |ours: bool| {
                let weight =
                    compound(ours).weight(tantivy::query::EnableScoring::enabled_from_searcher(&searcher)).unwrap();
                weight.scorer(reader, 1.0).unwrap()
            };
            for target in (0..reader.max_doc() + 2).step_by(7) {
                let (mut a, mut b) = (scorer(true), scorer(false));
                assert_eq!(a.seek(target), b.seek(target), "segment {ord}, seek {target}");
                assert_eq!(a.advance(), b.advance(), "segment {ord}, after {target}");
            }
        }
        // One clause, or none matching, or none at all.
        let one = |ours: bool| -> Box<dyn Query> {
            let clauses = vec![term(fields.title, "deep", 1.5), phrase(fields.tags, "no", "such", 1.0)];
            match ours {
                true => Box::new(Disjunction::new(clauses, Some(0.6))),
                false => Box::new(DisjunctionMaxQuery::with_tie_breaker(clauses, 0.6)),
            }
        };
        assert!(!all(&searcher, one(true).as_ref()).is_empty());
        assert_eq!(all(&searcher, one(true).as_ref()), all(&searcher, one(false).as_ref()));
        assert!(all(&searcher, &Disjunction::new(vec![phrase(fields.title, "no", "such", 1.0)], None)).is_empty());
        assert!(all(&searcher, &Disjunction::new(Vec::new(), Some(0.6))).is_empty());
    }
}
