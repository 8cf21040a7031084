//! A small segment's words scored term at a time into the per-document arrays (see the
//! [`super`] module docs): each field's alternatives added into `field`, fields combined into
//! each word's dis-max and sum, words into the totals (or a word added from its remembered
//! scores: `remembered`), then the clauses after the words; the matches handed on in order.

use std::borrow::Cow;
use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::TermInfo;
use tantivy::query::Scorer;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

use super::remembered::Scored;
use super::scratch::{SCRATCH, Scratch, docs_in, mark, tf_factor};
use super::{DENSE_SHARE, WeightedField, WordsWeight};
use crate::statistics::Decoded;

impl WordsWeight {
    /// The segment's matching documents in order, with their scores.
    pub(super) fn matches(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<(Vec<DocId>, Vec<Score>)> {
        let (mut docs, mut scores) = (Vec::new(), Vec::new());
        self.each_match(reader, boost, |found| match found {
            Found::Count(matched) => {
                docs.reserve_exact(matched);
                scores.reserve_exact(matched);
            }
            Found::Match(doc, score) => {
                docs.push(doc);
                scores.push(score);
            }
        })?;
        Ok((docs, scores))
    }

    /// Calls `f` with how many documents of the segment match, then with each in order and its
    /// score. `f` must not search (the per-thread arrays are borrowed).
    pub(super) fn each_match(
        &self,
        reader: &SegmentReader,
        boost: Score,
        mut f: impl FnMut(Found),
    ) -> tantivy::Result<()> {
        // Made before the arrays are borrowed: a clause may be words itself (a one-word synonym),
        // whose scorer borrows them while it is made.
        let mut then = self.then.iter().map(|w| w.scorer(reader, boost)).collect::<tantivy::Result<Vec<_>>>()?;
        SCRATCH.with_borrow_mut(|s| {
            s.fit(reader.max_doc() as usize);
            // Clean again only once the arrays are all zeros again, at the end.
            s.dirty = true;
            let mut matched = 0;
            let (segment, memory) = (reader.segment_id(), self.word_memory(boost));
            for (w, word) in self.words.iter().enumerate() {
                let key = memory.and(self.keys.get(w));
                if let Some(known) = memory.zip(key).and_then(|(m, key)| m.word_scores.get(segment, key, word)) {
                    matched += known.add_to(s);
                    continue;
                }
                // A word with a dense field is combined from its bit set, not a list.
                let mut word_dense = false;
                for f in word {
                    let dense = self.add_field(reader, f, boost, s)?;
                    word_dense |= dense;
                    // Fields combine like tantivy's dis-max (or sum) combiner, in field order.
                    if dense {
                        s.add_field_to_word_dense(reader.max_doc() as usize);
                    } else {
                        let docs = std::mem::take(&mut s.field_docs);
                        for &doc in &docs {
                            s.in_field[doc as usize / 64] = 0;
                            s.add_to_word(doc, !word_dense);
                        }
                        s.field_docs = docs;
                        s.field_docs.clear();
                    }
                }
                if let Some((memory, key)) = memory.zip(key).filter(|(m, key)| m.word_scores.wants(segment, key)) {
                    let scored = Scored::of_word(s, word, word_dense, reader.max_doc() as usize, self.tie_breaker);
                    memory.word_scores.remember(segment, key, scored);
                }
                if word_dense {
                    matched += s.add_word_to_total_dense(reader.max_doc() as usize, self.tie_breaker);
                } else {
                    let docs = std::mem::take(&mut s.word_docs);
                    for &doc in &docs {
                        s.in_word[doc as usize / 64] = 0;
                        matched += s.add_to_total(doc, self.tie_breaker);
                    }
                    s.word_docs = docs;
                }
                s.word_docs.clear();
            }
            for scorer in &mut then {
                let mut doc = scorer.doc();
                while doc != TERMINATED {
                    matched += usize::from(mark(&mut s.in_total, doc));
                    s.total[doc as usize] += scorer.score();
                    doc = scorer.advance();
                }
            }
            f(Found::Count(matched));
            for (i, bits) in s.in_total.iter_mut().enumerate() {
                for doc in docs_in(i, std::mem::take(bits)) {
                    f(Found::Match(doc, std::mem::take(&mut s.total[doc as usize])));
                }
            }
            s.dirty = false;
            Ok(())
        })
    }

    /// Where `f`'s terms' postings are in `reader`'s segment (`index`: of `f`'s field), in term
    /// order (None: not there): as looked up when the weight was made, or else from `index`.
    pub(super) fn places<'a>(
        &self,
        reader: &SegmentReader,
        index: &tantivy::InvertedIndexReader,
        f: &'a WeightedField,
    ) -> tantivy::Result<Cow<'a, [Option<TermInfo>]>> {
        let id = reader.segment_id();
        if let Some(known) = self.segments.iter().position(|&s| s == id).and_then(|ord| f.places.get(ord)) {
            return Ok(Cow::Borrowed(known));
        }
        let found = f.terms.iter().map(|(term, ..)| index.get_term_info(term)).collect::<std::io::Result<Vec<_>>>()?;
        Ok(Cow::Owned(found))
    }

    /// Adds each alternative's BM25 score in field `f` into `s.field`, noting new documents in
    /// `s.in_field` and, unless the alternatives' postings cover a [`DENSE_SHARE`]th of the
    /// segment or more (returns true then), in `s.field_docs`. Each term's postings come decoded
    /// from the snapshot's memory when it has them, and are decoded into it when it has room
    /// (when scoring: see [`Decoded`]); else they are read from the index.
    fn add_field(
        &self,
        reader: &SegmentReader,
        f: &WeightedField,
        boost: Score,
        s: &mut Scratch,
    ) -> tantivy::Result<bool> {
        let index = reader.inverted_index(f.field)?;
        let norms = match self.scoring {
            true => reader.fieldnorms_readers().get_field(f.field)?,
            false => None,
        };
        let norms = norms.unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
        let Scratch { infos, in_field, field_docs, field, decoded, .. } = s;
        let mut postings_docs = 0u64;
        let places = self.places(reader, &index, f)?;
        for ((_, term_boost, weight), info) in f.terms.iter().zip(places.iter()) {
            let Some(info) = info else { continue };
            postings_docs += u64::from(info.doc_freq);
            // tantivy boosts a term's weight by the product of the boosts above it, outermost first.
            infos.push((info.clone(), weight * (boost * term_boost)));
        }
        let dense = postings_docs * DENSE_SHARE >= u64::from(reader.max_doc());
        let mut add = |doc: DocId, score: Score| {
            if dense {
                in_field[doc as usize / 64] |= 1 << (doc % 64);
            } else if mark(in_field, doc) {
                field_docs.push(doc);
            }
            field[doc as usize] += score;
        };
        // The snapshot's postings decoded, when scoring (the factors are scores' parts).
        let (segment, memory) = (reader.segment_id(), self.term_infos.as_deref().filter(|_| self.scoring));
        if let Some(memory) = memory {
            memory.decoded_all(segment, f.field, infos.iter().map(|(info, _)| info.postings_range.start), decoded);
        }
        for (i, (info, weight)) in infos.drain(..).enumerate() {
            let known = decoded.get_mut(i).and_then(Option::take).filter(|d| Arc::ptr_eq(&d.lengths, &f.lengths));
            let known = match (known, memory) {
                (Some(known), _) => Some(known),
                (None, Some(memory)) if memory.has_room_decoded(Decoded::bytes(info.doc_freq)) => {
                    let made = Arc::new(decode(&index, &info, &f.lengths, &norms)?);
                    memory.remember_decoded(segment, f.field, info.postings_range.start, made.clone());
                    Some(made)
                }
                _ => None,
            };
            // The same factors either way: the same scores, to the bit.
            match known {
                Some(known) => {
                    for (&doc, &factor) in known.docs.iter().zip(known.factors.iter()) {
                        add(doc, weight * factor);
                    }
                }
                None => each_posting(&index, &info, &f.lengths, &norms, |doc, factor| add(doc, weight * factor))?,
            }
        }
        decoded.clear();
        Ok(dense)
    }
}

