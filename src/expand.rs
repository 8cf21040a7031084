//! Index terms near a query word: typo corrections and prefix completions.
//!
//! Both read the index's [`Vocabulary`] and return real terms with how many talks contain them,
//! most frequent first, at most a bounded number, so a two-letter prefix or a common word can
//! neither flood nor slow a query.
//!
//! Typo budget, as the best search boxes use it: none for words under 5 characters, 1 edit for
//! 5-8, 2 for 9 and longer; never for numbers or acronyms (all capitals as typed), never in the
//! first letter, and never for a word the index already knows well (in more than
//! [`WELL_KNOWN`] talks).

use crate::vocabulary::Vocabulary;

/// Most completions a prefix expands to.
pub const MAX_PREFIX_TERMS: usize = 20;
/// Most corrections a misspelt word expands to.
pub const MAX_TYPO_TERMS: usize = 10;
/// A word found in more talks than this is taken as spelled right: it gets no typo corrections.
pub const WELL_KNOWN: u64 = 10;
/// Most vocabulary entries scanned for one prefix.
const PREFIX_SCAN: usize = 50_000;

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

fn candidates(found: Vec<(String, u64)>, exclude: &str, limit: usize) -> Vec<Candidate> {
    let mut out: Vec<Candidate> =
        found.into_iter().filter(|(t, _)| t != exclude).map(|(term, doc_freq)| Candidate { term, doc_freq }).collect();
    out.sort_unstable_by(|a, b| b.doc_freq.cmp(&a.doc_freq).then_with(|| a.term.cmp(&b.term)));
    out.truncate(limit);
    out
}

/// Terms within `distance` edits of `word` (an analysed term) that begin with its first letter,
/// most frequent first ([`Vocabulary::within`]).
pub fn fuzzy(vocabulary: &Vocabulary, word: &str, distance: u8) -> Vec<Candidate> {
    if distance == 0 {
        return Vec::new();
    }
    candidates(vocabulary.within(word, distance).to_vec(), word, MAX_TYPO_TERMS)
}

/// The most frequent terms that start with `prefix` (an analysed term) and are longer than it.
pub fn prefix(vocabulary: &Vocabulary, prefix: &str) -> Vec<Candidate> {
    candidates(vocabulary.top_prefixed(prefix, MAX_PREFIX_TERMS, PREFIX_SCAN), prefix, MAX_PREFIX_TERMS)
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
