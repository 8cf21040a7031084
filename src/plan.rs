//! From a parsed query to a tantivy query: analysis, stems, field weights, filters.
//!
//! Each positive word becomes a clause that matches its exact (folded) token in every field it
//! is scoped to, weighted by field, plus its stem at a lower weight; so an exact match always
//! scores above a stemmed one. Words are optional (ranked by how many match); phrases match
//! consecutive tokens; negated clauses exclude; `year:` clauses filter. The plan also carries the
//! [`Highlighter`] that marks in a hit's text exactly what the query matched.

use std::ops::Bound;
use std::sync::Arc;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::Token;

use crate::analysis;
use crate::disjunction::Disjunction;
use crate::exclusion::forward_only;
use crate::expand::{self, Candidate};
use crate::feedback::Feedback;
use crate::query::{Clause, ParsedQuery, Scope};
use crate::rerank::Rerank;
use crate::schema::{Fields, TextField};
use crate::search::Filters;
use crate::snippet::Highlighter;
use crate::statistics::TermInfos;
use crate::synonyms::Synonyms;
use crate::vocabulary::{FieldSet, Vocabulary};
use crate::words::{FieldTerms, WordsQuery};

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
    /// Weight of two neighbouring query words found near each other (0 turns it off), added to
    /// the best hits on words alone ([`crate::proximity`]).
    pub proximity: f32,
    /// How far apart (in words) neighbouring query words may be to count as near.
    pub proximity_slop: u32,
    /// Queries of at least this many words drop their stop words (0 turns it off).
    pub stopword_min_words: usize,
    /// Multiplier of a typo correction relative to the word typed.
    pub typo: f32,
    /// Multiplier of a prefix completion of the word being typed.
    pub prefix: f32,
    /// Multiplier of a synonym's match.
    pub synonym: f32,
    /// Pseudo-relevance feedback for long queries.
    pub feedback: Feedback,
    /// Second-stage re-ranking of long queries by stem classes ([`crate::rerank`]): Cranfield
    /// nDCG@10 0.3878 without, 0.4149 with the default (0.41-0.42 over the ranges tried of each of
    /// its settings; README, "Measuring relevance").
    pub rerank: Rerank,
    /// How a word's matches in several fields combine: `None` adds them up; `Some(t)` takes the
    /// best field plus `t` times the others (dis-max).
    pub tie_breaker: Option<f32>,
}

