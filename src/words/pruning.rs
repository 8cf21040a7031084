//! Top hits and counts of a large segment without scoring every match.
//!
//! tantivy's top-hits collector asks a weight only for the documents that score above a
//! threshold, the k-th best score so far ([`Weight::for_each_pruning`]). Over a million talks, a
//! word in most of them (`python`) has postings over most of a segment, and scoring them all
//! made the slowest searches grow linearly with the index. In a large segment the words query
//! takes the segment in windows of 4,096 documents and skips every window where its words'
//! bounds add up to no more than the threshold: no document there can enter the top. Inside
//! the other windows, tantivy's scorer of the whole query scores every match, as before, so
//! scores are the exhaustive ones to the bit, and the documents handed on are exactly those an
//! exhaustive scan hands on (tested). This relies on the threshold never falling, as
//! tantivy's collector's does not.
//!
//! A word's bound in a window is the best score it reached there, once learnt, or else its
//! bound in the segment: a term's BM25 score tends to its weight, `idf * (1 + k1)` times its
//! boosts, as its frequency grows (a rare term's best score in the segment is read from its
//! postings instead), a field's alternatives add up, and fields combine by dis-max
//! (`max + tie * (sum - max)`, which grows with each field's score) or by sum. The segment
//! bound of a common word is far above what it scores (`python`: 52 against a best score of
//! 18.5 in a segment of half a million talks), so nothing is skipped until the word's best
//! scores are known. A one-word query's search scores every document of
//! its word in every window it does not skip, and when it skipped none, remembers the best
//! score in each window for the snapshot's life ([`crate::statistics::TermInfos`], keyed by
//! everything the word's scores depend on): the next searches with the word skip the windows
//! whose best score is no more than the threshold (`python` alone over a million talks: 12.8 ->
//! 5.5 ms a search, `examples/query_mix.rs`). Block-max WAND does the same with the
//! best score of each block of 128 postings of each term, which tantivy keeps for a single term
//! but not for the dis-max of a word's fields.
//!
//! The segment's matches are counted on the way ([`Weight::count`] takes the count): those
//! scored, plus those of skipped windows, from the words' postings, which set bits in one bit
//! set without their frequencies or scores.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, Score, SegmentReader, TERMINATED};

