//! Pseudo-relevance feedback for long, natural-language queries.
//!
//! A question of many words ("what similarity laws must be obeyed when constructing aeroelastic
//! models") names its subject only partly. The top talks of a first search are taken as relevant;
//! the words that characterise them (frequent in them, rare in the index: a relevance-model
//! weight) are added to the query at a lower weight, and the search runs again. Short search-box
//! queries are left alone: they are precise, and must stay fast.

use std::collections::{HashMap, HashSet};

use tantivy::Term;
use tantivy::query::{Bm25StatisticsProvider, BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use crate::analysis;
use crate::talk::Talk;

/// Feedback settings.
#[derive(Debug, Clone, Copy)]
pub struct Feedback {
    /// Top talks taken as relevant (0 turns feedback off).
    pub docs: usize,
    /// Words added to the query.
    pub terms: usize,
    /// Weight of the added words relative to the original query.
    pub weight: f32,
    /// Queries with fewer words than this get no feedback.
    pub min_words: usize,
}

impl Default for Feedback {
    fn default() -> Self {
        // Measured with `cargo bench --bench relevance` (Cranfield nDCG@10 0.3706 -> 0.3881).
        Feedback { docs: 10, terms: 20, weight: 0.5, min_words: 5 }
    }
}

/// The words that characterise `top` (talks with their first-pass scores, best first), with
/// weights summing to 1, excluding `known` (the query's own terms) and stop-like words.
/// Document frequencies come from `stats` (a searcher, or a snapshot's remembered statistics).
pub fn expansion_terms(
    stats: &dyn Bm25StatisticsProvider,
    field: Field,
    top: &[(f32, Talk)],
    known: &HashSet<String>,
    terms: usize,
) -> Vec<(String, f32)> {
    let num_docs = stats.total_num_docs().unwrap_or(0).max(1) as f32;
    let max_score = top.iter().map(|(s, _)| *s).fold(f32::MIN, f32::max);
    let mut weights: HashMap<String, f32> = HashMap::new();
    let every = analysis::Starts::all();
    for (score, talk) in top {
        let mut counts: HashMap<String, u32> = HashMap::new();
        let mut len = 0u32;
        // Words only: no stems are made (most of the analysis' cost); plain words are read
        // without the tokenizer (the same tokens; positions are not needed).
        let text = format!("{}\n{}", talk.title, talk.r#abstract);
        analysis::for_each_token_starting(&text, &every, &analysis::ByteSet::EMPTY, |token| {
            len += 1;
            if token.text.len() >= 3 && token.text.bytes().all(|b| b.is_ascii_lowercase()) {
                // Counted in place: a key is allocated once per distinct word, not per occurrence.
                if let Some(count) = counts.get_mut(&token.text) {
                    *count += 1;
                } else {
                    counts.insert(token.text.clone(), 1);
                }
            }
        });
        // Relevance-model weight: P(w|d) times the document's likelihood, exp(score), relative
        // to the best (measured: better than linear score weights, which favour recall).
        let doc_weight = (score - max_score).exp();
        for (word, count) in counts {
            *weights.entry(word).or_default() += doc_weight * count as f32 / len.max(1) as f32;
        }
    }
    let mut scored: Vec<(String, f32)> = weights
        .into_iter()
        .filter(|(w, _)| !known.contains(w))
        .map(|(w, p)| {
            let df = stats.doc_freq(&Term::from_field_text(field, &w)).unwrap_or(0) as f32;
            let idf = ((num_docs - df + 0.5) / (df + 0.5)).ln_1p();
            (w, p * idf)
        })
        .filter(|(_, s)| *s > 0.0)
        .collect();
    scored.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    scored.truncate(terms);
    let total: f32 = scored.iter().map(|(_, s)| s).sum();
    scored.into_iter().map(|(w, s)| (w, s / total)).collect()
}

/// The original query, plus the expansion words (in `fields`) at `weight`.
pub fn expand(original: Box<dyn Query>, words: &[(String, f32)], fields: &[Field], weight: f32) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, original)];
    for (word, w) in words {
        for &field in fields {
            let q = TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs);
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), weight * w * words.len() as f32))));
        }
    }
    Box::new(BooleanQuery::new(clauses))
}
