//! Second-stage ranking of long queries: the first stage's top talks re-scored by BM25 over stem
//! classes, with pseudo-relevance feedback on stems.
//!
//! The first stage ([`crate::plan`]) matches a word's exact form at full weight and its stem
//! tokens at a lower one, each term with its own statistics. A stem class ("model", "models",
//! "modelling") is thus split over several terms, none of which has the class's document
//! frequency or term frequency. For a long, natural-language query (at least
//! [`Rerank::min_words`] words after stop words) the top [`Rerank::depth`] talks are scored again
//! by BM25 over stem classes:
//!
//! - a class's forms in the index are its marked stem token (`\u{1}model`, emitted beside every
//!   inflected word) and the bare stem (a word that is its own stem carries no marked token);
//! - its term frequency in a talk is the sum of its forms' in the title and the abstract, its
//!   document frequency the number of talks with any form in either (counted exactly), and a
//!   talk's length is its title and abstract token count (tantivy's field norms);
//! - the stem-level score is mixed with the first stage's, each divided by its best over the
//!   candidates: `(1 - weight) * first + weight * stems`.
//!
//! Then relevance-model feedback on stems: the best [`Rerank::fb_docs`] talks of that ranking,
//! each weighted by `exp(stem score - best stem score)` (their likelihood), give the classes that
//! characterise them (frequent in them, rare in the index), which are added to the stem query at
//! [`Rerank::fb_weight`], and the candidates are scored once more. Short queries never get here:
//! they keep the first stage's ranking and speed.

use std::collections::HashMap;
use std::sync::RwLock;

use tantivy::postings::Postings;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocSet, Searcher, Term};

use crate::analysis::{self, FoldHash, STEM_MARK};
use crate::error::Result;
use crate::feedback::{self, Counts, counts_for};
use crate::plan;

/// Re-ranking settings.
#[derive(Debug, Clone, Copy)]
pub struct Rerank {
    /// Top talks of the first stage that are re-scored (0 turns re-ranking off).
    pub depth: usize,
    /// Share of the stem-level score in the final one (0 keeps the first stage's order).
    pub weight: f32,
    /// Talks taken as relevant for stem-level feedback (0 turns it off).
    pub fb_docs: usize,
    /// Stem classes added by feedback.
    pub fb_terms: usize,
    /// Weight of the added classes, relative to the query's own (all of them together weigh
    /// `fb_weight` times the query's words).
    pub fb_weight: f32,
    /// Queries with fewer words (after stop words) are not re-ranked.
    pub min_words: usize,
}

impl Default for Rerank {
    fn default() -> Self {
        // Measured with `cargo bench --bench relevance` (see README, "Ranking").
        Rerank { depth: 100, weight: 0.5, fb_docs: 10, fb_terms: 20, fb_weight: 0.5, min_words: 5 }
    }
}

impl Rerank {
    /// Whether a query of `words` ranked words (after stop words) is re-ranked.
    pub fn applies(&self, words: usize) -> bool {
        self.depth > 0 && self.weight > 0.0 && words >= self.min_words.max(1)
    }
}

const K1: f32 = 1.2;
const B: f32 = 0.75;

/// The stem class of an analysed query term (a surface token): its stem, or itself.
pub fn class_of(term: &str) -> String {
    analysis::tokens(term)
        .into_iter()
        .find(|t| analysis::is_stem(&t.text))
        .map_or_else(|| term.to_string(), |t| t.text.trim_start_matches(STEM_MARK).to_string())
}

/// Counts of the stem classes of `text`'s words of 3+ letters `a-z` that are not stop words, and
/// the number of words (positions) in it.
pub(crate) fn class_counts(text: &str) -> (Counts, u32) {
    fn add(counts: &mut Counts, class: &str) {
        // A key is allocated once per distinct class, not per occurrence.
        match counts.get_mut(class) {
            Some(count) => *count += 1,
            None => drop(counts.insert(class.to_string(), 1)),
        }
    }
    let mut counts = counts_for(text);
    let (mut words, mut last) = (0, None);
    // The tokens are streamed, not collected: a word's stem token, if it has one, comes right
    // after it at the same position, so a counted word waits for it in `class`.
    let (mut waiting, mut class) = (None, String::new());
    analysis::for_each_token(text, &analysis::ByteSet::ALL, |t| {
        if analysis::is_stem(&t.text) {
            if waiting == Some(t.position) {
                class.clear();
                class.push_str(t.text.trim_start_matches(STEM_MARK));
            }
            return;
        }
        if waiting.take().is_some() {
            add(&mut counts, &class);
        }
        if last != Some(t.position) {
            words += 1;
            last = Some(t.position);
        }
        if t.text.len() >= 3 && t.text.bytes().all(|b| b.is_ascii_lowercase()) && !plan::is_stopword(&t.text) {
            waiting = Some(t.position);
            class.clear();
            class.push_str(&t.text);
        }
    });
    if waiting.is_some() {
        add(&mut counts, &class);
    }
    (counts, words)
}

