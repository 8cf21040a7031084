//! The write API: `POST /api/talks` (upsert) and `DELETE /api/talks/{id}`. The routes exist
//! only when `serve` has a write token (`--write-token` / `TALKSEARCH_WRITE_TOKEN`).
//!
//! Every request needs `Authorization: Bearer <token>`, compared in constant time; without it
//! the answer is 401 with `WWW-Authenticate`, before any of the body is read. A body over the
//! limit (`--max-body`, 16 MiB by default) is answered with 413. A body is one talk record (a
//! JSON object), a JSON array of records, or JSON Lines (one record a line); the first invalid
//! record makes it 400 naming the line and the field, and nothing is applied. A change is one
//! commit ([`crate::update`]), written off the async threads; the engine is refreshed before the
//! answer, so the writer's next search sees the change.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::AppState;
use super::api::blocking;
use super::error::ApiError;
use crate::config::{ServeConfig, WriteToken};
use crate::error::{Error, Rejection, Result};
use crate::ingest::{self, Format, ReadOptions, Source};
use crate::search::Engine;
use crate::talk::Talk;
use crate::update;

/// How request bodies are named in error messages (`request body:3: field "date": ...`).
pub const BODY_LABEL: &str = "request body";

/// Longest wait for another writer: well inside the request timeout, so that a write is not
/// still waiting (and then applied) after its request was answered with a timeout.
const MAX_PATIENCE: Duration = Duration::from_secs(5);

struct Writer {
    token: WriteToken,
    max_body: usize,
    patience: Duration,
}

/// The write routes, or none without a write token.
pub fn routes(config: &ServeConfig) -> Router<AppState> {
    let Some(token) = config.write_token.clone() else { return Router::new() };
    let patience = MAX_PATIENCE.min(config.timeout() / 2);
    let writer = Arc::new(Writer { token, max_body: config.max_body, patience });
    let for_delete = Arc::clone(&writer);
    Router::new()
        .route(
            "/api/talks",
            post(move |State(state): State<AppState>, headers: HeaderMap, body: Body| {
                add(state, Arc::clone(&writer), headers, body)
            }),
        )
        .route(
            "/api/talks/{*id}",
            delete(move |State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>| {
                remove(state, Arc::clone(&for_delete), headers, id)
            }),
        )
}

