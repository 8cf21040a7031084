//! Top hits and counts of a large segment without scoring every match.
//!
//! tantivy's top-hits collector asks a weight only for the documents that score above a
//! threshold, the k-th best score so far ([`Weight::for_each_pruning`]). Over a million talks, a
//! word in most of them (`python`) has postings over most of a segment, and scoring them all
//! made the slowest searches grow linearly with the index. In a large segment the words query
//! takes the segment in windows of 4,096 documents ([`Windows`] scores a window's documents
//! term at a time) and in each:
//! - skips the window if its words' bounds there add up to no more than the threshold: no
//!   document there can enter the top;
//! - else, if the words with the lowest bounds there add up to no more than the threshold, no
//!   document with only those words can enter the top either (MaxScore): the other words'
//!   documents are the candidates, and the low words are looked up (their postings sought) only
//!   in the candidates whose other scores plus the low words' bounds pass the threshold; a low
//!   word whose lookups would cost more than reading its postings in the window is read.
//!
//! Scores are the exhaustive ones to the bit, and the documents handed on are exactly those an
//! exhaustive scan hands on (tested). This relies on the threshold never falling, as tantivy's
//! collector's does not.
//!
//! A word's bound in a window is the best score it reached there, once learnt (or the bound a
//! search had there, where it did not read the word), or else one composed from its terms': a term's BM25 score is its weight, `idf * (1 + k1)` times its
//! boosts, times its frequency factor `tf / (tf + k1 * length factor)`, whose highest value in
//! each window is read from the term's postings once a snapshot; a field's alternatives add
//! up, and fields combine by dis-max (`max + tie * (sum - max)`, which grows with each field's
//! score) or by sum. The composed bound of a common word is well above what it scores
//! (`python` over a million talks: 33 and 37 in its two halves, against best scores of 14 and
//! 22), since its exact form
//! and its stem each count their best, and dis-max takes each field's best from different
//! talks. So every search learns, for each word it did not know, its best score in each window
//! where it read all the word's postings (and keeps the bound elsewhere), for the snapshot's
//! life ([`crate::statistics::TermInfos`], keyed by everything the word's scores depend on):
//! the next searches with the word skip windows, and find it low, by its best scores.
//! Block-max WAND does the same with the best score of each block of 128 postings of each
//! term, which tantivy keeps for a single term but not for the dis-max of a word's fields.
//!
//! The segment's matches are counted on the way ([`Weight::count`] takes the count): the
//! candidates, plus, for each word, its documents in the windows where not all were seen
//! (skipped, or the word looked up), from its postings, which set bits in one bit set without
//! their frequencies or scores.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, Score, SegmentReader, TERMINATED};

use super::window::Windows;
use super::{Large, WeightedField, WordsQuery, WordsWeight, combine, docs_in, larger, mark, tf_factor};

/// Bounds are widened by this share, so that no rounding in adding scores up makes a
/// document's score pass a bound it does not pass in exact arithmetic.
const SLACK: Score = 1e-4;

/// Terms with at most this many documents in a segment have their bound there computed from
/// their postings (typo corrections, rare completions: their weights are high and their scores
/// seldom near them), on every search of a word whose best scores are not learnt; others are
/// bounded by their weight.
const SCANNED_MAX_DOCS: u32 = 512;

/// What a word's scores depend on, as bytes: its fields (with a length factor, which the
/// average length sets), their terms, boosts and BM25 weights, and the tie breaker.
pub(super) fn word_key(fields: &[WeightedField], tie_breaker: Option<Score>) -> Vec<u8> {
    let mut key = Vec::with_capacity(64);
    key.extend(tie_breaker.map_or(u32::MAX, Score::to_bits).to_le_bytes());
    for f in fields {
        key.extend(f.field.field_id().to_le_bytes());
        key.extend(f.lengths[255].to_bits().to_le_bytes());
        for (term, boost, weight) in &f.terms {
            let bytes = term.serialized_value_bytes();
            key.extend((bytes.len() as u32).to_le_bytes());
            key.extend(bytes);
            key.extend(boost.to_bits().to_le_bytes());
            key.extend(weight.to_bits().to_le_bytes());
        }
        key.push(0xff);
    }
    key
}

