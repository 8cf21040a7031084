//! The search core: [`Engine`] takes plain request structs and returns plain response structs.
//!
//! The CLI and the HTTP handlers are thin faces over this module. An engine holds a snapshot of
//! the live index ([`crate::snapshot`]): one tantivy searcher and the caches built from it.
//! [`Engine::refresh`] replaces the snapshot when another process has published a new
//! generation (a re-import) or committed to the live one (`add`, `remove`, the write API): the
//! new snapshot and its caches are built first, then swapped in, so a search runs on one
//! snapshot from start to end and never sees half an update.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::{DocAddress, Order, Searcher};

use crate::cache::ResponseCache;
use crate::error::{Error, Result};
use crate::facets::{self, Facet, FacetCollector, FacetValue};
use crate::fanout::Fanout;
use crate::feedback;
pub use crate::hits::{SUGGEST_BELOW, duplicate_key};
use crate::hits::{collapse, make_hit, suggest};
use crate::plan::{self, Weights};
use crate::proximity;
use crate::query;
use crate::ranked::Ranked;
use crate::rerank;
use crate::schema::Fields;
use crate::snapshot::Snapshot;
use crate::store::IndexDir;
use crate::suggest::Suggestion;
use crate::synonyms::Synonyms;
use crate::talk::Talk;
use crate::words::WordsQuery;

/// Most hits a request may ask for.
pub const MAX_LIMIT: usize = 100;
/// Deepest offset a request may ask for.
pub const MAX_OFFSET: usize = 10_000;
/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// Most words (whitespace-separated terms, syntax included) in a query.
pub const MAX_QUERY_WORDS: usize = 64;
/// Hits returned when a request does not say.
pub const DEFAULT_LIMIT: usize = 10;

/// A search.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SearchRequest {
    /// What the user typed (see [`crate::query`] for the syntax).
    pub query: String,
    /// Hits to return, 1..=[`MAX_LIMIT`].
    pub limit: usize,
    /// Hits to skip, 0..=[`MAX_OFFSET`].
    pub offset: usize,
    /// Search as you type: the last word also matches as a prefix, unless the query ends in a
    /// space. On by default; off for complete queries (evaluation).
    pub prefix: bool,
    /// Build snippets and highlights (off when only ids and scores are wanted).
    pub snippets: bool,
    /// Exact-value filters, all of which must hold.
    #[serde(default)]
    pub filters: Filters,
    /// Facets to count over the whole match set.
    #[serde(default)]
    pub facets: Vec<Facet>,
    /// Order of the hits.
    #[serde(default)]
    pub sort: Sort,
    /// Collapse talks given more than once (same title and speakers) into one hit.
    #[serde(default)]
    pub distinct: bool,
}

/// Filters on exact values. Values of one kind are alternatives (`event=A&event=B`: either);
/// different kinds must all hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Filters {
    /// Event names, exactly as stored.
    pub event: Vec<String>,
    /// Speaker names, exactly as stored.
    pub speaker: Vec<String>,
    /// Tags, exactly as stored.
    pub tag: Vec<String>,
    /// Language codes.
    pub language: Vec<String>,
    /// Years.
    pub year: Vec<u16>,
    /// First year of a range.
    pub year_from: Option<u16>,
    /// Last year of a range.
    pub year_to: Option<u16>,
}

impl Filters {
    /// True if nothing is filtered.
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

/// Order of hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best match first (newest first when there is no text to rank by).
    #[default]
    Relevance,
    /// Most recent first.
    Newest,
    /// Oldest first.
    Oldest,
}

impl Sort {
    /// The sort called `name` (`relevance`, `newest`, `oldest`).
    pub fn from_name(name: &str) -> Option<Sort> {
        match name {
            "relevance" => Some(Sort::Relevance),
            "newest" => Some(Sort::Newest),
            "oldest" => Some(Sort::Oldest),
            _ => None,
        }
    }
}

