//! From a parsed query to a tantivy query: analysis, stems, field weights, filters.
//!
//! Each positive word becomes a clause that matches its exact (folded) token in every field it
//! is scoped to, weighted by field, plus its stem at a lower weight; so an exact match always
//! scores above a stemmed one. Words are optional (ranked by how many match); phrases match
//! consecutive tokens; negated clauses exclude; `year:` clauses filter. The plan also carries the
//! [`Highlighter`] that marks in a hit's text exactly what the query matched.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::Token;

use crate::analysis;
use crate::query::{Clause, ParsedQuery, Scope};
use crate::schema::{Fields, TextField};
use crate::snippet::Highlighter;

/// Field weights and the discount of a stemmed match. Chosen by measurement: see README.
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// Title.
    pub title: f32,
    /// Speakers.
    pub speakers: f32,
    /// Tags.
    pub tags: f32,
    /// Event name.
    pub event: f32,
    /// Abstract.
    pub r#abstract: f32,
    /// Multiplier of a stem-only match relative to an exact one.
    pub stem: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { title: 3.0, speakers: 2.0, tags: 2.0, event: 1.5, r#abstract: 1.0, stem: 0.7 }
    }
}

impl Weights {
    fn of(&self, f: TextField) -> f32 {
        match f {
            TextField::Title => self.title,
            TextField::Speakers => self.speakers,
            TextField::Tags => self.tags,
            TextField::Event => self.event,
            TextField::Abstract => self.r#abstract,
        }
    }
}

/// What to run and what to highlight.
pub struct Plan {
    /// The tantivy query.
    pub query: Box<dyn Query>,
    /// Marks what matched in a hit's text.
    pub highlighter: Highlighter,
    /// True when the query has no text to rank by (empty, or only filters and exclusions).
    pub match_all: bool,
}

fn fields_in(scope: Scope) -> &'static [TextField] {
    match scope {
        Scope::All => &TextField::ALL,
        Scope::Title => &[TextField::Title],
        Scope::Speaker => &[TextField::Speakers],
        Scope::Event => &[TextField::Event],
        Scope::Tag => &[TextField::Tags],
        Scope::Abstract => &[TextField::Abstract],
    }
}

/// The analysed form of one word or phrase.
struct Analysed {
    /// Surface tokens, one per position (the smallest part at that position), in order.
    parts: Vec<Token>,
    /// Whole compound tokens (`keith-magee` besides `keith`, `magee`).
    wholes: Vec<Token>,
    /// Stem tokens (marked), by position.
    stems: Vec<Token>,
}

fn analyse(text: &str) -> Analysed {
    let mut parts: Vec<Token> = Vec::new();
    let mut wholes = Vec::new();
    let mut stems = Vec::new();
    for t in analysis::tokens(text) {
        if analysis::is_stem(&t.text) {
            stems.push(t);
            continue;
        }
        match parts.iter_mut().find(|p| p.position == t.position) {
            Some(p) if t.offset_to - t.offset_from < p.offset_to - p.offset_from => {
                wholes.push(std::mem::replace(p, t));
            }
            Some(_) => wholes.push(t),
            None => parts.push(t),
        }
    }
    parts.sort_by_key(|t| t.position);
    Analysed { parts, wholes, stems }
}

/// Builds the plan for a parsed query.
pub fn build(parsed: &ParsedQuery, fields: &Fields, weights: &Weights) -> Plan {
    let mut highlighter = Highlighter::default();
    let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut filters: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for clause in &parsed.clauses {
        match clause {
            Clause::Word { text, scope, negated } => {
                let a = analyse(text);
                let Some(q) = word_query(&a, fields, weights, *scope) else { continue };
                if *negated {
                    filters.push((Occur::MustNot, q));
                } else {
                    highlight(&a, &mut highlighter);
                    should.push((Occur::Should, q));
                }
            }
            Clause::Phrase { text, scope, negated } => {
                let a = analyse(text);
                let Some(q) = phrase_query(&a.parts, fields, weights, *scope) else { continue };
                if *negated {
                    filters.push((Occur::MustNot, q));
                } else {
                    a.parts.iter().chain(&a.wholes).for_each(|t| highlighter.add(t.text.clone()));
                    should.push((Occur::Should, q));
                }
            }
            Clause::Years { from, to, negated } => {
                let occur = if *negated { Occur::MustNot } else { Occur::Must };
                filters.push((occur, year_range(fields.year, *from, *to)));
            }
        }
    }
    let match_all = should.is_empty();
    let text: Box<dyn Query> = if match_all { Box::new(AllQuery) } else { Box::new(BooleanQuery::new(should)) };
    let query: Box<dyn Query> = if filters.is_empty() {
        text
    } else {
        filters.push((Occur::Must, text));
        Box::new(BooleanQuery::new(filters))
    };
    Plan { query, highlighter, match_all }
}