/// Each document of a term's postings in a field (`info`), in order, with its frequency
/// factor by the field's `lengths` and `norms`.
fn each_posting(
    index: &tantivy::InvertedIndexReader,
    info: &TermInfo,
    lengths: &[Score; 256],
    norms: &FieldNormReader,
    mut f: impl FnMut(DocId, Score),
) -> tantivy::Result<()> {
    let mut postings = index.read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
    loop {
        let docs = postings.docs();
        if docs.is_empty() {
            return Ok(());
        }
        for (&doc, &tf) in docs.iter().zip(postings.freqs()) {
            f(doc, tf_factor(tf, lengths, norms.fieldnorm_id(doc)));
        }
        postings.advance();
    }
}

/// A term's postings in a field as [`each_posting`] reads them, kept (see [`Decoded`]).
fn decode(
    index: &tantivy::InvertedIndexReader,
    info: &TermInfo,
    lengths: &Arc<[Score; 256]>,
    norms: &FieldNormReader,
) -> tantivy::Result<Decoded> {
    let (mut docs, mut factors) =
        (Vec::with_capacity(info.doc_freq as usize), Vec::with_capacity(info.doc_freq as usize));
    each_posting(index, info, lengths, norms, |doc, factor| {
        docs.push(doc);
        factors.push(factor);
    })?;
    Ok(Decoded { lengths: lengths.clone(), docs: docs.into(), factors: factors.into() })
}

/// What [`WordsWeight::each_match`] finds: how many documents match, then each of them.
pub(super) enum Found {
    Count(usize),
    Match(DocId, Score),
}

/// Documents and scores, listed in order.
pub(super) struct Listed {
    pub(super) docs: Vec<DocId>,
    pub(super) scores: Vec<Score>,
    pub(super) at: usize,
}

impl DocSet for Listed {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.docs.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.at += self.docs[self.at..].partition_point(|&d| d < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.at).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        (self.docs.len() - self.at) as u32
    }
}

impl Scorer for Listed {
    fn score(&mut self) -> Score {
        self.scores.get(self.at).copied().unwrap_or_default()
    }
}
