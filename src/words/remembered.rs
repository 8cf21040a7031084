//! Words' scores in a segment, remembered for a snapshot's life.
//!
//! Scoring a word reads each of its alternatives' postings in each field into the per-document
//! arrays, combines the fields by dis-max and adds the word into the totals: for a common word
//! (`python`, `data`) three passes over arrays as long as the segment, and a posting read for
//! each alternative in each field. What comes out, the word's score in each document that has
//! it, depends only on what [`super::pruning::word_key`] holds (its fields, terms, boosts and
//! BM25 weights, and the tie breaker), the fields' length factors and the segment: the same
//! for every search of the snapshot with that word. So the second time a word is scored in a
//! segment, its documents and scores are kept (up to [`MAX_WORD_SCORES_BYTES`] in all), and
//! from the third on the word is added from them, one addition a document: the same `f32`
//! additions into the totals as scoring it, so the same scores to the bit.
//!
//! Kept on the second sight, not the first: a word's alternatives include its prefix's
//! completions and typo corrections, which change as a query is typed, and a word scored once
//! would fill the memory for nothing. The memory fills and then keeps what it has until the
//! next commit (a new snapshot), as the snapshot's other memories do.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::{Arc, RwLock};

use tantivy::index::SegmentId;
use tantivy::{DocId, Score};

use super::WeightedField;
use super::scratch::{Scratch, combine, docs_in, mark};
use crate::analysis::FoldHash;

/// Most bytes of words' scores remembered (8 a document, see [`Scored::bytes`]).
pub(crate) const MAX_WORD_SCORES_BYTES: usize = 8 << 20;

/// Most words noted as seen once; past it, words seen once are not noted (and not kept).
const MAX_SEEN: usize = 100_000;

/// One word's documents in one segment, in order, with its score in each.
pub(crate) struct Scored {
    /// Each field's length factors, which the scores were made with.
    lengths: Box<[Arc<[Score; 256]>]>,
    docs: Box<[DocId]>,
    scores: Box<[Score]>,
}

impl Scored {
    /// The bytes a word's scores hold: its documents and scores, its key, and about 100 for
    /// the entry, so that many rare words count too.
    fn bytes(&self, key: &[u8]) -> usize {
        100 + key.len() + self.docs.len() * (std::mem::size_of::<DocId>() + std::mem::size_of::<Score>())
    }

    /// Adds the word's scores into `s.total`, marking its documents in `s.in_total`, as
    /// [`Scratch::add_to_total`] does; returns how many were new to the total.
    pub(super) fn add_to(&self, s: &mut Scratch) -> usize {
        let mut new = 0;
        for (&doc, &score) in self.docs.iter().zip(self.scores.iter()) {
            new += usize::from(mark(&mut s.in_total, doc));
            s.total[doc as usize] += score;
        }
        new
    }

    /// The scores of the word just combined into `s.max` and `s.sum`: its documents are those
    /// of `s.in_word` (`dense`, a segment of `docs` documents) or of `s.word_docs`.
    pub(super) fn of_word(
        s: &Scratch,
        fields: &[WeightedField],
        dense: bool,
        docs: usize,
        tie_breaker: Option<Score>,
    ) -> Scored {
        let mut listed: Vec<DocId> = match dense {
            true => s.in_word[..docs.div_ceil(64)].iter().enumerate().flat_map(|(i, &bits)| docs_in(i, bits)).collect(),
            false => s.word_docs.clone(),
        };
        listed.sort_unstable();
        let scores = listed.iter().map(|&d| combine(s.max[d as usize], s.sum[d as usize], tie_breaker)).collect();
        Scored { lengths: fields.iter().map(|f| f.lengths.clone()).collect(), docs: listed.into(), scores }
    }
}

/// Words' scores per segment, kept from their second search on (see the module docs).
#[derive(Default)]
pub(crate) struct WordScores {
    known: RwLock<Known>,
    /// Most bytes kept ([`MAX_WORD_SCORES_BYTES`] if None).
    limit: Option<usize>,
}

/// Word key -> the word's scores, in one segment.
type SegmentWords = HashMap<Box<[u8]>, Arc<Scored>, FoldHash>;

#[derive(Default)]
struct Known {
    segments: HashMap<SegmentId, SegmentWords, FoldHash>,
    /// Hashes of the (segment, word key)s scored once.
    seen: HashSet<u64, FoldHash>,
    hasher: FoldHash,
    bytes: usize,
}

impl WordScores {
    /// A memory that keeps at most `bytes` of words' scores.
    #[cfg(test)]
    pub(crate) fn with_limit(bytes: usize) -> WordScores {
        WordScores { limit: Some(bytes), ..WordScores::default() }
    }

    /// The bytes of words' scores kept.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.known.read().unwrap_or_else(|e| e.into_inner()).bytes
    }

    fn limit(&self) -> usize {
        self.limit.unwrap_or(MAX_WORD_SCORES_BYTES)
    }

    /// The scores of the word keyed `key` in `segment`, if kept with the length factors of
    /// `fields`.
    pub(super) fn get(&self, segment: SegmentId, key: &[u8], fields: &[WeightedField]) -> Option<Arc<Scored>> {
        let known = self.known.read().unwrap_or_else(|e| e.into_inner());
        let scored = known.segments.get(&segment)?.get(key)?;
        let same = scored.lengths.len() == fields.len()
            && scored.lengths.iter().zip(fields).all(|(l, f)| Arc::ptr_eq(l, &f.lengths));
        same.then(|| scored.clone())
    }

    /// Whether the word keyed `key`, just scored in `segment` (not kept), is to be kept now:
    /// it was scored before and there is room. Notes it as scored otherwise.
    pub(super) fn wants(&self, segment: SegmentId, key: &[u8]) -> bool {
        let hash = {
            let known = self.known.read().unwrap_or_else(|e| e.into_inner());
            if known.bytes + 100 + key.len() > self.limit() {
                return false;
            }
            let hash = known.hasher.hash_one((segment, key));
            if known.seen.contains(&hash) {
                return true;
            }
            hash
        };
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        if known.seen.len() < MAX_SEEN {
            known.seen.insert(hash);
        }
        false
    }

    /// Keeps `scored` as the word keyed `key`'s in `segment`, if there is room.
    pub(super) fn remember(&self, segment: SegmentId, key: &[u8], scored: Scored) {
        let bytes = scored.bytes(key);
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        if known.bytes + bytes <= self.limit() {
            let words = known.segments.entry(segment).or_default();
            if !words.contains_key(key) {
                words.insert(key.into(), Arc::new(scored));
                known.bytes += bytes;
            }
        }
    }
}