impl Default for Weights {
    fn default() -> Self {
        // Chosen with `cargo bench --bench relevance` (Cranfield, nDCG@10 0.3696; the first
        // version, title 3 and no stop words, scored 0.3263) under the constraint that the
        // golden tests on the talk corpus pass (title 1.0 scores 0.3699 on Cranfield but ranks a
        // talk with the words in its abstract above the one with them in its title). Speakers,
        // tags and event have no counterpart in Cranfield; speakers at 1.4 lets a talk that only
        // mentions "Raymond Hettinger" outrank his own, so they stay at 2.0 (golden test).
        Weights {
            title: 1.5,
            speakers: 2.0,
            tags: 2.0,
            event: 1.2,
            r#abstract: 1.0,
            stem: 0.5,
            proximity: 0.2,
            proximity_slop: 4,
            stopword_min_words: 3,
            tie_breaker: Some(0.6),
            typo: 0.2,
            prefix: 0.5,
            synonym: 0.8,
            feedback: Feedback::default(),
            rerank: Rerank::default(),
        }
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
    /// Words with a better-known spelling in the index, for "did you mean".
    pub corrections: Vec<Correction>,
    /// Analysed terms of the positive plain words (after stop words), for feedback.
    pub terms: Vec<String>,
    /// Queries matching talks where two neighbouring plain words are near each other (one a
    /// pair and field): not part of `query`, but a rescore of its best hits
    /// ([`crate::proximity`]).
    pub near: Vec<Box<dyn Query>>,
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

/// What a plan reads besides the query: the index (for typo and prefix expansion) and options.
pub struct Context<'a> {
    /// The index's terms, for typo and prefix expansion.
    pub vocabulary: &'a Vocabulary,
    /// Synonyms to add.
    pub synonyms: &'a Synonyms,
    /// Whether the last word also matches as a prefix (search as you type).
    pub prefix: bool,
    /// The searched snapshot's remembered term dictionary answers, if any.
    pub(crate) term_infos: Option<&'a Arc<TermInfos>>,
}

/// A query word the index does not know well, and the spelling it knows better.
#[derive(Debug, Clone)]
pub struct Correction {
    /// The word as typed.
    pub typed: String,
    /// Talks containing the word as typed (analysed).
    pub typed_freq: u64,
    /// The closest better-known term.
    pub better: Candidate,
}

/// Builds the plan for a parsed query.
pub fn build(parsed: &ParsedQuery, fields: &Fields, weights: &Weights, ctx: &Context) -> Plan {
    let mut highlighter = Highlighter::default();
    let mut corrections = Vec::new();
    let mut text_clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut filters: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let plain: Vec<&str> = parsed
        .clauses
        .iter()
        .filter_map(|c| match c {
            Clause::Word { text, scope: Scope::All, negated: false } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let drop_stopwords = weights.stopword_min_words > 0
        && plain.len() >= weights.stopword_min_words
        && plain.iter().any(|w| !is_stopword(w));
    let last = parsed.clauses.len().saturating_sub(1);
    // The plain words, and where among the clauses they go.
    let (mut flat, mut flat_at) = (Vec::new(), None);
    for (i, clause) in parsed.clauses.iter().enumerate() {
        match clause {
            Clause::Word { text, scope: Scope::All, negated: false } if drop_stopwords && is_stopword(text) => {}
            Clause::Word { text, scope, negated } => {
                let a = analyse(text);
                let mut extra = Vec::new();
                if !*negated && a.parts.len() == 1 {
                    let budget = expand::typo_budget(text);
                    let typed_freq = ctx.vocabulary.doc_freq(&a.parts[0].text);
                    // A word the index knows well is taken as spelled: no corrections, no noise.
                    if budget > 0 && typed_freq <= expand::WELL_KNOWN {
                        let typos = expand::fuzzy(ctx.vocabulary, &a.parts[0].text, budget);
                        if let Some(best) = typos.first() {
                            corrections.push(Correction { typed: text.clone(), typed_freq, better: best.clone() });
                        }
                        extra.extend(typos.into_iter().map(|c| (c.term, weights.typo)));
                    }
                    let typing = ctx.prefix && i == last && !parsed.ends_with_space;
                    if typing && a.parts[0].text.chars().count() >= 2 {
                        let completions = expand::prefix(ctx.vocabulary, &a.parts[0].text);
                        extra.extend(completions.into_iter().map(|c| (c.term, weights.prefix)));
                    }
                }
                if !*negated && *scope == Scope::All && a.parts.len() == 1 {
                    // Plain words are scored together, in one pass (`crate::words`).
                    let word = highlighter.next_word();
                    highlight(&a, word, &mut highlighter);
                    extra.iter().for_each(|(t, _)| highlighter.add(t.clone(), word));
                    flat_at.get_or_insert(text_clauses.len());
                    flat.push(word_fields(&a, fields, weights, *scope, &extra, Some(ctx.vocabulary)));
                    continue;
                }
                let Some(q) = word_query(&a, fields, weights, *scope, &extra, Some(ctx.vocabulary)) else { continue };
                if *negated {
                    filters.push((Occur::MustNot, forward_only(q)));
                } else {
                    let word = highlighter.next_word();
                    highlight(&a, word, &mut highlighter);
                    extra.into_iter().for_each(|(t, _)| highlighter.add(t, word));
                    // A word scoped to a field (`event:europython`) is required; plain words rank.
                    let occur = if *scope == Scope::All { Occur::Should } else { Occur::Must };
                    text_clauses.push((occur, q));
                }
            }
            Clause::Phrase { text, scope, negated } => {
                let a = analyse(text);
                let Some(q) = phrase_query(&a.parts, fields, weights, *scope, Some(ctx.vocabulary)) else { continue };
                if *negated {
                    filters.push((Occur::MustNot, forward_only(q)));
                } else {
                    // A quoted phrase is what the user insists on: required.
                    // Each word of it counts (a window with all of them is the phrase's), its
                    // compounds for them all.
                    let mut words = 0;
                    for t in &a.parts {
                        let word = highlighter.next_word();
                        highlighter.add(t.text.clone(), word);
                        words |= word;
                    }
                    a.wholes.iter().for_each(|t| highlighter.add(t.text.clone(), words));
                    text_clauses.push((Occur::Must, q));
                }
            }
            Clause::Years { from, to, negated } => {
                let occur = if *negated { Occur::MustNot } else { Occur::Must };
                filters.push((occur, year_range(fields.year, *from, *to)));
            }
        }
    }
    let mut synonyms = if weights.synonym > 0.0 {
        synonym_queries(&plain, ctx.synonyms, fields, weights, ctx.vocabulary, &mut highlighter)
    } else {
        Vec::new()
    };
    if let Some(at) = flat_at {
        let mut words = WordsQuery::new(flat, weights.tie_breaker).remembering(ctx.term_infos.cloned());
        if text_clauses.is_empty() {
            // The words are the only clause so far and the synonyms' (all optional) come after
            // them: the words' scorer adds them up, as the union of them all would.
            words = words.and_then(synonyms.drain(..).map(|(_, q)| q).collect());
        }
        text_clauses.insert(at, (Occur::Should, Box::new(words)));
    }
    text_clauses.extend(synonyms);
    let kept: Vec<&str> = plain.iter().copied().filter(|w| !(drop_stopwords && is_stopword(w))).collect();
    let near = if weights.proximity > 0.0 {
        kept.windows(2).flat_map(|pair| near_queries(pair, fields, weights)).collect()
    } else {
        Vec::new()
    };
    let match_all = text_clauses.is_empty();
    let text: Box<dyn Query> = match text_clauses.len() {
        0 => Box::new(AllQuery),
        // One optional clause alone (the words, mostly) scores as the union of it alone does:
        // as itself, whose weight can then prune (`words::pruning`).
        1 if text_clauses[0].0 == Occur::Should => text_clauses.remove(0).1,
        _ => Box::new(BooleanQuery::new(text_clauses)),
    };
    let query: Box<dyn Query> = if filters.is_empty() {
        text
    } else {
        filters.push((Occur::Must, text));
        Box::new(BooleanQuery::new(filters))
    };
    let terms = kept.iter().flat_map(|w| analyse(w).parts.into_iter().map(|t| t.text)).collect();
    Plan { query, highlighter, match_all, corrections, terms, near }
}

/// Queries for the synonyms of runs of plain query words (`jit` also finds "just-in-time").
fn synonym_queries(
    plain: &[&str],
    synonyms: &Synonyms,
    fields: &Fields,
    w: &Weights,
    vocabulary: &Vocabulary,
    highlighter: &mut Highlighter,
) -> Vec<(Occur, Box<dyn Query>)> {
    let words: Vec<String> =
        plain.iter().map(|t| analyse(t).parts.into_iter().map(|p| p.text).collect::<Vec<_>>().join(" ")).collect();
    let mut out = Vec::new();
    for m in synonyms.find(&words) {
        // A word of its own in a window, not one a window needs (the typed words are).
        let run = highlighter.next_word();
        for alternative in m.alternatives {
            let a = analyse(&alternative.join(" "));
            let q = match a.parts.len() {
                1 => word_query(&a, fields, w, Scope::All, &[], None),
                _ => phrase_query(&a.parts, fields, w, Scope::All, Some(vocabulary)),
            };
            if let Some(q) = q {
                if a.parts.len() == 1 {
                    highlight_alternative(&a, run, highlighter);
                } else {
                    // A phrase's words alone ("in", "time" of "just in time") are not matches;
                    // its hyphenated compound is one token in a talk's text.
                    let parts: Vec<&str> = a.parts.iter().map(|t| t.text.as_str()).collect();
                    highlighter.add_alternative(parts.join("-"), run);
                }
                out.push((Occur::Should, Box::new(BoostQuery::new(q, w.synonym)) as Box<dyn Query>));
            }
        }
    }
    out
}

/// Highlights a word's terms as matches of the query words `words`.
fn highlight(a: &Analysed, words: u64, h: &mut Highlighter) {
    highlighted(a).for_each(|t| h.add(t, words));
}

/// Highlights a synonym's terms, as an alternative of the query words `words`.
fn highlight_alternative(a: &Analysed, words: u64, h: &mut Highlighter) {
    highlighted(a).for_each(|t| h.add_alternative(t, words));
}

/// The terms of a word that are highlighted: its parts, wholes and stems.
fn highlighted(a: &Analysed) -> impl Iterator<Item = String> + '_ {
    a.parts.iter().chain(&a.wholes).map(|t| t.text.clone()).chain(stem_terms(a))
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

/// A word: its exact form, its stem at [`Weights::stem`], and `extra` terms (typo corrections,
/// prefix completions) at their own multipliers, in every field of `scope`. Terms that
/// `vocabulary` knows a field lacks are left out of it: they could not match there, and
/// looking them up is most of the cost of a short query.
fn word_query(
    a: &Analysed,
    fields: &Fields,
    w: &Weights,
    scope: Scope,
    extra: &[(String, f32)],
    vocabulary: Option<&Vocabulary>,
) -> Option<Box<dyn Query>> {
    if a.parts.len() == 1 {
        let word = word_fields(a, fields, w, scope, extra, vocabulary);
        if word.is_empty() {
            // Found nowhere: still a clause (a required word must keep failing the query).
            return Some(Box::new(EmptyQuery));
        }
        return Some(Box::new(WordsQuery::new(vec![word], w.tie_breaker)));
    }
    if a.parts.is_empty() {
        return None;
    }
    // A compound (`keith-magee`, `node.js`): the whole token, or its parts as a phrase; each
    // only in the fields that may have it (all of its parts, for the phrase).
    let may_have = |text: &str, field: Field| vocabulary.is_none_or(|v| v.may_have(text, field));
    let per_field: Vec<Box<dyn Query>> = fields_in(scope)
        .iter()
        .filter_map(|&f| {
            let (field, weight) = (fields.text(f), w.of(f));
            let mut alternatives: Vec<Box<dyn Query>> = a
                .wholes
                .iter()
                .filter(|whole| may_have(&whole.text, field))
                .map(|whole| term(field, &whole.text, weight).1)
                .collect();
            if a.parts.iter().all(|part| may_have(&part.text, field)) {
                alternatives.push(field_phrase(&a.parts, field, weight, 0));
            }
            (!alternatives.is_empty()).then(|| Box::new(Disjunction::new(alternatives, None)) as Box<dyn Query>)
        })
        .collect();
    Some(match per_field.is_empty() {
        true => Box::new(EmptyQuery),
        false => combine_fields(per_field, w),
    })
}

/// The terms of a single-position word per field of `scope` (see [`word_query`]), each with
/// its weight: the field's times the term's multiplier. Fields where none can be are left out.
fn word_fields(
    a: &Analysed,
    fields: &Fields,
    w: &Weights,
    scope: Scope,
    extra: &[(String, f32)],
    vocabulary: Option<&Vocabulary>,
) -> Vec<FieldTerms> {
    let stems = stem_terms(a);
    // Each term with its multiplier and the fields that may have it, looked up once.
    let word = std::iter::once((a.parts[0].text.as_str(), 1.0));
    let all = word.chain(stems.iter().map(|s| (s.as_str(), w.stem))).chain(extra.iter().map(|(t, m)| (t.as_str(), *m)));
    let singles: Vec<(&str, f32, Option<FieldSet>)> =
        all.map(|(t, m)| (t, m, vocabulary.map(|v| v.fields_having(t)))).collect();
    let mut out = Vec::new();
    for &f in fields_in(scope) {
        let (field, weight) = (fields.text(f), w.of(f));
        let terms: Vec<(Term, f32)> = singles
            .iter()
            .filter(|(_, _, has)| has.is_none_or(|set| set.contains(field)))
            .map(|(t, multiplier, _)| (Term::from_field_text(field, t), weight * multiplier))
            .collect();
        if !terms.is_empty() {
            out.push(FieldTerms { field, terms });
        }
    }
    out
}

/// A word's or phrase's fields combined as the words' are (dis-max, or sum without a tie
/// breaker), as tantivy's unions would, without their buffers ([`Disjunction`]).
fn combine_fields(per_field: Vec<Box<dyn Query>>, w: &Weights) -> Box<dyn Query> {
    Box::new(Disjunction::new(per_field, w.tie_breaker))
}

fn field_phrase(parts: &[Token], field: Field, weight: f32, slop: u32) -> Box<dyn Query> {
    let base = parts[0].position;
    let terms: Vec<(usize, Term)> =
        parts.iter().map(|t| (t.position - base, Term::from_field_text(field, &t.text))).collect();
    Box::new(BoostQuery::new(Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop)), weight))
}

fn phrase_query(
    parts: &[Token],
    fields: &Fields,
    w: &Weights,
    scope: Scope,
    vocabulary: Option<&Vocabulary>,
) -> Option<Box<dyn Query>> {
    match parts.len() {
        0 => None,
        1 => word_query(&analyse(&parts[0].text), fields, w, scope, &[], None),
        _ => {
            // A field lacking one of the words cannot have the phrase: not looked for there.
            let having: Option<Vec<FieldSet>> =
                vocabulary.map(|v| parts.iter().map(|t| v.fields_having(&t.text)).collect());
            let per_field: Vec<Box<dyn Query>> = fields_in(scope)
                .iter()
                .filter(|&&f| having.as_ref().is_none_or(|sets| sets.iter().all(|set| set.contains(fields.text(f)))))
                .map(|&f| field_phrase(parts, fields.text(f), w.of(f), 0))
                .collect();
            Some(match per_field.is_empty() {
                // Found nowhere: still a clause (a required phrase must keep failing the query).
                true => Box::new(EmptyQuery),
                false => combine_fields(per_field, w),
            })
        }
    }
}

/// Two neighbouring query words within [`Weights::proximity_slop`] of each other, in the title
/// and in the abstract (a query each): rewards talks where the words belong together.
fn near_queries(pair: &[&str], fields: &Fields, w: &Weights) -> Vec<Box<dyn Query>> {
    let (a, b) = (analyse(pair[0]), analyse(pair[1]));
    let (Some(x), Some(y)) = (a.parts.first(), b.parts.first()) else { return Vec::new() };
    if a.parts.len() != 1 || b.parts.len() != 1 || x.text == y.text {
        return Vec::new();
    }
    [TextField::Title, TextField::Abstract]
        .iter()
        .map(|&f| {
            let field = fields.text(f);
            let terms = vec![(0, Term::from_field_text(field, &x.text)), (1, Term::from_field_text(field, &y.text))];
            let q: Box<dyn Query> = Box::new(PhraseQuery::new_with_offset_and_slop(terms, w.proximity_slop));
            Box::new(BoostQuery::new(q, w.of(f) * w.proximity)) as Box<dyn Query>
        })
        .collect()
}

/// Common English function words, dropped from long queries (see [`Weights::stopword_min_words`]).
const STOPWORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "because", "been", "before", "being", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing",
    "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
    "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "may", "me", "might", "more",
    "most", "must", "my", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out",
    "over", "own", "same", "shall", "she", "should", "so", "some", "such", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was",
    "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you",
    "your",
];

