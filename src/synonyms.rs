//! Synonyms and acronyms, applied at query time.
//!
//! A plain text file (`data/synonyms.txt` is bundled; `--synonyms FILE` replaces it): one group
//! of equivalent forms a line, comma-separated, `#` comments. Forms are compared by their
//! analysed words, so case, accents and `-` versus space do not matter.

use std::collections::HashMap;
use std::path::Path;

use crate::analysis;
use crate::error::{Error, Rejection, Result};

/// The bundled synonyms file.
pub const BUNDLED: &str = include_str!("../data/synonyms.txt");

/// Groups of equivalent forms, indexed by form.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    /// Each group's forms, as analysed words.
    groups: Vec<Vec<Vec<String>>>,
    /// Form (words joined by a space) -> groups it belongs to.
    by_form: HashMap<String, Vec<usize>>,
    /// Words in the longest form.
    max_words: usize,
}

/// A run of query words that has synonyms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index of the first query word of the run.
    pub start: usize,
    /// Number of query words in the run.
    pub len: usize,
    /// The other forms, each as its analysed words.
    pub alternatives: Vec<Vec<String>>,
}

/// The analysed words of a form: the surface parts, in order.
fn words_of(text: &str) -> Vec<String> {
    let mut tokens: Vec<_> = analysis::tokens(text).into_iter().filter(|t| !analysis::is_stem(&t.text)).collect();
    tokens.sort_by_key(|t| (t.position, t.offset_to - t.offset_from));
    tokens.dedup_by_key(|t| t.position);
    tokens.into_iter().map(|t| t.text).collect()
}

impl Synonyms {
    /// The bundled synonyms.
    pub fn bundled() -> Synonyms {
        Synonyms::parse(BUNDLED, "data/synonyms.txt").expect("the bundled synonyms file is valid")
    }

    /// Reads a synonyms file.
    pub fn load(path: &Path) -> Result<Synonyms> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Synonyms::parse(&text, &path.display().to_string())
    }

    /// Parses synonyms text; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Synonyms> {
        let mut syn = Synonyms::default();
        let mut bad = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let forms: Vec<Vec<String>> = line.split(',').map(words_of).filter(|w| !w.is_empty()).collect();
            if forms.len() < 2 {
                bad.push(Rejection {
                    source: source.to_string(),
                    line: i + 1,
                    message: "a group needs at least two comma-separated forms".into(),
                });
                continue;
            }
            let group = syn.groups.len();
            for form in &forms {
                syn.max_words = syn.max_words.max(form.len());
                let ids = syn.by_form.entry(form.join(" ")).or_default();
                if !ids.contains(&group) {
                    ids.push(group);
                }
            }
            syn.groups.push(forms);
        }
        if bad.is_empty() { Ok(syn) } else { Err(Error::Invalid(bad)) }
    }

    /// Runs of `words` (analysed query words, in order) that have synonyms, longest first at
    /// each position, not overlapping.
    pub fn find(&self, words: &[String]) -> Vec<Match> {
        let mut out = Vec::new();
        let mut start = 0;
        while start < words.len() {
            let longest = (1..=self.max_words.min(words.len() - start)).rev().find_map(|len| {
                let form = words[start..start + len].join(" ");
                self.by_form.get(&form).map(|groups| (len, form, groups))
            });
            match longest {
                Some((len, form, groups)) => {
                    let mut alternatives: Vec<Vec<String>> = Vec::new();
                    for &g in groups {
                        for other in &self.groups[g] {
                            if other.join(" ") != form && !alternatives.contains(other) {
                                alternatives.push(other.clone());
                            }
                        }
                    }
                    out.push(Match { start, len, alternatives });
                    start += len;
                }
                None => start += 1,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn the_bundled_file_parses_and_finds_acronyms_and_phrases() {
        let syn = Synonyms::bundled();
        let found = syn.find(&words("pypy jit"));
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start, found[0].len), (1, 1));
        assert!(found[0].alternatives.contains(&words("just in time")));
        let found = syn.find(&words("the global interpreter lock"));
        assert_eq!((found[0].start, found[0].len), (1, 3));
        assert_eq!(found[0].alternatives, vec![words("gil")]);
    }

    #[test]
    fn forms_compare_by_analysed_words() {
        let syn = Synonyms::parse("K8s, Kubernetes\njust-in-time, JIT", "t").unwrap();
        assert_eq!(syn.find(&words("kubernetes"))[0].alternatives, vec![words("k8s")]);
        assert_eq!(syn.find(&words("just in time"))[0].alternatives, vec![words("jit")]);
    }

    #[test]
    fn a_group_of_one_is_an_error_with_its_line() {
        let err = Synonyms::parse("# c\njit, just-in-time\nlonely\n", "syn.txt").unwrap_err();
        assert_eq!(err.to_string(), "syn.txt:3: a group needs at least two comma-separated forms");
    }
}