/// Most class document frequencies a [`ClassFreqs`] remembers (past it, they are counted each
/// time: a flood of made-up words cannot grow memory).
const MAX_CLASSES: usize = 100_000;

/// Exact document frequencies of stem classes ([`Stats::doc_freq`]), remembered for a
/// snapshot's life as its terms' are (`statistics.rs`): counting one reads every posting of its
/// forms in every field, which over a million talks took 4 ms of a long query's 5 ms
/// re-ranking.
#[derive(Default)]
pub struct ClassFreqs(RwLock<HashMap<Vec<Field>, HashMap<String, u64>>>);

impl ClassFreqs {
    fn get(&self, fields: &[Field], class: &str) -> Option<u64> {
        let memo = self.0.read().unwrap_or_else(|e| e.into_inner());
        memo.get(fields).and_then(|classes| classes.get(class)).copied()
    }

    fn insert(&self, fields: &[Field], class: &str, doc_freq: u64) {
        let mut memo = self.0.write().unwrap_or_else(|e| e.into_inner());
        if memo.values().map(HashMap::len).sum::<usize>() < MAX_CLASSES {
            memo.entry(fields.to_vec()).or_default().insert(class.to_string(), doc_freq);
        }
    }
}

/// Index statistics of stem classes in some fields.
pub struct Stats<'a> {
    searcher: &'a Searcher,
    /// Document frequencies of single terms (the searcher, or a snapshot's remembered ones).
    doc_freqs: &'a dyn Bm25StatisticsProvider,
    fields: &'a [Field],
    num_docs: f32,
    avg_len: f32,
    /// Where exact class frequencies are remembered, if anywhere.
    memo: Option<&'a ClassFreqs>,
}

