//! A large segment's words scored window by window, term at a time.
//!
//! Over a segment of hundreds of thousands of talks, tantivy's nested unions (a union of words,
//! each a dis-max union of fields, each a sum union of term scorers) buffer every matching
//! document of every term and pass it up three levels of dynamically dispatched scorers: 20-40
//! ns a posting, most of a several-word search over a million talks. Here each term's postings
//! are read with a cursor that stays open over the segment, and, in each window of documents
//! the pruning pass does not skip, each term adds its BM25 scores into arrays one window long
//! (they stay in the first-level cache), field after field, word after word, as the words
//! query scores a small segment whole (`super::scratch`), with the same arithmetic in the
//! same order: the scores are the same, to the bit. The clauses after the words (a query's
//! synonyms) are tantivy's scorers, read document at a time, their scores added after the
//! words'.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::Scorer;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader};

use super::WordsWeight;
use super::scratch::{docs_in, larger};

/// One alternative in one field: its postings, read forwards over the segment, and its weight.
struct TermCursor {
    postings: SegmentPostings,
    weight: Score,
}

/// One field of one word: its alternatives, its length factors and its field lengths.
struct FieldCursor {
    terms: Vec<TermCursor>,
    lengths: Arc<[Score; 256]>,
    norms: FieldNormReader,
}

/// The words and the clauses after them in one segment, with the arrays of one window.
pub(super) struct Windows {
    words: Vec<Vec<FieldCursor>>,
    then: Vec<Box<dyn Scorer>>,
    tie_breaker: Option<Score>,
    /// Documents in a window.
    size: u32,
    /// Each word's score, then each clause's, for each document of the window (0: no match).
    scores: Vec<Vec<Score>>,
    field: Vec<Score>,
    max: Vec<Score>,
    sum: Vec<Score>,
    in_field: Vec<u64>,
    in_word: Vec<u64>,
    /// The window's documents that match any word or clause.
    pub(super) matched: Vec<u64>,
}

impl Windows {
    /// Opens the postings of every alternative of `weight`'s words in `reader`, and the
    /// clauses' scorers, for windows of `size` documents.
    pub(super) fn open(weight: &WordsWeight, reader: &SegmentReader, size: u32) -> tantivy::Result<Windows> {
        let mut words = Vec::with_capacity(weight.words.len());
        for word in &weight.words {
            let mut fields = Vec::with_capacity(word.len());
            for f in word {
                let index = reader.inverted_index(f.field)?;
                let mut terms = Vec::with_capacity(f.terms.len());
                for (term, boost, term_weight) in &f.terms {
                    let Some(info) = weight.term_info(reader, &index, term)? else { continue };
                    let postings = index.read_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
                    terms.push(TermCursor { postings, weight: term_weight * boost });
                }
                let norms = reader.fieldnorms_readers().get_field(f.field)?;
                let norms = norms.unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
                fields.push(FieldCursor { terms, lengths: f.lengths.clone(), norms });
            }
            words.push(fields);
        }
        let then = weight.then.iter().map(|w| w.scorer(reader, 1.0)).collect::<tantivy::Result<Vec<_>>>()?;
        let (docs, bits) = (size as usize, (size as usize).div_ceil(64));
        Ok(Windows {
            scores: vec![vec![0.0; docs]; words.len() + then.len()],
            words,
            then,
            tie_breaker: weight.tie_breaker,
            size,
            field: vec![0.0; docs],
            max: vec![0.0; docs],
            sum: vec![0.0; docs],
            in_field: vec![0; bits],
            in_word: vec![0; bits],
            matched: vec![0; bits],
        })
    }

    /// Scores every match in window `window`: afterwards `matched` holds its documents, and
    /// [`Windows::score`] their scores.
    pub(super) fn fill(&mut self, window: usize) {
        let start = window as DocId * self.size;
        let end = start + self.size;
        self.matched.fill(0);
        for (w, word) in self.words.iter_mut().enumerate() {
            for f in word.iter_mut() {
                let (lengths, norms) = (&f.lengths, &f.norms);
                for t in &mut f.terms {
                    let mut doc = t.postings.doc();
                    if doc < start {
                        doc = t.postings.seek(start);
                    }
                    while doc < end {
                        let i = (doc - start) as usize;
                        let tf = t.postings.term_freq() as Score;
                        self.field[i] += t.weight * (tf / (tf + lengths[usize::from(norms.fieldnorm_id(doc))]));
                        self.in_field[i / 64] |= 1 << (i % 64);
                        doc = t.postings.advance();
                    }
                }
                // Fields combine like tantivy's dis-max (or sum) combiner, in field order.
                for (k, bits) in self.in_field.iter_mut().enumerate() {
                    self.in_word[k] |= *bits;
                    for i in docs_in(k, std::mem::take(bits)) {
                        let i = i as usize;
                        let score = std::mem::take(&mut self.field[i]);
                        self.max[i] = larger(score, self.max[i]);
                        self.sum[i] += score;
                    }
                }
            }
            let scores = &mut self.scores[w];
            for (k, bits) in self.in_word.iter_mut().enumerate() {
                self.matched[k] |= *bits;
                for i in docs_in(k, std::mem::take(bits)) {
                    let i = i as usize;
                    let (max, sum) = (std::mem::take(&mut self.max[i]), std::mem::take(&mut self.sum[i]));
                    scores[i] = match self.tie_breaker {
                        Some(tie) => max + (sum - max) * tie,
                        None => sum,
                    };
                }
            }
        }
        let first = self.words.len();
        for (c, scorer) in self.then.iter_mut().enumerate() {
            let mut doc = scorer.doc();
            if doc < start {
                doc = scorer.seek(start);
            }
            while doc < end {
                let i = (doc - start) as usize;
                self.scores[first + c][i] = scorer.score();
                self.matched[i / 64] |= 1 << (i % 64);
                doc = scorer.advance();
            }
        }
    }

    /// The score of the window's `i`-th document: its words' scores summed in order, then its
    /// clauses', as tantivy's union sums them; and clears them for the next window.
    pub(super) fn score(&mut self, i: usize) -> Score {
        let mut total = 0.0;
        for scores in &mut self.scores {
            // A word or clause the document lacks adds a zero, which leaves the sum as it was.
            total += std::mem::take(&mut scores[i]);
        }
        total
    }
}
