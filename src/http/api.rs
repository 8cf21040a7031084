//! JSON API handlers: parse parameters, call the engine, return its structs as JSON.
//!
//! Parameters are read from the raw query string so that every bad value, unknown or repeated
//! parameter gets a 400 naming it, never a silent clamp or a default.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use crate::search::{DEFAULT_LIMIT, SearchRequest, SearchResponse};
use crate::talk::Talk;

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

    /// The single value of `name` as a number, or `default`.
    pub fn number(&self, name: &str, default: usize) -> Result<usize, ApiError> {
        match self.one(name)? {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| ApiError::bad_param(name, format!("{v:?} is not a whole number"))),
        }
    }
}

/// `GET /api/search?q=&limit=&offset=`.
pub async fn search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<SearchResponse>, ApiError> {
    let params = Params::parse(raw.as_deref(), &["q", "limit", "offset"])?;
    let req = SearchRequest {
        limit: params.number("limit", DEFAULT_LIMIT)?,
        offset: params.number("offset", 0)?,
        ..SearchRequest::new(params.one("q")?.unwrap_or_default())
    };
    let engine = Arc::clone(&state.engine);
    let resp = blocking(move || engine.search(&req)).await?;
    Ok(Json(resp))
}

/// `GET /api/talks/{id}` (ids contain `/`, so this takes the rest of the path).
pub async fn talk(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Talk>, ApiError> {
    let engine = Arc::clone(&state.engine);
    Ok(Json(blocking(move || engine.get(&id)).await?))
}

/// `GET /healthz`.
pub async fn health(State(state): State<AppState>) -> Json<Value> {
    Json(json!({"status": "ok", "talks": state.engine.num_talks()}))
}

/// Runs engine work off the async threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(e) => {
            tracing::error!(error = %e, "search task failed");
            Err(ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error"))
        }
    }
}
