//! [`WordsQuery`]: the optional words of a query, scored in one pass over their postings.
//!
//! A plain query word matches its exact form, stems, typo corrections and completions (its
//! alternatives) in every field, each at its own weight. Built from tantivy's queries, that is
//! a union of words, each a dis-max union of fields, each a sum union of term scorers: for a
//! two-word query a dozen unions per segment, each allocating and copying a 16-48 KB buffer,
//! then every matching document pushed through three levels of dynamically dispatched scorers.
//! That was half of a search.
//!
//! This query scores the same thing term at a time instead: for each word, each field, each
//! alternative, it reads the term's postings block by block and adds the BM25 score of each
//! document into flat per-document arrays (reused per thread), then combines fields by dis-max
//! and words by sum, in the order tantivy's combiners would, so scores are the same to the
//! last bit. The documents to combine are found from a list kept while scoring, or, for a
//! field whose postings cover much of the segment (a common word), from its bit set. tantivy's
//! collectors (top hits, counts, facets) are handed the segment's matches in order straight
//! from the arrays; boolean queries get them as one sorted list, like any scorer's.
//!
//! Segments over [`DENSE_MAX_DOCS`] talks are scored window by window instead, each window's
//! documents term at a time into arrays one window long (the `window` module), and tantivy's
//! top-hits collector gets only the documents of the segment that can be a top hit (the
//! `pruning` module); the count of matches is read without scores.
//!
//! From a word's second search on, a snapshot remembers its scores in each small segment (its
//! documents and their scores, up to a bound: the `remembered` module), and later searches
//! add the word into the totals from them, without reading its postings: the same additions,
//! the same scores to the bit.
//!
//! A query's synonyms (phrases, mostly) are optional clauses after the words: rather than
//! tantivy's union of the words and them, which buffers and merges every matching document
//! again, their documents are added into the same arrays, in clause order, as the union sums.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::SegmentId;
use tantivy::postings::TermInfo;
use tantivy::query::{
    Bm25StatisticsProvider, BooleanQuery, BoostQuery, DisjunctionMaxQuery, EnableScoring, Explanation, Occur, Query,
    Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

use crate::statistics::TermInfos;

mod arrays;
mod pruning;
mod remembered;
mod scratch;
mod window;

use arrays::{Found, Listed};
pub(crate) use remembered::WordScores;

use scratch::{combine, docs_in, larger, mark, tf_factor};

/// BM25's k1 and b, as tantivy has them.
const K1: Score = 1.2;
const B: Score = 0.75;

/// One field of one word: the alternatives looked for there, each with its weight.
#[derive(Clone, Debug)]
pub struct FieldTerms {
    /// The field.
    pub field: Field,
    /// Terms and their boosts, in the order their scores add up.
    pub terms: Vec<(Term, Score)>,
}

/// Segments larger than this are scored window by window instead (`window`): the
/// per-document arrays of a segment of hundreds of thousands of talks no longer fit the caches
/// (scoring through them was measured slower there than tantivy's own scorers: 1M talks, 472
/// against 578 req/s over HTTP).
pub const DENSE_MAX_DOCS: u32 = 100_000;

/// A field of a word whose alternatives' postings hold at least a sixteenth as many documents
/// as the segment (`python` in the abstracts) is combined by walking its bit set: listing each
/// new document as well cost more than reading the set (and so the word).
const DENSE_SHARE: u64 = 16;

/// Optional words, each its fields; a document's score is the sum over the words it matches
/// of the words' field scores combined by dis-max (`tie_breaker`) or by sum (`None`).
#[derive(Debug)]
pub struct WordsQuery {
    words: Vec<Vec<FieldTerms>>,
    /// Other optional clauses, scored by their own scorers and added after the words, in order
    /// (a query's synonyms: see [`WordsQuery::and_then`]).
    then: Vec<Box<dyn Query>>,
    tie_breaker: Option<Score>,
    dense_max_docs: u32,
    /// Documents in a window of a large segment (see [`pruning`]).
    window: u32,
    /// The snapshot's remembered term dictionary answers, if it is searched with them.
    term_infos: Option<Arc<TermInfos>>,
}

impl Clone for WordsQuery {
    fn clone(&self) -> WordsQuery {
        WordsQuery {
            words: self.words.clone(),
            then: self.then.iter().map(|q| q.box_clone()).collect(),
            tie_breaker: self.tie_breaker,
            dense_max_docs: self.dense_max_docs,
            window: self.window,
            term_infos: self.term_infos.clone(),
        }
    }
}

impl WordsQuery {
    /// Words (each a list of fields) combined as described on [`WordsQuery`].
    pub fn new(words: Vec<Vec<FieldTerms>>, tie_breaker: Option<Score>) -> WordsQuery {
        WordsQuery {
            words,
            then: Vec::new(),
            tie_breaker,
            dense_max_docs: DENSE_MAX_DOCS,
            window: crate::statistics::WORD_WINDOW,
            term_infos: None,
        }
    }

    /// Adds optional `clauses` after the words: a document's score is the words' plus each
    /// clause's that it matches, summed in that order, as tantivy's union of the words and the
    /// clauses (in a boolean query of optional clauses, the words first) sums them, to the bit.
    /// The clauses' documents are added to the words' in one pass each, not merged with them
    /// document by document through the union's buffers. (Under three or more required
    /// clauses, two filters and these, tantivy adds the clauses' scores in the order of their
    /// cost estimates, which differ from its union's: there a score may differ in its last bit.)
    pub fn and_then(mut self, clauses: Vec<Box<dyn Query>>) -> WordsQuery {
        self.then.extend(clauses);
        self
    }

    /// Looks terms up in `term_infos` (the searched snapshot's) instead of each segment's term
    /// dictionary, all of them at once when the weight is made; their document frequencies
    /// are then the sums of their segments' (what the snapshot's statistics, which must score
    /// the query, answer).
    pub(crate) fn remembering(mut self, term_infos: Option<Arc<TermInfos>>) -> WordsQuery {
        self.term_infos = term_infos;
        self
    }

    /// Scores segments of more than `docs` documents with tantivy's scorers (for tests).
    pub fn with_dense_limit(mut self, docs: u32) -> WordsQuery {
        self.dense_max_docs = docs;
        self
    }

    /// Skips and learns windows of `docs` documents in large segments (for tests).
    pub fn with_window(mut self, docs: u32) -> WordsQuery {
        self.window = docs.max(1);
        self
    }

    /// The same query built from tantivy's own: a sum over words of a dis-max (or sum) over
    /// fields of a sum over boosted term queries, then the [`WordsQuery::and_then`] clauses. It
    /// scores the same, to the bit.
    pub fn nested(&self) -> Box<dyn Query> {
        let per_word = self
            .words
            .iter()
            .map(|word| {
                let fields: Vec<Box<dyn Query>> = word
                    .iter()
                    .map(|f| {
                        let terms = f
                            .terms
                            .iter()
                            .map(|(t, b)| {
                                let q = TermQuery::new(t.clone(), IndexRecordOption::WithFreqs);
                                (Occur::Should, Box::new(BoostQuery::new(Box::new(q), *b)) as Box<dyn Query>)
                            })
                            .collect();
                        Box::new(BooleanQuery::new(terms)) as Box<dyn Query>
                    })
                    .collect();
                let word: Box<dyn Query> = match self.tie_breaker {
                    Some(tie) => Box::new(DisjunctionMaxQuery::with_tie_breaker(fields, tie)),
                    None => Box::new(BooleanQuery::new(fields.into_iter().map(|q| (Occur::Should, q)).collect())),
                };
                (Occur::Should, word)
            })
            .chain(self.then.iter().map(|q| (Occur::Should, q.box_clone())))
            .collect();
        Box::new(BooleanQuery::new(per_word))
    }
}

/// A term's BM25 weight before its field length factor: `idf * (1 + k1)`, as tantivy makes it
/// for a term in `freq` of `docs` documents.
fn term_weight(docs: u64, freq: u64) -> Score {
    let freq = freq.min(docs);
    let x = ((docs - freq) as Score + 0.5) / (freq as Score + 0.5);
    (1.0 + x).ln() * (1.0 + K1)
}

/// `k1 * (1 - b + b * length / average)` for every field length code, as tantivy caches it;
/// the snapshot's table if `memory` is one (see [`TermInfos::length_factors`]).
fn length_factors(
    stats: &dyn Bm25StatisticsProvider,
    field: Field,
    memory: Option<&TermInfos>,
) -> tantivy::Result<Arc<[Score; 256]>> {
    let (tokens, docs) = (stats.total_num_tokens(field)?, stats.total_num_docs()?);
    let make = || {
        let average = tokens as Score / docs as Score;
        let mut cache = [0.0; 256];
        for (id, slot) in cache.iter_mut().enumerate() {
            let length = FieldNormReader::id_to_fieldnorm(id as u8) as Score;
            *slot = K1 * (1.0 - B + B * length / average);
        }
        Arc::new(cache)
    };
    Ok(match memory {
        Some(memory) => memory.length_factors((field, tokens, docs), make),
        None => make(),
    })
}

struct WeightedField {
    field: Field,
    lengths: Arc<[Score; 256]>,
    terms: Vec<(Term, Score, Score)>, // term, boost, idf * (1 + k1)
    /// Where each term's postings are in each segment of [`WordsWeight::segments`], in term
    /// order (None: not there), if they were looked up when the weight was made.
    places: Vec<Vec<Option<TermInfo>>>,
}

struct WordsWeight {
    words: Vec<Vec<WeightedField>>,
    /// The segments the fields' `places` are for, in order.
    segments: Vec<SegmentId>,
    term_infos: Option<Arc<TermInfos>>,
    tie_breaker: Option<Score>,
    scoring: bool,
    /// [`WordsQuery::prunes`].
    prunes: bool,
    /// The weights of [`WordsQuery::then`].
    then: Vec<Box<dyn Weight>>,
    /// What segments of more than `dense_max_docs` are searched with, if the searcher has any.
    large: Option<Large>,
    /// Each word's key ([`pruning::word_key`]), for the snapshot's memory of its best scores
    /// and its scores (none without a memory).
    keys: Vec<Vec<u8>>,
    /// Live matches counted while a segment's top hits were found, for [`Weight::count`] to
    /// take.
    counted: std::sync::Mutex<Vec<(SegmentId, u32)>>,
}

/// What large segments are searched with: window by window ([`window`]), the top hits only
/// where they can be ([`pruning`]).
struct Large {
    /// Segments of more documents than this are large.
    limit: u32,
    /// Documents in a window of best scores.
    window: u32,
}

impl Query for WordsQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let stats = match enable_scoring {
            EnableScoring::Enabled { statistics_provider, .. } => Some(statistics_provider),
            EnableScoring::Disabled { .. } => None,
        };
        // Where every term's postings are in every segment, from the snapshot's memory: one
        // lookup of all of them a segment (each took its lock, which two searching threads
        // passed between their cores).
        let mut segments = Vec::new();
        let mut places: Vec<Vec<Option<TermInfo>>> = Vec::new();
        if let (Some(memory), Some(searcher)) = (&self.term_infos, enable_scoring.searcher()) {
            let terms: Vec<&Term> = self.words.iter().flatten().flat_map(|f| f.terms.iter().map(|(t, _)| t)).collect();
            for reader in searcher.segment_readers() {
                segments.push(reader.segment_id());
                places.push(memory.get_all(reader, &terms)?);
            }
        }
        let docs = stats.map(|s| s.total_num_docs()).transpose()?.unwrap_or(0);
        let mut lengths: Vec<(Field, Arc<[Score; 256]>)> = Vec::new();
        let mut words = Vec::with_capacity(self.words.len());
        let mut at = 0;
        for word in &self.words {
            let mut fields = Vec::with_capacity(word.len());
            for f in word {
                let cached = lengths.iter().find(|(field, _)| *field == f.field).map(|(_, l)| l.clone());
                let factors = match (cached, stats) {
                    (Some(l), _) => l,
                    (None, stats) => {
                        let made = match stats {
                            Some(stats) => length_factors(stats, f.field, self.term_infos.as_deref())?,
                            None => Arc::new([1.0; 256]),
                        };
                        lengths.push((f.field, made.clone()));
                        made
                    }
                };
                let span = at..at + f.terms.len();
                at = span.end;
                let mut terms = Vec::with_capacity(f.terms.len());
                for (i, (term, boost)) in span.clone().zip(&f.terms) {
                    let weight = match stats {
                        None => 1.0,
                        Some(_) if !places.is_empty() => term_weight(
                            docs,
                            places.iter().map(|p| p[i].as_ref().map_or(0, |t| u64::from(t.doc_freq))).sum(),
                        ),
                        Some(stats) => term_weight(docs, stats.doc_freq(term)?),
                    };
                    terms.push((term.clone(), *boost, weight));
                }
                let places = places.iter().map(|p| p[span.clone()].to_vec()).collect();
                fields.push(WeightedField { field: f.field, lengths: factors, terms, places });
            }
            words.push(fields);
        }
        let limit = self.dense_max_docs;
        let large = match enable_scoring.searcher() {
            Some(searcher) if searcher.segment_readers().iter().any(|r| r.max_doc() > limit) => {
                Some(Large { limit, window: self.window })
            }
            _ => None,
        };
        let keys = match &self.term_infos {
            Some(_) => words.iter().map(|w| pruning::word_key(w, self.tie_breaker)).collect(),
            None => Vec::new(),
        };
        let then = self.then.iter().map(|q| q.weight(enable_scoring)).collect::<tantivy::Result<_>>()?;
        Ok(Box::new(WordsWeight {
            words,
            segments,
            term_infos: self.term_infos.clone(),
            tie_breaker: self.tie_breaker,
            scoring: stats.is_some(),
            prunes: self.prunes(),
            then,
            large,
            keys,
            counted: Default::default(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for f in self.words.iter().flatten() {
            f.terms.iter().for_each(|(t, _)| visitor(t, false));
        }
        self.then.iter().for_each(|q| q.query_terms(visitor));
    }
}

impl WordsWeight {
    /// The snapshot's memory of words' scores, if the weight scores (with `boost` 1, which the
    /// words' keys assume) and has one.
    fn word_memory(&self, boost: Score) -> Option<&TermInfos> {
        self.term_infos.as_deref().filter(|_| self.scoring && boost == 1.0)
    }

    /// Each word's key, or an empty one where the weight has no memory (which keys are for).
    fn keys_or_none(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.words.len()).map(|w| self.keys.get(w).map_or(&[][..], Vec::as_slice))
    }

    /// What [`Weight::for_each_pruning`] counted in `reader`'s segment, if it ran there.
    fn take_count(&self, reader: &SegmentReader) -> Option<u32> {
        let mut counted = self.counted.lock().unwrap_or_else(|e| e.into_inner());
        let at = counted.iter().position(|(id, _)| *id == reader.segment_id())?;
        Some(counted.swap_remove(at).1)
    }

    /// tantivy's weights, if `reader`'s segment is large.
    fn large_for(&self, reader: &SegmentReader) -> Option<&Large> {
        self.large.as_ref().filter(|large| reader.max_doc() > large.limit)
    }
}

impl Weight for WordsWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        if let Some(large) = self.large_for(reader) {
            return Ok(Box::new(window::WindowScorer::new(self, reader, large.window, boost)?));
        }
        let (docs, scores) = self.matches(reader, boost)?;
        Ok(Box::new(Listed { docs, scores, at: 0 }))
    }

    /// The documents that score above `threshold`, for tantivy's top hits: in a segment over
    /// the dense limit, found window by window, skipping the windows that cannot hold one (see
    /// [`pruning`]); in any other, from all the matches as the arrays give them, the live ones
    /// counted on the way. Either way the count is left for [`Weight::count`].
    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        if let Some(large) = self.large_for(reader).filter(|_| self.prunable()) {
            return self.for_each_pruned(large, reader, threshold, callback);
        }
        if self.large_for(reader).is_some() {
            let mut scorer = self.scorer(reader, 1.0)?;
            let (mut doc, mut threshold) = (scorer.doc(), threshold);
            while doc != TERMINATED {
                let score = scorer.score();
                if score > threshold {
                    threshold = callback(doc, score);
                }
                doc = scorer.advance();
            }
            return Ok(());
        }
        // Every match is visited: the live ones are counted on the way, for `count`.
        let (mut threshold, mut alive) = (threshold, 0);
        let live = reader.alive_bitset();
        self.each_match(reader, 1.0, |found| {
            if let Found::Match(doc, score) = found {
                alive += u32::from(live.is_none_or(|l| l.is_alive(doc)));
                if score > threshold {
                    threshold = callback(doc, score);
                }
            }
        })?;
        self.counted.lock().unwrap_or_else(|e| e.into_inner()).push((reader.segment_id(), alive));
        Ok(())
    }

    /// Every match with its score, straight from the arrays in a segment under the dense
    /// limit (no list of them made first).
    fn for_each(&self, reader: &SegmentReader, callback: &mut dyn FnMut(DocId, Score)) -> tantivy::Result<()> {
        if self.large_for(reader).is_some() {
            let mut scorer = self.scorer(reader, 1.0)?;
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                callback(doc, scorer.score());
                doc = scorer.advance();
            }
            return Ok(());
        }
        self.each_match(reader, 1.0, |found| {
            if let Found::Match(doc, score) = found {
                callback(doc, score);
            }
        })
    }

    /// The matching talks still alive: as counted while the segment's top hits were found, or
    /// else, in a segment over the dense limit, from the terms' postings without scoring them
    /// ([`pruning`]); in any other, the live ones among the matches as the arrays give them.
    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        if let Some(count) = self.take_count(reader) {
            return Ok(count);
        }
        if self.large_for(reader).is_some() {
            return self.count_unscored(reader);
        }
        let (live, mut alive) = (reader.alive_bitset(), 0);
        self.each_match(reader, 1.0, |found| match found {
            Found::Count(n) if live.is_none() => alive = n as u32,
            Found::Match(doc, _) if live.is_some_and(|l| l.is_alive(doc)) => alive += 1,
            _ => {}
        })?;
        Ok(alive)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!("document {doc} does not match")));
        }
        Ok(Explanation::new("sum over words of the dis-max over fields of BM25, then further clauses", scorer.score()))
    }
}

#[cfg(test)]
pub(crate) mod tests;
