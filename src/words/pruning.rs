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
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

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
    /// The most word `w` can add to a document's score in this segment: a term's BM25 score
    /// tends to its weight, `idf * (1 + k1)` times its boosts, as its frequency grows, and never
    /// reaches it (a rare term's best score here is read from its postings; a term the segment
    /// lacks adds nothing); a field's alternatives add up; fields combine by dis-max,
    /// `max + tie * (sum - max)`, which grows with each field's score, or by sum.
    fn bound(&self, w: usize, reader: &SegmentReader) -> tantivy::Result<Score> {
        let (mut max, mut sum): (Score, Score) = (0.0, 0.0);
        for f in &self.words[w] {
            let index = reader.inverted_index(f.field)?;
            let mut field = 0.0;
            for (term, boost, weight) in &f.terms {
                let Some(info) = self.term_info(reader, &index, term)? else { continue };
                let weight = weight * boost;
                if info.doc_freq > SCANNED_MAX_DOCS {
                    field += weight;
                    continue;
                }
                let norms = reader.fieldnorms_readers().get_field(f.field)?;
                let norms = norms.unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
                let mut postings = index.read_block_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
                let mut best: Score = 0.0;
                while !postings.docs().is_empty() {
                    for (&doc, &tf) in postings.docs().iter().zip(postings.freqs()) {
                        let tf = tf as Score;
                        best = larger(weight * (tf / (tf + f.lengths[usize::from(norms.fieldnorm_id(doc))])), best);
                    }
                    postings.advance();
                }
                field += best;
            }
            max = larger(field, max);
            sum += field;
        }
        let bound = match self.tie_breaker {
            Some(tie) => max + (sum - max) * tie,
            None => sum,
        };
        Ok(bound * (1.0 + SLACK))
    }
}

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
        // Per word: its best score in each window, if learnt, or else its bound in the segment;
        // the clauses after the words have no bound.
        let mut bounds = Vec::with_capacity(large.keys.len() + 1);
        if !self.then.is_empty() {
            bounds.push(Bound::Segment(Score::INFINITY));
        }
        for (w, key) in large.keys.iter().enumerate() {
            let known = memory.and_then(|m| m.word_maxima(segment, key)).filter(|m| m.len() == windows);
            bounds.push(match known {
                Some(maxima) => Bound::Windows(maxima),
                None => Bound::Segment(self.bound(w, reader)?),
            });
        }
        // A one-word query's scores are its word's: learnt, unless known already.
        let one_word = large.keys.len() == 1 && self.then.is_empty();
        let mut learning = match &bounds[..] {
            [Bound::Segment(_)] if one_word && memory.is_some() => Some(vec![0.0; windows]),
            _ => None,
        };
        let alive = reader.alive_bitset();
        let mut scorer = large.whole.scorer(reader, 1.0)?;
        // Live matches visited, and the windows skipped (whose matches are counted apart).
        let (mut visited, mut skipped) = (0u32, Vec::new());
        for window in 0..windows {
            let (start, end) = (window as DocId * size, (window as DocId + 1) * size);
            let bound: Score = bounds.iter().map(|b| b.at(window)).sum();
            if bound * (1.0 + SLACK) <= threshold {
                skipped.push(window);
                learning = None;
                continue;
            }
            let mut doc = match scorer.doc() < start {
                true => scorer.seek(start),
                false => scorer.doc(),
            };
            while doc < end {
                #[cfg(test)]
                SCORED.with(|n| n.set(n.get() + 1));
                let score = scorer.score();
                visited += u32::from(alive.is_none_or(|a| a.is_alive(doc)));
                if let Some(best) = &mut learning {
                    best[window] = larger(score, best[window]);
                }
                if score > threshold {
                    threshold = callback(doc, score);
                }
                doc = scorer.advance();
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

/// The most a word can add to a document's score in a segment: in each window, once learnt.
enum Bound {
    Segment(Score),
    Windows(Arc<[f32]>),
}

impl Bound {
    fn at(&self, window: usize) -> Score {
        match self {
            Bound::Segment(bound) => *bound,
            Bound::Windows(maxima) => maxima[window] * (1.0 + SLACK),
        }
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
