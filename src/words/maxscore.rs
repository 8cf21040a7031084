//! Top hits and counts of a large segment without scoring every match.
//!
//! tantivy's top-hits collector asks a weight only for the documents that score above a
//! threshold, the k-th best score so far ([`Weight::for_each_pruning`]). Over a million talks, a
//! word in most of them (`python`) has postings over most of a segment, and scoring them all
//! made the slowest searches grow linearly with the index. MaxScore (Turtle and Flood, 1995)
//! avoids that. Each term's score is bounded by its weight, `idf * (1 + k1)` times its boosts
//! (BM25's limit as the term's frequency grows), and a document's score by the sum of its
//! terms' scores: a word's fields combine by dis-max with a tie breaker of at most 1, or by
//! sum, and words by sum. With the terms in order of their bounds, the ones whose bounds add up
//! to no more than the threshold are non-essential: a document that has only those cannot
//! enter the top. The candidates are the documents of the essential terms; the non-essential
//! terms' postings are only sought for them (skipping whole blocks), from the largest bound
//! down, and no further once the candidate's score so far plus the bounds left cannot pass the
//! threshold. As the threshold rises, more terms become non-essential.
//!
//! A candidate is scored in the words query's own order of operations, so its score equals
//! the exhaustive one's to the bit, and the documents handed on are exactly those the
//! exhaustive scan hands on (tested): every skipped document scores at most the threshold.
//! This relies on the threshold never falling, as tantivy's collector's does not.
//!
//! Counting a segment's matches ([`WordsWeight::count_unscored`]) needs no scores: the terms'
//! postings set bits in one bit set, without their frequencies.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

use super::{WordsWeight, larger, mark};

/// Bounds are widened by this share, so that no rounding in adding scores up makes a
/// document's score pass a bound it does not pass in exact arithmetic.
const SLACK: Score = 1e-4;

