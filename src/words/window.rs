//! A large segment's words scored window by window, term at a time.
//!
//! Over a segment of hundreds of thousands of talks, tantivy's nested unions (a union of words,
//! each a dis-max union of fields, each a sum union of term scorers) buffer every matching
//! document of every term and pass it up three levels of dynamically dispatched scorers: most
//! of a several-word search over a million talks. Here each term's postings are read with a
//! cursor that stays open over the segment, and, in each window of documents the pruning pass
//! does not skip, each term adds its BM25 scores into arrays one window long (tens of
//! kilobytes, which stay in the caches), field after field, word after word, as the words query
//! scores a small segment whole (`super::scratch`), with the same arithmetic in the same order:
//! the scores are the same, to the bit. The clauses after the words (a query's synonyms) are
//! tantivy's scorers, read document at a time, their scores added after the words'. A word the
//! pruning pass finds too low to make a top hit alone is looked up instead, its postings sought
//! to each candidate ([`Windows::look_up`]). [`WindowScorer`] lists a segment's every match
//! window by window, for the queries the words query is part of and for other collectors.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::Scorer;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

use super::WordsWeight;
use super::scratch::{combine, docs_in, larger, tf_factor};

/// Seeking a term's postings to a document costs about as much as reading this many of them
/// (of 0.25, 1, 2 and 4, 1 took the fewest instructions over the sixty slowest queries of the
/// topics and typing mixes on 250,000 talks).
const LOOKUP_COST: f32 = 1.0;

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
    /// Each word's alternatives' postings (documents) in an average window.
    per_window: Vec<Vec<f32>>,
    /// Each word's best score in the window last filled, if it was read there.
    pub(super) best: Vec<Score>,
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
    /// clauses' scorers, for windows of `size` documents, every score boosted by `boost`.
    pub(super) fn open(
        weight: &WordsWeight,
        reader: &SegmentReader,
        size: u32,
        boost: Score,
    ) -> tantivy::Result<Windows> {
        let mut words = Vec::with_capacity(weight.words.len());
        let mut per_window = Vec::with_capacity(weight.words.len());
        let share = size as f32 / reader.max_doc().max(1) as f32;
        for word in &weight.words {
            let mut postings = Vec::new();
            let mut fields = Vec::with_capacity(word.len());
            for f in word {
                let index = reader.inverted_index(f.field)?;
                let mut terms = Vec::with_capacity(f.terms.len());
                let places = weight.places(reader, &index, f)?;
                for ((_, term_boost, term_weight), info) in f.terms.iter().zip(places.iter()) {
                    let Some(info) = info else { continue };
                    postings.push(info.doc_freq as f32 * share);
                    let postings = index.read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
                    // tantivy boosts a term's weight by the product of the boosts above it,
                    // outermost first.
                    terms.push(TermCursor { postings, weight: term_weight * (boost * term_boost) });
                }
                let norms = reader.fieldnorms_readers().get_field(f.field)?;
                let norms = norms.unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
                fields.push(FieldCursor { terms, lengths: f.lengths.clone(), norms });
            }
            words.push(fields);
            per_window.push(postings);
        }
        let then = weight.then.iter().map(|w| w.scorer(reader, boost)).collect::<tantivy::Result<Vec<_>>>()?;
        let (docs, bits) = (size as usize, (size as usize).div_ceil(64));
        Ok(Windows {
            scores: vec![vec![0.0; docs]; words.len() + then.len()],
            best: vec![0.0; words.len()],
            words,
            per_window,
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

    /// Scores in window `window` every match of the words `read` marks and of the clauses:
    /// afterwards `matched` holds those documents, [`Windows::score`] their scores (with the
    /// other words' once [`Windows::look_up`] has found them), and `best` each word's best.
    pub(super) fn fill(&mut self, window: usize, read: &[bool]) {
        let start = window as DocId * self.size;
        let end = start + self.size;
        self.matched.fill(0);
        for (w, word) in self.words.iter_mut().enumerate().filter(|(w, _)| read[*w]) {
            for f in word.iter_mut() {
                let (lengths, norms) = (&f.lengths, &f.norms);
                for t in &mut f.terms {
                    let mut doc = t.postings.doc();
                    if doc < start {
                        doc = t.postings.seek(start);
                    }
                    while doc < end {
                        let i = (doc - start) as usize;
                        let tf = t.postings.term_freq();
                        self.field[i] += t.weight * tf_factor(tf, lengths, norms.fieldnorm_id(doc));
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
            let (scores, mut best) = (&mut self.scores[w], 0.0);
            for (k, bits) in self.in_word.iter_mut().enumerate() {
                self.matched[k] |= *bits;
                for i in docs_in(k, std::mem::take(bits)) {
                    let i = i as usize;
                    let (max, sum) = (std::mem::take(&mut self.max[i]), std::mem::take(&mut self.sum[i]));
                    scores[i] = combine(max, sum, self.tie_breaker);
                    best = larger(scores[i], best);
                }
            }
            self.best[w] = best;
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

    /// About how many postings of word `w` a window holds: what reading it there costs.
    pub(super) fn read_cost(&self, w: usize) -> f32 {
        self.per_window[w].iter().sum()
    }

    /// About what looking word `w` up in `candidates` documents of a window costs, in postings
    /// read: a seek of each alternative's postings a document, or, for an alternative with
    /// fewer postings in the window, one for each of them.
    pub(super) fn look_up_cost(&self, w: usize, candidates: f32) -> f32 {
        self.per_window[w].iter().map(|&p| p.min(candidates) * LOOKUP_COST).sum()
    }

    /// What the words `read` marks and the clauses add to the window's `i`-th document.
    pub(super) fn read_sum(&self, i: usize, read: &[bool]) -> Score {
        let (words, then) = self.scores.split_at(self.words.len());
        let words = words.iter().zip(read).filter(|(_, r)| **r).map(|(s, _)| s[i]);
        words.chain(then.iter().map(|s| s[i])).sum()
    }

    /// Finds word `w`'s score in document `doc`, the window's `i`-th (none if it lacks the
    /// word), its alternatives' postings sought forwards to it.
    pub(super) fn look_up(&mut self, w: usize, i: usize, doc: DocId) {
        let (mut max, mut sum, mut found) = (0.0, 0.0, false);
        for f in &mut self.words[w] {
            let (mut field, mut matched) = (0.0, false);
            for t in &mut f.terms {
                let mut at = t.postings.doc();
                if at < doc {
                    at = t.postings.seek(doc);
                }
                if at != doc {
                    continue;
                }
                field += t.weight * tf_factor(t.postings.term_freq(), &f.lengths, f.norms.fieldnorm_id(doc));
                matched = true;
            }
            if matched {
                max = larger(field, max);
                sum += field;
                found = true;
            }
        }
        if found {
            self.scores[w][i] = combine(max, sum, self.tie_breaker);
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

/// Every match of a large segment with its score, in order, window by window: the words
/// query's scorer there, for collectors other than top hits and for the queries it is part of.
pub(super) struct WindowScorer {
    windows: Windows,
    /// Every word is read.
    read: Vec<bool>,
    /// Windows in the segment, and the one whose matches are listed.
    count: usize,
    window: usize,
    docs: Vec<DocId>,
    scores: Vec<Score>,
    at: usize,
    size_hint: u32,
}

impl WindowScorer {
    /// Positioned on the segment's first match.
    pub(super) fn new(
        weight: &WordsWeight,
        reader: &SegmentReader,
        size: u32,
        boost: Score,
    ) -> tantivy::Result<WindowScorer> {
        let windows = Windows::open(weight, reader, size, boost)?;
        let postings: f32 = (0..windows.words.len()).map(|w| windows.read_cost(w)).sum::<f32>() / size as f32;
        let mut scorer = WindowScorer {
            read: vec![true; windows.words.len()],
            count: reader.max_doc().div_ceil(size) as usize,
            size_hint: (postings * reader.max_doc() as f32).min(reader.max_doc() as f32) as u32,
            windows,
            window: 0,
            docs: Vec::new(),
            scores: Vec::new(),
            at: 0,
        };
        scorer.load(0);
        Ok(scorer)
    }

    /// Lists the matches of the first window from `window` on that has any.
    fn load(&mut self, mut window: usize) {
        (self.at, self.window) = (0, self.count);
        self.docs.clear();
        self.scores.clear();
        while window < self.count {
            self.windows.fill(window, &self.read);
            let start = window as DocId * self.windows.size;
            for k in 0..self.windows.matched.len() {
                for i in docs_in(k, self.windows.matched[k]) {
                    self.docs.push(start + i);
                    self.scores.push(self.windows.score(i as usize));
                }
            }
            if !self.docs.is_empty() {
                self.window = window;
                return;
            }
            window += 1;
        }
    }
}

impl DocSet for WindowScorer {
    fn advance(&mut self) -> DocId {
        self.at += 1;
        if self.at >= self.docs.len() {
            self.load(self.window + 1);
        }
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc() >= target {
            return self.doc();
        }
        let window = (target / self.windows.size) as usize;
        if window > self.window {
            self.load(window);
        }
        self.at += self.docs[self.at..].partition_point(|&d| d < target);
        if self.at >= self.docs.len() {
            self.load(self.window + 1);
        }
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.at).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        self.size_hint
    }
}

impl Scorer for WindowScorer {
    fn score(&mut self) -> Score {
        self.scores.get(self.at).copied().unwrap_or_default()
    }
}