/// Whether `word` is a common English function word.
pub fn is_stopword(word: &str) -> bool {
    // A token is folded already (lower-case ASCII letters fold to themselves): no copy.
    if word.bytes().all(|b| b.is_ascii_lowercase()) {
        return STOPWORDS.binary_search(&word).is_ok();
    }
    let folded = analysis::fold(word);
    STOPWORDS.binary_search(&folded.as_str()).is_ok()
}

/// Must-clauses for exact-value filters (see [`Filters`]).
pub fn filter_clauses(filters: &Filters, fields: &Fields) -> Vec<(Occur, Box<dyn Query>)> {
    let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let any_of = |field: Field, values: &[String]| -> Box<dyn Query> {
        let terms = values
            .iter()
            .map(|v| {
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic));
                (Occur::Should, q)
            })
            .collect();
        Box::new(BooleanQuery::new(terms))
    };
    for (field, values) in [
        (fields.event_key, &filters.event),
        (fields.speaker_key, &filters.speaker),
        (fields.tag_key, &filters.tag),
        (fields.language, &filters.language),
    ] {
        if !values.is_empty() {
            out.push((Occur::Must, any_of(field, values)));
        }
    }
    if !filters.year.is_empty() {
        let years = filters.year.iter().map(|&y| (Occur::Should, year_range(fields.year, y, y))).collect();
        out.push((Occur::Must, Box::new(BooleanQuery::new(years))));
    }
    if filters.year_from.is_some() || filters.year_to.is_some() {
        let (from, to) = (filters.year_from.unwrap_or(0), filters.year_to.unwrap_or(u16::MAX));
        out.push((Occur::Must, year_range(fields.year, from, to)));
    }
    out
}

fn year_range(field: Field, from: u16, to: u16) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        Bound::Included(Term::from_field_u64(field, u64::from(from))),
        Bound::Included(Term::from_field_u64(field, u64::from(to))),
    ))
}

#[cfg(test)]
mod tests;