impl<'a> Stats<'a> {
    /// Statistics over `fields` (a talk's length is its token count summed over them).
    pub fn new(
        searcher: &'a Searcher,
        doc_freqs: &'a dyn Bm25StatisticsProvider,
        fields: &'a [Field],
    ) -> Result<Stats<'a>> {
        let (mut tokens, mut docs) = (0u64, 0u64);
        for segment in searcher.segment_readers() {
            docs += u64::from(segment.max_doc());
            for &f in fields {
                tokens += segment.inverted_index(f)?.total_num_tokens();
            }
        }
        Ok(Stats {
            searcher,
            doc_freqs,
            fields,
            num_docs: searcher.num_docs().max(1) as f32,
            avg_len: (tokens as f32 / docs.max(1) as f32).max(1.0),
            memo: None,
        })
    }

    /// These statistics, remembering exact class frequencies in `memo` (which must belong to
    /// the same searcher: a snapshot's).
    pub fn remembering(self, memo: &'a ClassFreqs) -> Stats<'a> {
        Stats { memo: Some(memo), ..self }
    }

    fn forms(&self, field: Field, class: &str) -> [Term; 2] {
        [Term::from_field_text(field, &format!("{STEM_MARK}{class}")), Term::from_field_text(field, class)]
    }

    /// Talks with any form of `class` in any of the fields, exactly (deleted talks included, as
    /// in tantivy's own statistics).
    pub fn doc_freq(&self, class: &str) -> Result<u64> {
        if let Some(known) = self.memo.and_then(|m| m.get(self.fields, class)) {
            return Ok(known);
        }
        let total = self.count_doc_freq(class)?;
        if let Some(memo) = self.memo {
            memo.insert(self.fields, class, total);
        }
        Ok(total)
    }

    fn count_doc_freq(&self, class: &str) -> Result<u64> {
        let mut total = 0;
        let mut seen: Vec<u64> = Vec::new();
        for segment in self.searcher.segment_readers() {
            // The talks seen, one bit each: forms and fields overlap.
            seen.clear();
            seen.resize((segment.max_doc() as usize).div_ceil(64), 0);
            for &f in self.fields {
                let index = segment.inverted_index(f)?;
                for term in self.forms(f, class) {
                    let Some(mut postings) = index
                        .read_block_postings(&term, IndexRecordOption::Basic)
                        .map_err(tantivy::TantivyError::from)?
                    else {
                        continue;
                    };
                    while !postings.docs().is_empty() {
                        for &doc in postings.docs() {
                            seen[doc as usize / 64] |= 1 << (doc % 64);
                        }
                        postings.advance();
                    }
                }
            }
            total += seen.iter().map(|w| u64::from(w.count_ones())).sum::<u64>();
        }
        Ok(total)
    }

    /// A cheap upper bound of [`Stats::doc_freq`] from the term dictionaries, for ranking many
    /// candidate classes: the forms' document frequencies in the last field, added up.
    pub fn doc_freq_estimate(&self, class: &str) -> Result<u64> {
        let Some(&field) = self.fields.last() else { return Ok(0) };
        let mut total = 0;
        for term in self.forms(field, class) {
            total += self.doc_freqs.doc_freq(&term)?;
        }
        Ok(total.min(self.num_docs as u64))
    }

    /// BM25's inverse document frequency.
    pub fn idf(&self, doc_freq: u64) -> f32 {
        let df = (doc_freq as f32).min(self.num_docs);
        ((self.num_docs - df + 0.5) / (df + 0.5)).ln_1p()
    }

    /// Term frequencies of `class` in `docs` (summed over forms and fields), in `docs`' order.
    pub fn term_freqs(&self, class: &str, docs: &[DocAddress]) -> Result<Vec<u32>> {
        self.term_freqs_in(class, docs, &by_segment(docs))
    }

    /// [`Stats::term_freqs`], with `docs` already grouped [`by_segment`].
    fn term_freqs_in(&self, class: &str, docs: &[DocAddress], segments: &[(u32, Vec<usize>)]) -> Result<Vec<u32>> {
        let mut out = vec![0; docs.len()];
        for (segment_ord, order) in segments {
            let segment_ord = *segment_ord;
            let segment = self.searcher.segment_reader(segment_ord);
            for &f in self.fields {
                let index = segment.inverted_index(f)?;
                for term in self.forms(f, class) {
                    let Some(mut postings) = index
                        .read_postings(&term, IndexRecordOption::WithFreqs)
                        .map_err(tantivy::TantivyError::from)?
                    else {
                        continue;
                    };
                    for &i in order {
                        let doc = docs[i].doc_id;
                        if postings.doc() <= doc && postings.seek(doc) == doc {
                            out[i] += postings.term_freq();
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Lengths of `docs` in tokens (summed over fields).
    pub fn lengths(&self, docs: &[DocAddress]) -> Result<Vec<f32>> {
        let mut out = vec![0.0; docs.len()];
        for (segment_ord, order) in by_segment(docs) {
            let segment = self.searcher.segment_reader(segment_ord);
            for &f in self.fields {
                let norms = segment.get_fieldnorms_reader(f)?;
                for &i in &order {
                    out[i] += norms.fieldnorm(docs[i].doc_id) as f32;
                }
            }
        }
        Ok(out)
    }

    /// BM25 of a class with frequency `tf` in a talk of length `len`, without the idf.
    fn saturate(&self, tf: u32, len: f32) -> f32 {
        let tf = tf as f32;
        tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / self.avg_len))
    }
}

/// Indexes of `docs` per segment, each list in ascending document order.
fn by_segment(docs: &[DocAddress]) -> Vec<(u32, Vec<usize>)> {
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by_key(|&i| (docs[i].segment_ord, docs[i].doc_id));
    let mut out: Vec<(u32, Vec<usize>)> = Vec::new();
    for i in order {
        match out.last_mut() {
            Some((s, list)) if *s == docs[i].segment_ord => list.push(i),
            _ => out.push((docs[i].segment_ord, vec![i])),
        }
    }
    out
}

/// Adds `weight` times the BM25 of each class of `query` to `scores`.
fn score_into(
    stats: &Stats,
    query: &[(String, f32)],
    docs: &[DocAddress],
    lens: &[f32],
    scores: &mut [f32],
) -> Result<()> {
    let segments = by_segment(docs);
    for (class, weight) in query {
        let idf = stats.idf(stats.doc_freq(class)?);
        for (i, tf) in stats.term_freqs_in(class, docs, &segments)?.into_iter().enumerate() {
            if tf > 0 {
                scores[i] += weight * idf * stats.saturate(tf, lens[i]);
            }
        }
    }
    Ok(())
}

/// Mixes first-stage and stem-level scores, each divided by its best.
fn mix(first: &[f32], stems: &[f32], weight: f32) -> Vec<f32> {
    let best = |v: &[f32]| v.iter().copied().fold(0.0f32, f32::max);
    let (bf, bs) = (best(first), best(stems));
    let norm = |x: f32, b: f32| if b > 0.0 { x / b } else { 0.0 };
    first.iter().zip(stems).map(|(&f, &s)| (1.0 - weight) * norm(f, bf) + weight * norm(s, bs)).collect()
}

/// Re-ranks `hits` (first-stage scores, best first) for the analysed query `terms`: the first
/// [`Rerank::depth`] by the mixed score, the rest after them in their order. `text` gives a
/// talk's title and abstract, for feedback. Scores are returned on the mixed scale.
pub fn rerank(
    stats: &Stats,
    terms: &[String],
    hits: Vec<(f32, DocAddress)>,
    text: &dyn Fn(DocAddress) -> Result<String>,
    settings: &Rerank,
) -> Result<Vec<(f32, DocAddress)>> {
    let n = settings.depth.min(hits.len());
    if n == 0 || terms.is_empty() {
        return Ok(hits);
    }
    let docs: Vec<DocAddress> = hits[..n].iter().map(|&(_, a)| a).collect();
    let first: Vec<f32> = hits[..n].iter().map(|&(s, _)| s).collect();
    let lens = stats.lengths(&docs)?;
    let mut weights: HashMap<String, f32> = HashMap::new();
    for t in terms {
        *weights.entry(class_of(t)).or_default() += 1.0;
    }
    let mut query: Vec<(String, f32)> = weights.into_iter().collect();
    query.sort_by(|a, b| a.0.cmp(&b.0));
    let mut stems = vec![0.0; n];
    score_into(stats, &query, &docs, &lens, &mut stems)?;
    let mut mixed = mix(&first, &stems, settings.weight);
    if settings.fb_docs > 0 && settings.fb_terms > 0 && settings.fb_weight > 0.0 {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| mixed[b].total_cmp(&mixed[a]).then(a.cmp(&b)));
        order.truncate(settings.fb_docs);
        let known: Vec<&str> = query.iter().map(|(c, _)| c.as_str()).collect();
        let words = feedback_classes(stats, &order, &stems, &docs, text, &known, settings.fb_terms)?;
        let total: f32 = query.iter().map(|(_, w)| w).sum();
        let added: Vec<(String, f32)> = words.into_iter().map(|(c, w)| (c, settings.fb_weight * total * w)).collect();
        score_into(stats, &added, &docs, &lens, &mut stems)?;
        mixed = mix(&first, &stems, settings.weight);
    }
    let first_best = first.iter().copied().fold(0.0f32, f32::max);
    let mut head: Vec<(f32, DocAddress)> = mixed.into_iter().zip(docs).collect();
    head.sort_by(|a, b| b.0.total_cmp(&a.0));
    // Talks past the depth keep their order below, scored as if no stem matched.
    let tail = hits[n..].iter().map(|&(s, a)| {
        let s = if first_best > 0.0 { (1.0 - settings.weight) * s / first_best } else { 0.0 };
        (s, a)
    });
    head.extend(tail);
    Ok(head)
}

/// The classes that characterise the talks `order` (indexes into `docs`, with stem scores
/// `stems`), by relevance-model weight times idf, weights summing to 1; not the query's own.
fn feedback_classes(
    stats: &Stats,
    order: &[usize],
    stems: &[f32],
    docs: &[DocAddress],
    text: &dyn Fn(DocAddress) -> Result<String>,
    known: &[&str],
    terms: usize,
) -> Result<Vec<(String, f32)>> {
    let best = order.iter().map(|&i| stems[i]).fold(f32::MIN, f32::max);
    let mut model: HashMap<String, f32, FoldHash> = HashMap::with_hasher(FoldHash::new());
    for &i in order {
        let (counts, words) = class_counts(&text(docs[i])?);
        let likelihood = (stems[i] - best).exp();
        for (class, count) in counts {
            *model.entry(class).or_default() += likelihood * count as f32 / words.max(1) as f32;
        }
    }
    let candidates = model.into_iter().filter(|(class, _)| !known.contains(&class.as_str())).collect();
    // A class in the index is in at least one talk: its idf is at most that of 1.
    let mut scored = feedback::strongest(candidates, terms, stats.idf(1), |class, p| -> Result<_> {
        let df = stats.doc_freq_estimate(class)?;
        Ok(Some(p * stats.idf(df)).filter(|_| df > 0))
    })?;
    scored.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    scored.truncate(terms);
    let total: f32 = scored.iter().map(|(_, s)| s).sum();
    Ok(scored.into_iter().filter(|_| total > 0.0).map(|(c, s)| (c, s / total)).collect())
}

#[cfg(test)]
mod tests;