#[cfg(test)]
thread_local! {
    /// How many documents MaxScore scored in full on this thread (for tests).
    pub(super) static SCORED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// One term's postings in a segment.
struct Cursor {
    postings: SegmentPostings,
    /// `idf * (1 + k1)` times the boosts: the term's score can approach it, never pass it.
    weight: Score,
    /// The term's field (of its word) in [`Layout::fields`].
    field: usize,
    /// The term's place in the words query's order of operations.
    slot: usize,
}

impl Cursor {
    fn score(&self, doc: DocId, layout: &Layout) -> Score {
        let (norms, lengths, _) = &layout.fields[self.field];
        let tf = self.postings.term_freq() as Score;
        self.weight * (tf / (tf + lengths[usize::from(norms.fieldnorm_id(doc))]))
    }
}

/// The words query's shape in one segment: per word its fields, per field its terms' slots.
struct Layout {
    /// Per field of each word: its length codes, their BM25 length factors, its terms' slots.
    fields: Vec<(FieldNormReader, std::sync::Arc<[Score; 256]>, std::ops::Range<usize>)>,
    /// Per word, its fields in `fields`.
    words: Vec<std::ops::Range<usize>>,
}

impl Layout {
    /// A document's score from its terms' scores (0 for a term it lacks), combined as the words
    /// query combines them: fields summed term by term, a word's fields by dis-max (or sum), the
    /// words summed. Adding a zero changes no sum and no maximum, so this equals the score the
    /// query gives by adding only the terms the document has, to the bit.
    fn combine(&self, scores: &[Score], tie_breaker: Option<Score>) -> Score {
        let mut total = 0.0;
        for word in &self.words {
            let (mut max, mut sum): (Score, Score) = (0.0, 0.0);
            for (_, _, slots) in &self.fields[word.clone()] {
                let mut field = 0.0;
                for score in &scores[slots.clone()] {
                    field += score;
                }
                max = larger(field, max);
                sum += field;
            }
            total += match tie_breaker {
                Some(tie) => max + (sum - max) * tie,
                None => sum,
            };
        }
        total
    }
}

impl WordsWeight {
    /// Whether [`WordsWeight::for_each_pruned`] applies: scores on, no clauses after the words
    /// (their scores have no bound here), a tie breaker in 0..=1 and no negative boost (else the
    /// sum of the terms' scores would not bound a document's).
    pub(super) fn prunable(&self) -> bool {
        self.scoring
            && self.then.is_empty()
            && self.tie_breaker.is_none_or(|t| (0.0..=1.0).contains(&t))
            && self
                .words
                .iter()
                .flatten()
                .flat_map(|f| &f.terms)
                .all(|(_, boost, weight)| *boost >= 0.0 && *weight >= 0.0)
    }

    /// Hands `callback` every document of the segment that scores above the threshold, in
    /// document order, with its score, by MaxScore (see the module docs); the callback returns
    /// the new threshold.
    pub(super) fn for_each_pruned(
        &self,
        reader: &SegmentReader,
        mut threshold: Score,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        let mut layout = Layout { fields: Vec::new(), words: Vec::with_capacity(self.words.len()) };
        let mut cursors = Vec::new();
        let mut slots = 0;
        for word in &self.words {
            let first = layout.fields.len();
            for f in word {
                let index = reader.inverted_index(f.field)?;
                let norms = reader.fieldnorms_readers().get_field(f.field)?;
                let norms = norms.unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
                let start = slots;
                for (term, term_boost, weight) in &f.terms {
                    slots += 1;
                    let Some(info) = self.term_info(reader, &index, term)? else { continue };
                    let postings = index.read_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
                    // As the words' own scorer weighs it, under a boost of 1.
                    let weight = weight * (1.0 * term_boost);
                    cursors.push(Cursor { postings, weight, field: layout.fields.len(), slot: slots - 1 });
                }
                layout.fields.push((norms, f.lengths.clone(), start..slots));
            }
            layout.words.push(first..layout.fields.len());
        }
        cursors.sort_by(|a, b| a.weight.total_cmp(&b.weight));
        // bounds[i]: the most the terms 0..=i can add to a document's score together.
        let mut bounds = Vec::with_capacity(cursors.len());
        let mut sum = 0.0;
        for c in &cursors {
            sum += c.weight;
            bounds.push(sum * (1.0 + SLACK));
        }
        let mut scores = vec![0.0; slots];
        // Terms 0..essential are non-essential.
        let mut essential = bounds.partition_point(|&b| b <= threshold);
        while essential < cursors.len() {
            let doc = cursors[essential..].iter().map(|c| c.postings.doc()).min().unwrap_or(TERMINATED);
            if doc == TERMINATED {
                break;
            }
            let mut so_far = 0.0;
            for c in &cursors[essential..] {
                if c.postings.doc() == doc {
                    let score = c.score(doc, &layout);
                    scores[c.slot] = score;
                    so_far += score;
                }
            }
            let mut candidate = true;
            for i in (0..essential).rev() {
                if so_far * (1.0 + SLACK) + bounds[i] <= threshold {
                    candidate = false;
                    break;
                }
                let c = &mut cursors[i];
                if c.postings.doc() < doc {
                    c.postings.seek(doc);
                }
                if c.postings.doc() == doc {
                    let score = c.score(doc, &layout);
                    scores[c.slot] = score;
                    so_far += score;
                }
            }
            if candidate {
                #[cfg(test)]
                SCORED.with(|n| n.set(n.get() + 1));
                let score = layout.combine(&scores, self.tie_breaker);
                if score > threshold {
                    threshold = callback(doc, score);
                }
            }
            for c in &mut cursors {
                if c.postings.doc() == doc {
                    scores[c.slot] = 0.0;
                }
            }
            for c in &mut cursors[essential..] {
                if c.postings.doc() == doc {
                    c.postings.advance();
                }
            }
            while essential < cursors.len() && bounds[essential] <= threshold {
                essential += 1;
            }
        }
        Ok(())
    }

    /// How many live documents of the segment match: the words' terms' postings and the
    /// clauses after them set bits in one bit set, without scores or frequencies.
    pub(super) fn count_unscored(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        let mut bits = vec![0u64; (reader.max_doc() as usize).div_ceil(64)];
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
                    for &doc in docs {
                        bits[doc as usize / 64] |= 1 << (doc % 64);
                    }
                    postings.advance();
                }
            }
        }
        for weight in &self.then {
            let mut scorer = weight.scorer(reader, 1.0)?;
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                mark(&mut bits, doc);
                doc = scorer.advance();
            }
        }
        let count = match reader.alive_bitset() {
            None => bits.iter().map(|w| w.count_ones()).sum(),
            Some(alive) => {
                let docs = bits.iter().enumerate().flat_map(|(i, &word)| super::docs_in(i, word));
                docs.filter(|&doc| alive.is_alive(doc)).count() as u32
            }
        };
        Ok(count)
    }
}