fn highlight(a: &Analysed, h: &mut Highlighter) {
    for t in a.parts.iter().chain(&a.wholes) {
        h.add(t.text.clone());
    }
    for t in stem_terms(a) {
        h.add(t);
    }
}

/// Stem-level terms of a single-position word: its stem token, or the surface marked as a stem
/// (documents that contain an inflected form carry only the marked stem), and the bare stem (a
/// document word that is already its own stem carries no marked token).
fn stem_terms(a: &Analysed) -> Vec<String> {
    let mut out = Vec::new();
    if a.parts.len() != 1 {
        return out;
    }
    let surface = &a.parts[0].text;
    match a.stems.first() {
        Some(stem) => {
            out.push(stem.text.clone());
            out.push(stem.text.trim_start_matches(analysis::STEM_MARK).to_string());
        }
        None => out.push(format!("{}{surface}", analysis::STEM_MARK)),
    }
    out.retain(|t| t != surface);
    out
}

fn term(field: Field, text: &str, boost: f32) -> (Occur, Box<dyn Query>) {
    let q = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs);
    (Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost)))
}

fn word_query(a: &Analysed, fields: &Fields, w: &Weights, scope: Scope) -> Option<Box<dyn Query>> {
    if a.parts.is_empty() {
        return None;
    }
    let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if a.parts.len() == 1 {
        let stems = stem_terms(a);
        for &f in fields_in(scope) {
            let (field, weight) = (fields.text(f), w.of(f));
            alternatives.push(term(field, &a.parts[0].text, weight));
            for s in &stems {
                alternatives.push(term(field, s, weight * w.stem));
            }
        }
    } else {
        // A compound (`keith-magee`, `node.js`): the whole token, or its parts as a phrase.
        for &f in fields_in(scope) {
            let (field, weight) = (fields.text(f), w.of(f));
            for whole in &a.wholes {
                alternatives.push(term(field, &whole.text, weight));
            }
        }
        alternatives.extend(phrase_query(&a.parts, fields, w, scope).map(|q| (Occur::Should, q)));
    }
    Some(Box::new(BooleanQuery::new(alternatives)))
}

fn phrase_query(parts: &[Token], fields: &Fields, w: &Weights, scope: Scope) -> Option<Box<dyn Query>> {
    match parts.len() {
        0 => None,
        1 => word_query(&analyse(&parts[0].text), fields, w, scope),
        _ => {
            let base = parts[0].position;
            let per_field = fields_in(scope)
                .iter()
                .map(|&f| {
                    let field = fields.text(f);
                    let terms: Vec<(usize, Term)> =
                        parts.iter().map(|t| (t.position - base, Term::from_field_text(field, &t.text))).collect();
                    let q: Box<dyn Query> = Box::new(PhraseQuery::new_with_offset(terms));
                    (Occur::Should, Box::new(BoostQuery::new(q, w.of(f))) as Box<dyn Query>)
                })
                .collect();
            Some(Box::new(BooleanQuery::new(per_field)))
        }
    }
}

fn year_range(field: Field, from: u16, to: u16) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        Bound::Included(Term::from_field_u64(field, u64::from(from))),
        Bound::Included(Term::from_field_u64(field, u64::from(to))),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    #[test]
    fn compounds_split_into_whole_and_parts() {
        let a = analyse("Keith-Magee");
        let parts: Vec<_> = a.parts.iter().map(|t| t.text.as_str()).collect();
        let wholes: Vec<_> = a.wholes.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(parts, ["keith", "magee"]);
        assert_eq!(wholes, ["keith-magee"]);
    }

    #[test]
    fn stems_include_marked_and_bare_forms() {
        let mark = analysis::STEM_MARK;
        assert_eq!(stem_terms(&analyse("coroutines")), vec![format!("{mark}coroutin"), "coroutin".to_string()]);
        assert_eq!(stem_terms(&analyse("jit")), vec![format!("{mark}jit")]);
    }

    #[test]
    fn only_filters_and_exclusions_match_all() {
        let fields = Fields::new();
        assert!(build(&parse(""), &fields, &Weights::default()).match_all);
        assert!(build(&parse("year:2012 -django"), &fields, &Weights::default()).match_all);
        assert!(!build(&parse("jit year:2012"), &fields, &Weights::default()).match_all);
    }
}