impl WordsQuery {
    /// Whether its weight skips windows of large segments (see the module docs): unless a tie
    /// breaker over 1 or a negative boost would break the bounds.
    pub fn prunes(&self) -> bool {
        self.tie_breaker.is_none_or(|t| (0.0..=1.0).contains(&t))
            && self.words.iter().flatten().flat_map(|f| &f.terms).all(|(_, boost)| *boost >= 0.0)
    }
}

impl WordsWeight {
    /// The most word `w` can add to a document's score in each window of `size` documents of
    /// this segment (with [`SLACK`]): a term's BM25 score is its weight, `idf * (1 + k1)`
    /// times its boosts, times its frequency factor `tf / (tf + k1 * length factor)`, whose
    /// highest value in each window is read from the term's postings once a snapshot
    /// ([`WordsWeight::peaks`]; without a snapshot's memory, only a rare term's, the others
    /// bounded by their weight, which the factor never reaches); a field's alternatives add
    /// up, and fields combine by dis-max, `max + tie * (sum - max)`, which grows with each
    /// field's score, or by sum.
    fn bounds(&self, w: usize, reader: &SegmentReader, size: u32) -> tantivy::Result<Vec<Score>> {
        let windows = reader.max_doc().div_ceil(size) as usize;
        let (mut max, mut sum) = (vec![0.0; windows], vec![0.0; windows]);
        let mut field = vec![0.0; windows];
        for f in &self.words[w] {
            let index = reader.inverted_index(f.field)?;
            let places = self.places(reader, &index, f)?;
            for ((term, boost, weight), info) in f.terms.iter().zip(places.iter()) {
                let Some(info) = info else { continue };
                let weight = weight * boost;
                match self.peaks(reader, &index, f, term, info, size)? {
                    Some(peaks) => field.iter_mut().zip(peaks.iter()).for_each(|(b, p)| *b += weight * p),
                    None => field.iter_mut().for_each(|b| *b += weight),
                }
            }
            for ((m, s), b) in max.iter_mut().zip(&mut sum).zip(&mut field) {
                let b = std::mem::take(b);
                *m = larger(b, *m);
                *s += b;
            }
        }
        Ok(max.iter().zip(&sum).map(|(&m, &s)| combine(m, s, self.tie_breaker) * (1.0 + SLACK)).collect())
    }

    /// The highest frequency factor, `tf / (tf + k1 * length factor)`, of `term` (in field
    /// `f`) in each window of `size` documents of this segment: remembered in the snapshot's
    /// memory, or read from its postings (if there is a memory to keep it in, or the term is
    /// rare). None: not known, the factor's bound (1) stands.
    fn peaks(
        &self,
        reader: &SegmentReader,
        index: &tantivy::InvertedIndexReader,
        f: &WeightedField,
        term: &tantivy::Term,
        info: &tantivy::postings::TermInfo,
        size: u32,
    ) -> tantivy::Result<Option<Arc<[f32]>>> {
        let windows = reader.max_doc().div_ceil(size) as usize;
        let memory = self.term_infos.as_deref();
        let key = peaks_key(f, term, size);
        if let Some(known) = memory.and_then(|m| m.word_maxima(reader.segment_id(), &key)) {
            return Ok(Some(known).filter(|k| k.len() == windows));
        }
        let kept = memory.is_some_and(|m| m.has_room(key.len(), windows));
        if !kept && info.doc_freq > SCANNED_MAX_DOCS {
            return Ok(None);
        }
        let norms = reader.fieldnorms_readers().get_field(f.field)?;
        let norms = norms.unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
        let mut postings = index.read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
        let mut peaks = vec![0.0; windows];
        while !postings.docs().is_empty() {
            for (&doc, &tf) in postings.docs().iter().zip(postings.freqs()) {
                let peak = &mut peaks[(doc / size) as usize];
                *peak = larger(tf_factor(tf, &f.lengths, norms.fieldnorm_id(doc)), *peak);
            }
            postings.advance();
        }
        if let Some(memory) = memory.filter(|_| kept) {
            memory.learn_word_maxima(reader.segment_id(), &key, peaks.clone());
        }
        Ok(Some(peaks.into()))
    }
}