use super::window::Windows;
use super::{Large, WeightedField, WordsQuery, WordsWeight, docs_in, larger, mark};

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
            for (term, boost, weight) in &f.terms {
                let Some(info) = self.term_info(reader, &index, term)? else { continue };
                let weight = weight * boost;
                match self.peaks(reader, &index, f, term, &info, size)? {
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
        let bound = |(m, s): (&Score, &Score)| match self.tie_breaker {
            Some(tie) => m + (s - m) * tie,
            None => *s,
        };
        Ok(max.iter().zip(&sum).map(|b| bound(b) * (1.0 + SLACK)).collect())
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
        if memory.is_none() && info.doc_freq > SCANNED_MAX_DOCS {
            return Ok(None);
        }
        let norms = reader.fieldnorms_readers().get_field(f.field)?;
        let norms = norms.unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
        let mut postings = index.read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
        let mut peaks = vec![0.0; windows];
        while !postings.docs().is_empty() {
            for (&doc, &tf) in postings.docs().iter().zip(postings.freqs()) {
                let tf = tf as Score;
                let peak = &mut peaks[(doc / size) as usize];
                *peak = larger(tf / (tf + f.lengths[usize::from(norms.fieldnorm_id(doc))]), *peak);
            }
            postings.advance();
        }
        if let Some(memory) = memory {
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
    /// bounds add up to no more than the threshold (see the module docs); the callback returns
    /// the new threshold. Leaves the segment's count of matches for [`Weight::count`], and a
    /// one-word query's best scores in each window for the next searches.
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
        let mut bounds = Vec::with_capacity(large.keys.len());
        let mut learnt = true;
        for (w, key) in large.keys.iter().enumerate().filter(|_| self.then.is_empty()) {
            let known = memory.and_then(|m| m.word_maxima(segment, key)).filter(|m| m.len() == windows);
            learnt &= known.is_some();
            bounds.push(match known {
                Some(maxima) => maxima.iter().map(|m| m * (1.0 + SLACK)).collect(),
                None => self.bounds(w, reader, size)?,
            });
        }
        // A one-word query's scores are its word's: learnt, unless known already.
        let one_word = large.keys.len() == 1 && self.then.is_empty();
        let mut learning = (one_word && !learnt && memory.is_some()).then(|| vec![0.0; windows]);
        let alive = reader.alive_bitset();
        let mut scorer = Windows::open(self, reader, size)?;
        // Live matches visited, and the windows skipped (whose matches are counted apart).
        let (mut visited, mut skipped) = (0u32, Vec::new());
        for window in 0..windows {
            let bound: Score = after + bounds.iter().map(|b| b[window]).sum::<Score>();
            if bound * (1.0 + SLACK) <= threshold {
                skipped.push(window);
                learning = None;
                continue;
            }
            scorer.fill(window);
            let start = window as DocId * size;
            for k in 0..scorer.matched.len() {
                for i in docs_in(k, scorer.matched[k]) {
                    #[cfg(test)]
                    SCORED.with(|n| n.set(n.get() + 1));
                    let doc = start + i;
                    let score = scorer.score(i as usize);
                    visited += u32::from(alive.is_none_or(|a| a.is_alive(doc)));
                    if let Some(best) = &mut learning {
                        best[window] = larger(score, best[window]);
                    }
                    if score > threshold {
                        threshold = callback(doc, score);
                    }
                }
            }
        }
        if let (Some(best), Some(memory)) = (learning, memory) {
            memory.learn_word_maxima(segment, &large.keys[0], best);
        }
        let count = visited + self.count_in(reader, size, &skipped)?;
        large.counted.lock().unwrap_or_else(|e| e.into_inner()).push((segment, count));
        Ok(())
    }

    /// How many live documents of the segment's `windows` (of `size` documents, in order)
    /// match: the words' postings set bits in one bit set, without scores or frequencies.
    fn count_in(&self, reader: &SegmentReader, size: u32, windows: &[usize]) -> tantivy::Result<u32> {
        if windows.is_empty() {
            return Ok(0);
        }
        let mut wanted = vec![false; reader.max_doc().div_ceil(size) as usize];
        windows.iter().for_each(|&w| wanted[w] = true);
        let mut bits = vec![0u64; (reader.max_doc() as usize).div_ceil(64)];
        self.mark_postings(reader, &mut bits, |doc| wanted[(doc / size) as usize])?;
        Ok(alive_in(reader, &bits))
    }

    /// How many live documents of the segment match: what [`WordsWeight::for_each_pruned`]
    /// counted there, if it ran, or else from the words' postings and the clauses after them,
    /// which set bits in one bit set, without scores or frequencies.
    pub(super) fn count_unscored(&self, large: &Large, reader: &SegmentReader) -> tantivy::Result<u32> {
        {
            let mut counted = large.counted.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(at) = counted.iter().position(|(id, _)| *id == reader.segment_id()) {
                return Ok(counted.swap_remove(at).1);
            }
        }
        let mut bits = vec![0u64; (reader.max_doc() as usize).div_ceil(64)];
        self.mark_postings(reader, &mut bits, |_| true)?;
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

    /// Sets the bit of every document of the words' postings that `wanted`.
    fn mark_postings(
        &self,
        reader: &SegmentReader,
        bits: &mut [u64],
        wanted: impl Fn(DocId) -> bool,
    ) -> tantivy::Result<()> {
        for f in self.words.iter().flatten() {
            let index = reader.inverted_index(f.field)?;
            for (term, _, _) in &f.terms {
                let Some(info) = self.term_info(reader, &index, term)? else { continue };
                let mut postings = index.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
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