/// `POST /api/talks`: inserts or replaces the talks of the body.
async fn add(state: AppState, writer: Arc<Writer>, headers: HeaderMap, body: Body) -> Response {
    if let Some(denied) = writer.denial(&headers) {
        return denied;
    }
    let bytes = match read_body(body, &headers, writer.max_body).await {
        Ok(bytes) => bytes,
        Err(e) => return e.into_response(),
    };
    let engine = Arc::clone(&state.engine);
    let patience = writer.patience;
    let applied = blocking(move || {
        let talks = parse_body(&bytes)?;
        let applied = update::upsert(engine.dir(), &talks, patience)?;
        refresh(&engine);
        Ok(applied)
    });
    match applied.await {
        Ok(applied) => Json(applied).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `DELETE /api/talks/{id}`: removes one talk.
async fn remove(state: AppState, writer: Arc<Writer>, headers: HeaderMap, id: String) -> Response {
    if let Some(denied) = writer.denial(&headers) {
        return denied;
    }
    let engine = Arc::clone(&state.engine);
    let patience = writer.patience;
    let applied = blocking(move || {
        let applied = update::remove(engine.dir(), &[id], patience)?;
        refresh(&engine);
        Ok(applied)
    });
    match applied.await {
        Ok(applied) => Json(applied).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Makes the commit visible to this server's searches now; if that fails, the next poll will.
fn refresh(engine: &Engine) {
    if let Err(e) = engine.refresh() {
        tracing::warn!(error = %e, "committed, but could not refresh the engine yet");
    }
}

impl Writer {
    /// The 401 answer, unless the request has the right bearer token.
    fn denial(&self, headers: &HeaderMap) -> Option<Response> {
        let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer);
        match given {
            Some(token) if same_secret(self.token.0.as_bytes(), token.as_bytes()) => None,
            Some(_) => Some(unauthorized(r#"Bearer realm="talksearch", error="invalid_token""#, "wrong write token")),
            None => Some(unauthorized(
                r#"Bearer realm="talksearch""#,
                "this endpoint needs the header `Authorization: Bearer <write token>`",
            )),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` value (the scheme in any case).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Compares a secret with what a client sent in time that depends only on the secret's
/// length, not on where they differ, so timing does not reveal how much of a guess is right.
fn same_secret(secret: &[u8], given: &[u8]) -> bool {
    let mut diff = u8::from(secret.len() != given.len());
    for (i, &s) in secret.iter().enumerate() {
        diff |= s ^ given.get(i).copied().unwrap_or(0);
    }
    std::hint::black_box(diff) == 0
}

fn unauthorized(challenge: &'static str, message: &str) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    response
}

/// Reads the body, refusing one over `max` bytes (by its declared length, before reading).
async fn read_body(body: Body, headers: &HeaderMap, max: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is larger than {max} bytes (the server's --max-body)"),
        )
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    match Limited::new(body, max).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_body", format!("could not read the body: {e}"))),
    }
}

/// The talks of a body: one JSON object, a JSON array of them, or JSON Lines. Any invalid
/// record fails the whole body with [`Error::Invalid`].
fn parse_body(bytes: &[u8]) -> Result<Vec<Talk>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return Err(Error::Invalid(ingest::invalid_utf8(bytes, BODY_LABEL, e).rejected)),
    };
    let body = text.trim_start_matches('\u{feff}').trim_start();
    let first_line = 1 + text[..text.len() - body.len()].matches('\n').count();
    let reject = |line, message: String| Error::Invalid(vec![Rejection { source: BODY_LABEL.into(), line, message }]);
    let format = if body.starts_with('[') {
        Format::Json
    } else if body.starts_with('{') {
        // One object, perhaps over several lines, is one record; else one record a line.
        if serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok() {
            return Talk::from_json(body).map(|talk| vec![talk]).map_err(|m| reject(first_line, m));
        }
        Format::Jsonl
    } else if body.is_empty() {
        return Err(reject(1, "empty body: send a talk record, an array of records, or one record a line".into()));
    } else {
        return Err(reject(
            first_line,
            "not JSON: send a talk record, an array of records, or one record a line".into(),
        ));
    };
    let source = Source::Text { label: BODY_LABEL.into(), text: text.to_string() };
    Ok(ingest::read_sources(&[source], ReadOptions { format: Some(format), ..ReadOptions::default() })?.talks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"0123456789abcdef", b"0123456789abcdef"));
        assert!(!same_secret(b"0123456789abcdef", b"0123456789abcdeX"));
        assert!(!same_secret(b"0123456789abcdef", b"0123456789abcdef0"));
        assert!(!same_secret(b"0123456789abcdef", b"0123456789abcde"));
        assert!(!same_secret(b"0123456789abcdef", b""));
    }

    #[test]
    fn bearer_tokens_are_read_from_the_header_value() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
    }

    #[test]
    fn bodies_are_an_object_an_array_or_json_lines() {
        let one = parse_body(b"{\n  \"id\": \"a\",\n  \"title\": \"A\"\n}").unwrap();
        assert_eq!(one.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["a"]);
        let array = parse_body(br#"[{"id": "a", "title": "A"}, {"id": "b", "title": "B"}]"#).unwrap();
        assert_eq!(array.len(), 2);
        let lines = parse_body(b"{\"id\": \"a\", \"title\": \"A\"}\n{\"id\": \"b\", \"title\": \"B\"}\n").unwrap();
        assert_eq!(lines.len(), 2);
    }

    #[test]
    fn the_first_invalid_record_is_named_by_line_and_field() {
        let body = b"{\"id\": \"a\", \"title\": \"A\"}\n{\"id\": \"b\", \"title\": \"B\", \"date\": \"2012-13-01\"}\n";
        let err = parse_body(body).unwrap_err().to_string();
        assert!(err.starts_with("request body:2: field \"date\""), "{err}");
        let err =
            parse_body(b"\n\n{\"id\": \"a\",\n \"speakers\": \"Ann\", \"title\": \"A\"}").unwrap_err().to_string();
        assert!(err.starts_with("request body:3: field \"speakers\""), "{err}");
        let err = parse_body(b"{\"id\": \"a\", \"title\": \"A\"}\n{\"id\": \"a\", \"title\": \"A\"}").unwrap_err();
        assert!(err.to_string().contains("request body:2: field \"id\": duplicate id"), "{err}");
        assert!(parse_body(b"   ").unwrap_err().to_string().contains("empty body"));
        assert!(parse_body(b"id,title\na,A").unwrap_err().to_string().contains("not JSON"));
        assert!(parse_body(b"{\"id\": \"\xff\"}").unwrap_err().to_string().contains("invalid UTF-8"));
    }
}