/// The key under which a term's frequency factor peaks are remembered beside the words' best
/// scores: a prefix no word's key has (a word's starts with its tie breaker, which is never
/// this NaN), the window's size, the field's length factor (set by its average length) and
/// the term.
fn peaks_key(f: &WeightedField, term: &tantivy::Term, size: u32) -> Vec<u8> {
    let bytes = term.serialized_value_bytes();
    let mut key = Vec::with_capacity(20 + bytes.len());
    key.extend(PEAKS.to_le_bytes());
    key.extend(size.to_le_bytes());
    key.extend(f.lengths[255].to_bits().to_le_bytes());
    key.extend(f.field.field_id().to_le_bytes());
    key.extend(bytes);
    key
}

/// The first four bytes of a term's key ([`peaks_key`]): as a tie breaker, a NaN.
const PEAKS: u32 = 0xfefe_fefe;

impl WordsWeight {
    /// Whether [`WordsWeight::for_each_pruned`] applies: scores on (see [`WordsQuery::prunes`]).
    pub(super) fn prunable(&self) -> bool {
        self.scoring && self.prunes
    }

    /// Hands `callback` every document of the segment that scores above the threshold, in
    /// document order, with its score, window by window, skipping the windows where the words'
    /// bounds add up to no more than the threshold and looking up the words too low to make a
    /// top hit alone (see the module docs); the callback returns the new threshold. Leaves the
    /// segment's count of matches for [`Weight::count`], and the best scores in each window of
    /// the words not known yet, for the next searches.
    pub(super) fn for_each_pruned(
        &self,
        large: &Large,
        reader: &SegmentReader,
        mut threshold: Score,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        let segment = reader.segment_id();
        let size = large.window;
        let windows = reader.max_doc().div_ceil(size) as usize;
        let memory = self.term_infos.as_deref();
        // Per word: its best score in each window, if learnt, or else its bound there; the
        // clauses after the words have no bound (no window is skipped).
        let after = if self.then.is_empty() { 0.0 } else { Score::INFINITY };
        let words = self.words.len();
        let (mut bounds, mut learning) = (Vec::with_capacity(words), Vec::with_capacity(words));
        for (w, key) in self.keys_or_none().enumerate() {
            let known = memory.and_then(|m| m.word_maxima(segment, key)).filter(|m| m.len() == windows);
            learning.push((known.is_none() && memory.is_some()).then(|| vec![0.0; windows]));
            bounds.push(match known {
                Some(maxima) => maxima.iter().map(|m| m * (1.0 + SLACK)).collect(),
                None if self.then.is_empty() => self.bounds(w, reader, size)?,
                None => vec![Score::INFINITY; windows],
            });
        }
        let mut scorer = Windows::open(self, reader, size, 1.0)?;
        // The matches seen; per word, the windows where some of its documents were not (skipped,
        // or the word looked up), whose matches are marked from its postings after.
        let mut seen = vec![0u64; (reader.max_doc() as usize).div_ceil(64)];
        let mut unseen = vec![vec![false; windows]; words];
        let (mut read, mut order) = (vec![true; words], (0..words).collect::<Vec<_>>());
        for window in 0..windows {
            let bound: Score = after + bounds.iter().map(|b| b[window]).sum::<Score>();
            if bound * (1.0 + SLACK) <= threshold {
                for w in 0..words {
                    unseen[w][window] = true;
                    if let Some(best) = &mut learning[w] {
                        best[window] = bounds[w][window];
                    }
                }
                continue;
            }
            // The words whose bounds add up to no more than the threshold, if looking their
            // scores up in the other words' documents reads less than reading all of theirs.
            order.sort_by(|&a, &b| bounds[a][window].total_cmp(&bounds[b][window]));
            read.fill(true);
            let (mut unread, mut cut) = (0.0, 0);
            while cut < words && (unread + bounds[order[cut]][window]) * (1.0 + SLACK) <= threshold {
                unread += bounds[order[cut]][window];
                cut += 1;
            }
            let candidates: f32 = order[cut..].iter().map(|&w| scorer.read_cost(w)).sum();
            for &w in &order[..cut] {
                match scorer.look_up_cost(w, candidates) < scorer.read_cost(w) {
                    true => read[w] = false,
                    false => unread -= bounds[w][window],
                }
            }
            scorer.fill(window, &read);
            let start = window as DocId * size;
            for k in 0..scorer.matched.len() {
                for i in docs_in(k, scorer.matched[k]) {
                    let (doc, i) = (start + i, i as usize);
                    if unread > 0.0 {
                        if (scorer.read_sum(i, &read) + unread) * (1.0 + SLACK) <= threshold {
                            scorer.score(i);
                            continue;
                        }
                        for w in (0..words).filter(|&w| !read[w]) {
                            scorer.look_up(w, i, doc);
                        }
                    }
                    #[cfg(test)]
                    SCORED.with(|n| n.set(n.get() + 1));
                    let score = scorer.score(i);
                    if score > threshold {
                        threshold = callback(doc, score);
                    }
                }
            }
            for w in 0..words {
                unseen[w][window] = !read[w];
                if let Some(best) = &mut learning[w] {
                    best[window] = if read[w] { scorer.best[w] } else { bounds[w][window] };
                }
            }
            match start % 64 {
                0 => seen[start as usize / 64..].iter_mut().zip(&scorer.matched).for_each(|(s, m)| *s |= m),
                _ => (0..scorer.matched.len()).flat_map(|k| docs_in(k, scorer.matched[k])).for_each(|i| {
                    mark(&mut seen, start + i);
                }),
            }
        }
        for (best, key) in learning.into_iter().zip(self.keys_or_none()) {
            if let (Some(best), Some(memory)) = (best, memory) {
                memory.learn_word_maxima(segment, key, best);
            }
        }
        for (w, unseen) in unseen.iter().enumerate().filter(|(_, u)| u.contains(&true)) {
            self.mark_word(reader, w, &mut seen, |doc| unseen[(doc / size) as usize])?;
        }
        let count = alive_in(reader, &seen);
        self.counted.lock().unwrap_or_else(|e| e.into_inner()).push((segment, count));
        Ok(())
    }