impl SearchRequest {
    /// A request for the first page of `query`.
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            limit: DEFAULT_LIMIT,
            offset: 0,
            prefix: true,
            snippets: true,
            filters: Filters::default(),
            facets: Vec::new(),
            sort: Sort::Relevance,
            distinct: false,
        }
    }

    /// Checks every limit; the error names the parameter (`q`, `limit`, `offset`).
    pub fn validate(&self) -> Result<()> {
        let chars = self.query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(Error::bad_param("q", format!("{chars} characters; at most {MAX_QUERY_CHARS} are allowed")));
        }
        let words = self.query.split_whitespace().count();
        if words > MAX_QUERY_WORDS {
            return Err(Error::bad_param("q", format!("{words} words; at most {MAX_QUERY_WORDS} are allowed")));
        }
        if !(1..=MAX_LIMIT).contains(&self.limit) {
            return Err(Error::bad_param("limit", format!("{} is out of range 1..={MAX_LIMIT}", self.limit)));
        }
        if self.offset > MAX_OFFSET {
            return Err(Error::bad_param("offset", format!("{} is out of range 0..={MAX_OFFSET}", self.offset)));
        }
        if let (Some(from), Some(to)) = (self.filters.year_from, self.filters.year_to)
            && from > to
        {
            return Err(Error::bad_param("year_from", format!("{from} is after year_to {to}")));
        }
        Ok(())
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Talk id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Character ranges of `title` that matched.
    pub title_highlights: Vec<(usize, usize)>,
    /// Title as HTML, escaped, matches in `<mark>`.
    pub title_html: String,
    /// Speakers.
    pub speakers: Vec<String>,
    /// Per speaker, character ranges of the name that matched.
    pub speaker_highlights: Vec<Vec<(usize, usize)>>,
    /// Event.
    pub event: Option<String>,
    /// Date, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Length in seconds.
    pub duration_s: Option<u64>,
    /// Video or page.
    pub url: Option<String>,
    /// Relevance score (higher is better; 0 when sorted by date).
    pub score: f32,
    /// Part of the abstract around what matched, plain text.
    pub snippet: String,
    /// Character ranges of `snippet` that matched.
    pub highlights: Vec<(usize, usize)>,
    /// The snippet as HTML, escaped, matches in `<mark>`.
    pub snippet_html: String,
    /// With `distinct`: the same talk (title and speakers) given at other events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_given: Vec<Given>,
}

/// Another time a talk was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Given {
    /// That talk's id.
    pub id: String,
    /// Its event.
    pub event: Option<String>,
    /// Its date.
    pub date: Option<String>,
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// The query as given.
    pub query: String,
    /// How many talks match in all.
    pub total: usize,
    /// Time spent in the engine, in milliseconds.
    pub took_ms: f64,
    /// The requested page of hits, best first.
    pub hits: Vec<Hit>,
    /// "Did you mean": the query with misspelt words replaced, when it found little.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// Requested facets: the top values with their counts over the whole match set.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub facets: BTreeMap<String, Vec<FacetValue>>,
    /// Per requested facet, how many more values match than are listed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub facets_more: BTreeMap<String, usize>,
}

/// A searchable index.
pub struct Engine {
    dir: IndexDir,
    fields: Fields,
    weights: Weights,
    synonyms: Synonyms,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Held while a refresh builds a snapshot, so two refreshes never build the same one.
    refreshing: Mutex<()>,
    /// Recent answers of the current snapshot (off unless [`Engine::with_cache`]).
    pub(crate) responses: ResponseCache,
    /// The second thread a search may use (see the `fanout` module).
    fanout: Fanout,
}

impl Engine {
    /// Opens the live index at `dir`.
    pub fn open(dir: IndexDir) -> Result<Engine> {
        let snapshot = Snapshot::open(&dir)?;
        Ok(Engine {
            dir,
            fields: Fields::new(),
            weights: Weights::default(),
            synonyms: Synonyms::bundled(),
            snapshot: RwLock::new(Arc::new(snapshot)),
            refreshing: Mutex::new(()),
            responses: ResponseCache::new(0),
            fanout: Fanout::new(Fanout::available()),
        })
    }

    /// Lets a search use up to `threads` threads (1 or 2; the cores of the machine, at most 2,
    /// by default): see the `fanout` module.
    pub fn with_threads(mut self, threads: usize) -> Self {
        // `open` started a helper thread for the default; another only if the number changes.
        if threads.clamp(1, 2) != self.fanout.threads() {
            self.fanout = Fanout::new(threads);
        }
        self
    }

    /// Keeps the answers to the last `entries` distinct searches of the current index state
    /// (the `cache` module); 0, the default, keeps none.
    pub fn with_cache(mut self, entries: usize) -> Self {
        self.responses = ResponseCache::new(entries);
        self
    }

    /// Replaces the ranking weights (for measurement; the defaults are the measured best).
    pub fn with_weights(mut self, weights: Weights) -> Self {
        self.weights = weights;
        self
    }

