//! Index terms near a query word: typo corrections and prefix completions.
//!
//! Both read the term dictionaries of the searchable text fields (every segment) and return
//! real terms with how many talks contain them, most frequent first, at most a bounded number,
//! so a two-letter prefix or a common word can neither flood nor slow a query.
//!
//! Typo budget, as the best search boxes use it: none for words under 5 characters, 1 edit for
//! 5-8, 2 for 9 and longer; never for numbers or acronyms (all capitals as typed), and never for
//! a word the index already knows well (in more than [`WELL_KNOWN`] talks).

use std::collections::HashMap;

use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use crate::analysis;

/// Most completions a prefix expands to.
pub const MAX_PREFIX_TERMS: usize = 20;
/// Most corrections a misspelt word expands to.
pub const MAX_TYPO_TERMS: usize = 10;
/// A word found in more talks than this is taken as spelled right: it gets no typo corrections.
pub const WELL_KNOWN: u64 = 10;
/// Most dictionary entries scanned per field and segment for one prefix.
const PREFIX_SCAN: usize = 4_000;

/// A term of the index and the number of talks (summed over fields) that contain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The analysed term.
    pub term: String,
    /// Talks containing it, summed over fields (an upper bound of distinct talks).
    pub doc_freq: u64,
}

/// The number of edits a typed word may be corrected by.
pub fn typo_budget(typed: &str) -> u8 {
    let letters = typed.chars().filter(|c| c.is_alphabetic()).count();
    let all_caps = letters > 1 && typed.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
    if typed.chars().any(|c| c.is_ascii_digit()) || all_caps || letters != typed.chars().count() {
        return 0;
    }
    match letters {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// How many talks contain `term` in any of `fields`.
pub fn doc_freq(searcher: &Searcher, fields: &[Field], term: &str) -> u64 {
    fields.iter().map(|&f| searcher.doc_freq(&Term::from_field_text(f, term)).unwrap_or(0)).sum()
}

fn top(mut found: HashMap<String, u64>, exclude: &str, limit: usize) -> Vec<Candidate> {
    found.remove(exclude);
    let mut out: Vec<Candidate> = found.into_iter().map(|(term, doc_freq)| Candidate { term, doc_freq }).collect();
    out.sort_unstable_by(|a, b| b.doc_freq.cmp(&a.doc_freq).then_with(|| a.term.cmp(&b.term)));
    out.truncate(limit);
    out
}

/// Terms within `distance` edits of `word` (an analysed term), most frequent first.
pub fn fuzzy(searcher: &Searcher, fields: &[Field], word: &str, distance: u8) -> Vec<Candidate> {
    let mut found: HashMap<String, u64> = HashMap::new();
    if distance == 0 {
        return Vec::new();
    }
    let Some(&first) = fields.first() else { return Vec::new() };
    let Ok(automaton) = FuzzyTermQuery::new(Term::from_field_text(first, word), distance, true).automaton() else {
        return Vec::new();
    };
    for segment in searcher.segment_readers() {
        for &field in fields {
            let Ok(inverted) = segment.inverted_index(field) else { continue };
            let Ok(mut stream) = inverted.terms().search(&automaton).into_stream() else { continue };
            while stream.advance() {
                let Ok(term) = std::str::from_utf8(stream.key()) else { continue };
                if !analysis::is_stem(term) {
                    *found.entry(term.to_string()).or_default() += u64::from(stream.value().doc_freq);
                }
            }
        }
    }
    top(found, word, MAX_TYPO_TERMS)
}

/// Terms that start with `prefix` (an analysed term) and are longer than it, most frequent first.
pub fn prefix(searcher: &Searcher, fields: &[Field], prefix: &str) -> Vec<Candidate> {
    let mut found: HashMap<String, u64> = HashMap::new();
    let mut upper = prefix.as_bytes().to_vec();
    upper.push(0xff);
    for segment in searcher.segment_readers() {
        for &field in fields {
            let Ok(inverted) = segment.inverted_index(field) else { continue };
            let Ok(mut stream) = inverted.terms().range().ge(prefix).lt(&upper).into_stream() else { continue };
            let mut scanned = 0;
            while scanned < PREFIX_SCAN && stream.advance() {
                scanned += 1;
                let Ok(term) = std::str::from_utf8(stream.key()) else { continue };
                *found.entry(term.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    top(found, prefix, MAX_PREFIX_TERMS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_budget_follows_word_length_and_spares_numbers_and_acronyms() {
        let cases = [
            ("jit", 0),
            ("pypy", 0),
            ("async", 1),
            ("corutines", 2),
            ("coroutin", 1),
            ("concurrency", 2),
            ("python3", 0),
            ("PYTHON", 0),
            ("Python", 1),
            ("node.js", 0),
            ("3.12", 0),
        ];
        for (word, budget) in cases {
            assert_eq!(typo_budget(word), budget, "{word}");
        }
    }
}