    /// How many live documents of the segment match, from the words' postings and the clauses
    /// after them, which set bits in one bit set, without scores or frequencies (when
    /// [`WordsWeight::for_each_pruned`] did not count them).
    pub(super) fn count_unscored(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        let mut bits = vec![0u64; (reader.max_doc() as usize).div_ceil(64)];
        for w in 0..self.words.len() {
            self.mark_word(reader, w, &mut bits, |_| true)?;
        }
        for weight in &self.then {
            let mut scorer = weight.scorer(reader, 1.0)?;
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                mark(&mut bits, doc);
                doc = scorer.advance();
            }
        }
        Ok(alive_in(reader, &bits))
    }

    /// Sets the bit of every document of word `w`'s postings that `wanted`.
    fn mark_word(
        &self,
        reader: &SegmentReader,
        w: usize,
        bits: &mut [u64],
        wanted: impl Fn(DocId) -> bool,
    ) -> tantivy::Result<()> {
        for f in &self.words[w] {
            let index = reader.inverted_index(f.field)?;
            for info in self.places(reader, &index, f)?.iter().flatten() {
                let mut postings = index.read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
                loop {
                    let docs = postings.docs();
                    if docs.is_empty() {
                        break;
                    }
                    for &doc in docs.iter().filter(|&&doc| wanted(doc)) {
                        bits[doc as usize / 64] |= 1 << (doc % 64);
                    }
                    postings.advance();
                }
            }
        }
        Ok(())
    }
}

/// How many of the documents in `bits` are alive in `reader`.
fn alive_in(reader: &SegmentReader, bits: &[u64]) -> u32 {
    match reader.alive_bitset() {
        None => bits.iter().map(|w| w.count_ones()).sum(),
        Some(alive) => {
            let docs = bits.iter().enumerate().flat_map(|(i, &word)| docs_in(i, word));
            docs.filter(|&doc| alive.is_alive(doc)).count() as u32
        }
    }
}

#[cfg(test)]
thread_local! {
    /// How many documents were scored here on this thread (for tests).
    pub(super) static SCORED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}
