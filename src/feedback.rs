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

use crate::analysis::{self, FoldHash};
use crate::talk::Talk;
use crate::words::WordsQuery;

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

/// Counts of a text's words or stem classes: hashed by [`FoldHash`] (SipHash, the std default,
/// was 12% of a long query's instructions), sized for the text (growing the maps was another
/// 6%).
pub(crate) type Counts = HashMap<String, u32, FoldHash>;

/// An empty [`Counts`] for the words of `text` (about one distinct word in eight bytes of prose).
pub(crate) fn counts_for(text: &str) -> Counts {
    HashMap::with_capacity_and_hasher(text.len() / 8, FoldHash::new())
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
    let mut weights: HashMap<String, f32, FoldHash> = HashMap::with_hasher(FoldHash::new());
    let every = analysis::Starts::all();
    for (score, talk) in top {
        let mut len = 0u32;
        // Words only: no stems are made (most of the analysis' cost); plain words are read
        // without the tokenizer (the same tokens; positions are not needed).
        let text = format!("{}\n{}", talk.title, talk.r#abstract);
        let mut counts = counts_for(&text);
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
    // A word absent from the index has the highest idf a word can have.
    let idf = |df: f32| ((num_docs - df + 0.5) / (df + 0.5)).ln_1p();
    let candidates = weights.into_iter().filter(|(w, _)| !known.contains(w)).collect();
    let strongest = strongest(candidates, terms, idf(0.0), |w, p| {
        let df = stats.doc_freq(&Term::from_field_text(field, w)).unwrap_or(0) as f32;
        Ok(Some(p * idf(df)).filter(|&s| s > 0.0))
    });
    let mut scored = strongest.unwrap_or_else(|e: std::convert::Infallible| match e {});
    scored.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    scored.truncate(terms);
    let total: f32 = scored.iter().map(|(_, s)| s).sum();
    scored.into_iter().map(|(w, s)| (w, s / total)).collect()
}

/// The words of `candidates` (word, weight) scored by `score_of` (weight times the word's idf,
/// or `None` to drop it): the `k` best of them, and every word that could rank among the `k`
/// best (the caller sorts and cuts). `max_idf` is an idf no word exceeds: taken by weight,
/// best first, words stop being scored once even that idf could not bring one up to the k-th
/// best score so far. Scoring a word looks up its document frequency (a term dictionary's or
/// a count's work); most candidates, seen once in a lesser talk, are never scored.
pub(crate) fn strongest<E>(
    mut candidates: Vec<(String, f32)>,
    k: usize,
    max_idf: f32,
    mut score_of: impl FnMut(&str, f32) -> Result<Option<f32>, E>,
) -> Result<Vec<(String, f32)>, E> {
    candidates.sort_unstable_by(|a, b| b.1.total_cmp(&a.1));
    // The k best scores so far, worst first.
    let mut best: std::collections::BinaryHeap<std::cmp::Reverse<Ordered>> = Default::default();
    let mut out = Vec::new();
    for (word, weight) in candidates {
        if best.len() >= k && best.peek().is_some_and(|worst| weight * max_idf * (1.0 + 1e-4) < worst.0.0) {
            break;
        }
        let Some(score) = score_of(&word, weight)? else { continue };
        best.push(std::cmp::Reverse(Ordered(score)));
        if best.len() > k {
            best.pop();
        }
        out.push((word, score));
    }
    Ok(out)
}

/// A score compared by `total_cmp`.
struct Ordered(f32);

impl PartialEq for Ordered {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0).is_eq()
    }
}

impl Eq for Ordered {}

impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The original query, plus the expansion words (in `fields`) at `weight`: optional clauses
/// summed after it. A words query takes them as clauses of its own (the same scores as
/// tantivy's union of it and them, without the union's buffers).
pub fn expand(original: Box<dyn Query>, words: &[(String, f32)], fields: &[Field], weight: f32) -> Box<dyn Query> {
    let mut clauses: Vec<Box<dyn Query>> = Vec::with_capacity(words.len() * fields.len());
    for (word, w) in words {
        for &field in fields {
            let q = TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs);
            clauses.push(Box::new(BoostQuery::new(Box::new(q), weight * w * words.len() as f32)));
        }
    }
    match original.downcast::<WordsQuery>() {
        Ok(words) => Box::new(words.and_then(clauses)),
        Err(original) => {
            let all = std::iter::once(original).chain(clauses).map(|q| (Occur::Should, q)).collect();
            Box::new(BooleanQuery::new(all))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_words_query_takes_the_expansion_as_its_own_clauses_with_the_same_scores() {
        use crate::words::FieldTerms;
        use crate::words::tests::{all, segmented};
        let fields = crate::schema::Fields::new();
        let talks: Vec<Talk> = (0..120)
            .map(|i| {
                let mut talk = Talk::new(format!("t/{i}"), ["asyncio loops", "event loops", "web"][i % 3]);
                talk.r#abstract =
                    ["coroutines and tasks", "gevent", "asyncio coroutines in depth", "loops"][i % 4].into();
                talk
            })
            .collect();
        let searcher = segmented(&fields, &talks, &[40], "t/7");
        let words = || {
            let per_field = |field| FieldTerms { field, terms: vec![(Term::from_field_text(field, "loops"), 1.0)] };
            WordsQuery::new(vec![vec![per_field(fields.title), per_field(fields.r#abstract)]], Some(0.3))
        };
        let expansion = [("coroutines".to_string(), 0.7), ("gevent".to_string(), 0.3)];
        let both = [fields.title, fields.r#abstract];
        let expanded = expand(Box::new(words()), &expansion, &both, 0.5);
        assert!(expanded.downcast_ref::<WordsQuery>().is_some());
        // What it was: tantivy's union of the words and the expansion's boosted terms.
        let union = expand(
            Box::new(BooleanQuery::new(vec![(Occur::Should, Box::new(words()) as Box<dyn Query>)])),
            &expansion,
            &both,
            0.5,
        );
        assert!(union.downcast_ref::<BooleanQuery>().is_some());
        let found = all(&searcher, expanded.as_ref());
        assert!(found.len() > all(&searcher, &words()).len(), "the expansion adds talks");
        assert_eq!(found, all(&searcher, union.as_ref()));
    }

    #[test]
    fn the_strongest_words_are_those_of_scoring_every_word() {
        // Weights falling fast (a few words of the best talks, many seen once in lesser ones),
        // idfs in 0.5..=9.5, some words dropped.
        let words: Vec<(String, f32)> = (0..400).map(|i| (format!("w{i}"), 1.0 / (1 + i % 97) as f32)).collect();
        let idf = |w: &str| {
            let n: usize = w[1..].parse().unwrap();
            Some(0.5 + (n * 7919 % 10) as f32).filter(|_| n % 13 != 5)
        };
        let top = |mut scored: Vec<(String, f32)>, k: usize| {
            scored.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            scored.truncate(k);
            scored
        };
        for k in [0, 1, 5, 20, 500] {
            let every: Vec<(String, f32)> =
                words.iter().filter_map(|(w, p)| idf(w).map(|i| (w.clone(), p * i))).collect();
            let mut scored_words = 0;
            let found = strongest(words.clone(), k, 9.5, |w, p| {
                scored_words += 1;
                Ok::<_, ()>(idf(w).map(|i| p * i))
            })
            .unwrap();
            assert_eq!(top(found, k), top(every, k), "k {k}");
            if k == 20 {
                assert!(scored_words < words.len() / 2, "{scored_words} of {} scored", words.len());
            }
        }
    }
}
