//! JSON API handlers: parse parameters, call the engine, return its structs as JSON.
//!
//! Parameters are read from the raw query string so that every bad value, unknown or repeated
//! parameter gets a 400 naming it, never a silent clamp or a default.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use crate::facets::Facet;
use crate::search::{DEFAULT_LIMIT, Filters, SearchRequest, SearchResponse, Sort};

/// A JSON response body, written into one growing `Vec`. axum's `Json` writes through
/// `bytes`' `Writer` over a `BytesMut`, where every small write (serde_json makes one per quote,
/// comma and string) takes the generic `put` path: a page of ten hits took 120,000 instructions
/// to serialise that way (about a tenth of the request), 107,500 this way. Most of the rest is
/// serde_json escaping the strings a byte at a time.
pub struct Json<T>(pub T);

/// Bytes a response buffer starts with: a page of ten hits with snippets is 5-10 KB.
const BODY_CAPACITY: usize = 8 * 1024;

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(BODY_CAPACITY);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "a response could not be serialised");
                ApiError::internal().into_response()
            }
        }
    }
}

/// Query-string pairs, percent-decoded.
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parses a raw query string, rejecting parameters not in `allowed`.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Params, ApiError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| ApiError::bad_param("query string", e))?;
        for (name, _) in &pairs {
            if !allowed.contains(&name.as_str()) {
                return Err(ApiError::bad_param(
                    name,
                    format!("unknown parameter; expected one of {}", allowed.join(", ")),
                ));
            }
        }
        Ok(Params(pairs))
    }

    /// The single value of `name`, if given.
    pub fn one(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(ApiError::bad_param(name, "given more than once"));
        }
        Ok(first)
    }

    /// Every value of `name` (a repeatable parameter), empty ones skipped.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.clone()).collect()
    }

    /// A year: four digits.
    fn year(name: &str, value: &str) -> Result<u16, ApiError> {
        value
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|y| (1000..=9999).contains(y))
            .ok_or_else(|| ApiError::bad_param(name, format!("{value:?} is not a year")))
    }

    /// The search filters, facets and sort of a request.
    pub fn refine(&self, req: &mut SearchRequest) -> Result<(), ApiError> {
        req.filters = Filters {
            event: self.all("event"),
            speaker: self.all("speaker"),
            tag: self.all("tag"),
            language: self.all("language"),
            year: self.all("year").iter().map(|v| Params::year("year", v)).collect::<Result<_, _>>()?,
            year_from: self.one("year_from")?.map(|v| Params::year("year_from", v)).transpose()?,
            year_to: self.one("year_to")?.map(|v| Params::year("year_to", v)).transpose()?,
        };
        for list in self.all("facets") {
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let facet = Facet::from_name(name).ok_or_else(|| {
                    ApiError::bad_param(
                        "facets",
                        format!("unknown facet {name:?}; expected event, year, speaker, tag, language"),
                    )
                })?;
                if !req.facets.contains(&facet) {
                    req.facets.push(facet);
                }
            }
        }
        match self.one("distinct")? {
            None | Some("") => {}
            Some("talk") => req.distinct = true,
            Some(other) => return Err(ApiError::bad_param("distinct", format!("{other:?}; the only value is `talk`"))),
        }
        if let Some(sort) = self.one("sort")? {
            req.sort = Sort::from_name(sort).ok_or_else(|| {
                ApiError::bad_param("sort", format!("{sort:?}; expected relevance, newest or oldest"))
            })?;
        }
        Ok(())
    }

    /// The single value of `name` as a number, or `default`.
    pub fn number(&self, name: &str, default: usize) -> Result<usize, ApiError> {
        match self.one(name)? {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| ApiError::bad_param(name, format!("{v:?} is not a whole number"))),
        }
    }
}

/// Parameters of `/api/search`.
pub const SEARCH_PARAMS: &[&str] = &[
    "q",
    "limit",
    "offset",
    "event",
    "speaker",
    "tag",
    "language",
    "year",
    "year_from",
    "year_to",
    "facets",
    "sort",
    "distinct",
];

/// `GET /api/search?q=&limit=&offset=&event=&speaker=&tag=&language=&year=&year_from=&year_to=&facets=&sort=`.
pub async fn search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<SearchResponse>, ApiError> {
    let params = Params::parse(raw.as_deref(), SEARCH_PARAMS)?;
    let mut req = SearchRequest {
        limit: params.number("limit", DEFAULT_LIMIT)?,
        offset: params.number("offset", 0)?,
        ..SearchRequest::new(params.one("q")?.unwrap_or_default())
    };
    params.refine(&mut req)?;
    Ok(Json(state.engine.search(&req)?))
}

/// `GET /api/suggest?q=`: completions for a search box's dropdown.
pub async fn suggest(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref(), &["q"])?;
    let suggestions = state.engine.suggest(params.one("q")?.unwrap_or_default())?;
    Ok(Json(json!({ "suggestions": suggestions })))
}

/// `GET /api/talks/{id}` and `GET /api/talks/{id}/related?limit=` (ids contain `/`, so this
/// takes the rest of the path).
pub async fn talk(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    // The id is percent-decoded by the router; bytes that are not UTF-8 get our 400, not axum's text.
    let Path(path) = path.map_err(|_| ApiError::bad_param("id", "not valid UTF-8 once percent-decoded"))?;
    let engine = &state.engine;
    match path.strip_suffix("/related") {
        Some(id) => {
            let params = Params::parse(raw.as_deref(), &["limit"])?;
            let limit = params.number("limit", DEFAULT_LIMIT)?;
            let hits = engine.related(id, limit)?;
            Ok(Json(json!({ "hits": hits })))
        }
        None => {
            Params::parse(raw.as_deref(), &[])?;
            let talk = engine.get(&path)?;
            Ok(Json(serde_json::to_value(talk).unwrap_or(Value::Null)))
        }
    }
}

/// `GET /healthz`.
pub async fn health(State(state): State<AppState>) -> Json<Value> {
    Json(json!({"status": "ok", "talks": state.engine.num_talks()}))
}

/// Runs engine work that may take long (writes: an import, a commit) off the async threads.
/// Reads (searches, suggestions, lookups) run on the async thread that parsed the request:
/// they take microseconds to a few milliseconds, less than handing them to another thread and
/// back costs under load (see `async_threads` in `http/mod.rs`).
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(e) => {
            tracing::error!(error = %e, "search task failed");
            Err(ApiError::internal())
        }
    }
}
