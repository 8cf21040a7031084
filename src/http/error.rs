//! One error type for every HTTP answer that is not a success, with a stable JSON body:
//! `{"error": {"code": "bad_parameter", "message": "parameter `limit`: ..."}}`.
//!
//! Server-side failures (I/O, index) are logged in full and answered with a generic message, so
//! no file path or internal state reaches a client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::Error;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    /// An answer with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }

    /// 400 naming a parameter.
    pub fn bad_param(param: &str, message: impl std::fmt::Display) -> Self {
        Error::bad_param(param, message.to_string()).into()
    }

    /// The HTTP status of this answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// 500 that says nothing about what failed (the log has it).
    pub fn internal() -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; the server log has the details")
    }

    /// 404 for a path that does not exist.
    pub fn no_route() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "no_route", "no such endpoint; see /api/openapi.json")
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = if status.is_server_error() {
            tracing::error!(error = %e, "request failed");
            match e {
                Error::NoIndex(_) | Error::Stale(_) => "the index is not available; run `talksearch index`".to_string(),
                _ => "internal error; the server log has the details".to_string(),
            }
        } else if let Error::Busy(_) = e {
            "the index is being written by another process; try again".to_string()
        } else {
            e.to_string()
        };
        ApiError { status, code: e.code(), message }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_never_carry_paths_or_causes() {
        let secret = std::path::PathBuf::from("/srv/secret/index");
        let errors = [
            Error::io(&secret, std::io::Error::other("disk on fire")),
            Error::NoIndex(secret.clone()),
            Error::Stale(secret.clone()),
            Error::Index(tantivy::TantivyError::InternalError("segment /srv/secret/index/x".into())),
            Error::Write { path: secret.clone(), source: tantivy::TantivyError::InternalError("full".into()) },
        ];
        for e in errors {
            let answer = ApiError::from(e);
            assert!(answer.status.is_server_error());
            for leak in ["/srv", "secret", "fire", "segment", "full"] {
                assert!(!answer.message.contains(leak), "{leak} in {}", answer.message);
            }
        }
    }
}