    /// Replaces the synonyms (the bundled `data/synonyms.txt` by default).
    pub fn with_synonyms(mut self, synonyms: Synonyms) -> Self {
        self.synonyms = synonyms;
        self
    }

    /// The index directory.
    pub fn dir(&self) -> &IndexDir {
        &self.dir
    }

    /// Switches to the live index if it changed: a newly published generation, or a new commit
    /// (or merge) in the live one. The new snapshot's caches are built before it is swapped in,
    /// so no search waits for them; searches already running finish on the old snapshot.
    /// Returns whether it switched. Costs two small file reads when nothing changed.
    pub fn refresh(&self) -> Result<bool> {
        let _one_at_a_time = self.refreshing.lock().unwrap_or_else(|e| e.into_inner());
        match self.snapshot().next(&self.dir, &self.fields)? {
            Some(fresh) => {
                *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
                self.responses.clear();
                Ok(true)
            }
            None => Ok(false),
        }
    }

    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn searcher(&self) -> Searcher {
        self.snapshot().searcher.clone()
    }

    /// Builds the vocabulary used for typo and prefix expansion now rather than on first use.
    pub fn warm_up(&self) {
        self.snapshot().warm(&self.fields);
    }

    /// Completions of what has been typed so far, for a search box's dropdown.
    pub fn suggest(&self, typed: &str) -> Result<Vec<Suggestion>> {
        let chars = typed.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(Error::bad_param("q", format!("{chars} characters; at most {MAX_QUERY_CHARS} are allowed")));
        }
        let snapshot = self.snapshot();
        Ok(snapshot.suggester(&self.fields).suggest(snapshot.vocabulary(&self.fields), typed))
    }

    /// Number of talks in the index.
    pub fn num_talks(&self) -> u64 {
        self.searcher().num_docs()
    }

    /// Runs a search (or answers it from the cache, if it has one).
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResponse> {
        let start = Instant::now();
        req.validate()?;
        let snapshot = self.snapshot();
        if let Some(answer) = self.cached_on(req, &snapshot, start) {
            return Ok(answer);
        }
        let _running = self.fanout.enter();
        let answer = self.run(req, &snapshot, start)?;
        self.responses.put(req, &snapshot, &answer);
        Ok(answer)
    }

    /// The cache's answer to `req` for the current index state, if it has one, without
    /// searching. None also for an invalid request ([`Engine::search`] says what is wrong).
    #[cfg(test)]
    pub(crate) fn cached(&self, req: &SearchRequest) -> Option<SearchResponse> {
        let start = Instant::now();
        req.validate().ok()?;
        self.cached_on(req, &self.snapshot(), start)
    }

    fn cached_on(&self, req: &SearchRequest, snapshot: &Arc<Snapshot>, start: Instant) -> Option<SearchResponse> {
        let cached = self.responses.get(req, snapshot)?;
        let mut answer = SearchResponse::clone(&cached);
        answer.took_ms = start.elapsed().as_secs_f64() * 1000.0;
        Some(answer)
    }

    fn run(&self, req: &SearchRequest, snapshot: &Snapshot, start: Instant) -> Result<SearchResponse> {
        let parsed = query::parse(&req.query);
        let searcher = snapshot.searcher.clone();
        let vocabulary = snapshot.vocabulary(&self.fields);
        let ctx = plan::Context {
            vocabulary,
            synonyms: &self.synonyms,
            prefix: req.prefix,
            term_infos: Some(&snapshot.term_infos),
        };
        let mut plan = plan::build(&parsed, &self.fields, &self.weights, &ctx);
        let fb = self.weights.feedback;
        if fb.docs > 0 && !plan.match_all && plan.terms.len() >= fb.min_words {
            plan.query = self.with_feedback(snapshot, plan.query, &plan.near, &plan.terms)?;
        }
        if !req.filters.is_empty() {
            let mut clauses = plan::filter_clauses(&req.filters, &self.fields);
            clauses.push((Occur::Must, plan.query));
            plan.query = Box::new(BooleanQuery::new(clauses));
        }
        let by_date = match req.sort {
            Sort::Newest => Some(Order::Desc),
            Sort::Oldest => Some(Order::Asc),
            Sort::Relevance if plan.match_all => Some(Order::Desc),
            Sort::Relevance => None,
        };
        let rr = self.weights.rerank;
        let rerank = by_date.is_none() && rr.applies(plan.terms.len());
        let rescore = by_date.is_none() && !plan.near.is_empty();
        // Collapsing repeats, re-ranking and rescoring need the hits before the page too: fetch
        // them and page afterwards.
        let wanted = if req.distinct { (req.offset + req.limit) * 3 + 20 } else { req.offset + req.limit };
        let top = if req.distinct || rerank || rescore {
            let depth = if rerank { rr.depth } else { 0 };
            let window = if rescore { proximity::WINDOW } else { 0 };
            TopDocs::with_limit(wanted.max(depth).max(window))
        } else {
            TopDocs::with_limit(req.limit).and_offset(req.offset)
        };
        let counter = FacetCollector::new(&req.facets, &snapshot.facet_values, &searcher)?;
        let (mut scored, (total, counts)): (Vec<(f32, DocAddress)>, facets::Fruit) = match by_date {
            Some(order) => {
                let (docs, counted) = snapshot.search(
                    &self.fanout,
                    &plan.query,
                    &(top.order_by_fast_field::<i64>("day", order), counter),
                )?;
                (docs.into_iter().map(|(_, a)| (0.0, a)).collect(), counted)
            }
            None => {
                // The words query's segments are ranked and counted apart (`ranked`): its weight
                // counts the matches while it finds the top hits (in large segments, with
                // pruning).
                let prunes = plan.query.downcast_ref::<WordsQuery>().is_some_and(WordsQuery::prunes);
                let split_above = if prunes { 0 } else { u32::MAX };
                let ranked = Ranked::new(top.order_by_score(), counter, split_above);
                snapshot.search(&self.fanout, &plan.query, &ranked)?
            }
        };
        if rescore {
            proximity::rescore(&searcher, &snapshot.statistics, &plan.near, &mut scored)?;
        }
        let skip = if req.distinct { 0 } else { req.offset };
        let scored = if rerank {
            let fields = [self.fields.title, self.fields.r#abstract];
            let text = |a| self.load(&searcher, a).map(|t| format!("{}\n{}", t.title, snapshot.indexed_abstract(&t)));
            let stats =
                rerank::Stats::new(&searcher, &snapshot.statistics, &fields)?.remembering(&snapshot.class_freqs);
            let ranked = rerank::rerank(&stats, &plan.terms, scored, &text, &rr)?;
            ranked.into_iter().skip(skip).take(wanted - skip).collect()
        } else if rescore {
            scored.into_iter().skip(skip).take(wanted - skip).collect()
        } else {
            scored
        };
        let mut facet_values = BTreeMap::new();
        let mut facets_more = BTreeMap::new();
        for (facet, counted) in req.facets.iter().zip(counts) {
            facet_values.insert(facet.name().to_string(), counted.values);
            facets_more.insert(facet.name().to_string(), counted.more);
        }
        let highlighter = req.snippets.then_some(&plan.highlighter);
        let hits = if req.distinct {
            let talks = scored
                .into_iter()
                .map(|(score, address)| Ok((score, self.load(&searcher, address)?, Vec::new())))
                .collect::<Result<Vec<_>>>()?;
            let page = collapse(talks).into_iter().skip(req.offset).take(req.limit).collect();
            self.fanout.map(page, |(score, talk, also)| Hit { also_given: also, ..make_hit(talk, score, highlighter) })
        } else {
            // Each hit read and highlighted: half of them on the helper thread if it is free.
            let hits = self
                .fanout
                .map(scored, |(score, address)| Ok(make_hit(self.load(&searcher, address)?, score, highlighter)));
            hits.into_iter().collect::<Result<Vec<Hit>>>()?
        };
        let suggestion = suggest(&req.query, &plan.corrections);
        let took_ms = start.elapsed().as_secs_f64() * 1000.0;
        Ok(SearchResponse {
            query: req.query.clone(),
            total,
            took_ms,
            hits,
            suggestion,
            facets: facet_values,
            facets_more,
        })
    }

    /// Runs `query` (rescored with `near`), takes its top talks as relevant, and returns it
    /// expanded with their words.
    fn with_feedback(
        &self,
        snapshot: &Snapshot,
        query: Box<dyn Query>,
        near: &[Box<dyn Query>],
        terms: &[String],
    ) -> Result<Box<dyn Query>> {
        let fb = self.weights.feedback;
        let window = if near.is_empty() { 0 } else { proximity::WINDOW };
        let mut first =
            snapshot.search(&self.fanout, &query, &TopDocs::with_limit(fb.docs.max(window)).order_by_score())?;
        proximity::rescore(&snapshot.searcher, &snapshot.statistics, near, &mut first)?;
        let mut top = Vec::with_capacity(fb.docs);
        for (score, address) in first.into_iter().take(fb.docs) {
            top.push((score, snapshot.talk_as_indexed(address)?));
        }
        let known: HashSet<String> = terms.iter().cloned().collect();
        let words = feedback::expansion_terms(&snapshot.statistics, self.fields.r#abstract, &top, &known, fb.terms);
        Ok(feedback::expand(query, &words, &[self.fields.title, self.fields.r#abstract], fb.weight))
    }

    /// Talks on the same subject as talk `id`: a query of its title and tag words and the words
    /// that characterise its abstract. Never the talk itself, nor the same talk (same title and
    /// speakers) given at other events.
    pub fn related(&self, id: &str, limit: usize) -> Result<Vec<Hit>> {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::bad_param("limit", format!("{limit} is out of range 1..={MAX_LIMIT}")));
        }
        let talk = self.get(id)?;
        let _running = self.fanout.enter();
        let snapshot = self.snapshot();
        let searcher = snapshot.searcher.clone();
        let mut indexed = talk.clone();
        indexed.r#abstract = snapshot.indexed_abstract(&talk).into_owned();
        let mut words = feedback::expansion_terms(
            &snapshot.statistics,
            self.fields.r#abstract,
            &[(1.0, indexed)],
            &HashSet::new(),
            20,
        );
        // The title and tags say best what a talk is about: their words weigh as much as the
        // abstract's strongest.
        let strongest = words.first().map_or(0.2, |(_, w)| *w);
        for token in crate::analysis::tokens(&format!("{} {}", talk.title, talk.tags.join(" "))) {
            if crate::analysis::is_stem(&token.text) || token.text.chars().count() < 3 || plan::is_stopword(&token.text)
            {
                continue;
            }
            match words.iter_mut().find(|(w, _)| *w == token.text) {
                Some((_, weight)) => *weight = weight.max(strongest),
                None => words.push((token.text, strongest)),
            }
        }
        let fields = [self.fields.title, self.fields.r#abstract, self.fields.tags];
        let query = feedback::expand(Box::new(tantivy::query::EmptyQuery), &words, &fields, 1.0);
        let key = duplicate_key(&talk);
        let found = snapshot.search(&self.fanout, &query, &TopDocs::with_limit(limit * 3 + 10).order_by_score())?;
        let highlighter = crate::snippet::Highlighter::default();
        let mut hits = Vec::with_capacity(limit);
        let mut keys = HashSet::from([key]);
        for (score, address) in found {
            let other = self.load(&searcher, address)?;
            if other.id != talk.id && keys.insert(duplicate_key(&other)) {
                hits.push(make_hit(other, score, Some(&highlighter)));
                if hits.len() == limit {
                    break;
                }
            }
        }
        Ok(hits)
    }

    /// The talk with this id.
    pub fn get(&self, id: &str) -> Result<Talk> {
        let searcher = self.searcher();
        match crate::ids::find(&searcher, &[id])?.first() {
            Some(&(_, address)) => self.load(&searcher, address),
            None => Err(Error::NotFound(id.to_string())),
        }
    }

    fn load(&self, searcher: &Searcher, address: DocAddress) -> Result<Talk> {
        self.snapshot().records.talk(searcher, address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_the_parameter() {
        let mut r = SearchRequest::new("x");
        r.limit = 0;
        assert!(r.validate().unwrap_err().to_string().starts_with("parameter `limit`"));
        r.limit = 101;
        assert!(r.validate().is_err());
        r.limit = 100;
        r.offset = 10_001;
        assert!(r.validate().unwrap_err().to_string().starts_with("parameter `offset`"));
        r.offset = 10_000;
        assert!(r.validate().is_ok());
        r.query = "é".repeat(1_001);
        assert!(r.validate().unwrap_err().to_string().starts_with("parameter `q`"));
        r.query = "é".repeat(1_000);
        assert!(r.validate().is_ok(), "1,000 characters are allowed");
    }

    #[test]
    fn words_past_the_limit_are_an_error_naming_it() {
        let mut r = SearchRequest::new(vec!["a"; MAX_QUERY_WORDS].join(" "));
        assert!(r.validate().is_ok());
        r.query.push_str(" b");
        assert_eq!(r.validate().unwrap_err().to_string(), "parameter `q`: 65 words; at most 64 are allowed");
    }
}
