//! The tower layers around every route: limits, overload, timeout, panics, CORS, security
//! headers, compression and request logging.
//!
//! From the outside in, a request meets: the trace span; the security headers (set on every
//! answer, errors included); CORS (only for the origins given); the request checks (URL over
//! [`MAX_URI_BYTES`]: 414, headers over [`MAX_HEADER_BYTES`]: 431, a body declared on a GET,
//! HEAD or OPTIONS over [`BODY_LIMIT`]: 413); the concurrency limit (past
//! `--max-concurrent` requests in flight: 503 with `Retry-After` at once, nothing queued);
//! the per-request timeout (503); panics turned into a 500 that says nothing about them; and
//! compression. [`axum::extract::DefaultBodyLimit`] is set to [`BODY_LIMIT`] for every route:
//! a route that takes a bigger body raises it with its own `DefaultBodyLimit` layer.
//!
//! The server loop ([`super::server`]) adds what a router cannot see: a request head (line and
//! headers) over [`MAX_HEAD_BYTES`] is refused by hyper itself with a bare 431 (a bare 414 when
//! the URL alone is over 64 KiB).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use super::error::ApiError;
use crate::config::ServeConfig;

/// Longest request target (path and query string), in bytes: room for a 1,000-character query
/// of 4-byte characters, percent-encoded, and its filters.
pub const MAX_URI_BYTES: usize = 16 * 1024;
/// Most bytes of request headers (names, values and separators), the request line excluded.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Largest request head (line and headers) the server loop reads at all; past it hyper
/// answers 431 and closes the connection.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body, unless a route raises it; bodies declared on GET, HEAD and OPTIONS
/// requests are checked against it before anything else runs.
pub const BODY_LIMIT: usize = 16 * 1024;
/// What an overloaded server asks clients to wait, in seconds.
pub const RETRY_AFTER_SECS: u32 = 1;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Headers set on every answer that does not set its own.
pub const SECURITY_HEADERS: [(header::HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CSP),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// Wraps every route of `router` (and its fallback) in the layer stack.
///
/// The limits, the concurrency limit and the timeout are one middleware, and the security
/// headers another: each layer of its own cost every request an allocation and a boxed future.
pub fn apply(router: Router, config: &ServeConfig) -> Router {
    let guard = Arc::new(Guard { capacity: Semaphore::new(config.max_concurrent as usize), timeout: config.timeout() });
    let mut router = router
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(|panic: Box<dyn std::any::Any + Send>| {
            // Logged here, never answered: the 500 says nothing about it.
            let message =
                panic.downcast_ref::<&str>().copied().or_else(|| panic.downcast_ref::<String>().map(String::as_str));
            tracing::error!(panic = message.unwrap_or("(not text)"), "a request panicked");
            ApiError::internal().into_response()
        }))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(guard, guarded));
    if !config.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> =
            config.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET])
                .max_age(Duration::from_secs(3600)),
        );
    }
    router.layer(middleware::from_fn(secured)).layer(TraceLayer::new_for_http())
}

/// Sets each of [`SECURITY_HEADERS`] the answer does not set itself.
async fn secured(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

/// What [`guarded`] holds requests to.
struct Guard {
    /// A permit a request in flight.
    capacity: Semaphore,
    /// The longest a request may take.
    timeout: Duration,
}

/// A request over a limit gets its 414, 431 or 413 before any work is done for it; past the
/// concurrency limit, a 503 with `Retry-After` at once; one that takes longer than the timeout,
/// a 503.
async fn guarded(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    if let Err(refused) = within_limits(req.method(), req.uri(), req.headers()) {
        return refused.into_response();
    }
    let Ok(_permit) = guard.capacity.try_acquire() else {
        let mut response = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the server is answering as many requests as it can; try again shortly",
        )
        .into_response();
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        return response;
    };
    match tokio::time::timeout(guard.timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request took longer than {} s", guard.timeout.as_secs_f64()),
        )
        .into_response(),
    }
}

fn within_limits(method: &Method, uri: &axum::http::Uri, headers: &HeaderMap) -> Result<(), ApiError> {
    let target = uri.path_and_query().map_or(0, |pq| pq.as_str().len())
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.scheme_str().map_or(0, str::len);
    if target > MAX_URI_BYTES {
        return Err(ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the URL is {target} bytes; at most {MAX_URI_BYTES} are accepted"),
        ));
    }
    let header_bytes: usize = headers.iter().map(|(n, v)| n.as_str().len() + v.as_bytes().len() + 4).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("the request headers are {header_bytes} bytes; at most {MAX_HEADER_BYTES} are accepted"),
        ));
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
        if let Some(length) = declared.filter(|&n| n > BODY_LIMIT as u64) {
            return Err(body_too_large(length));
        }
    }
    Ok(())
}

/// 413 for a body of `length` bytes.
pub fn body_too_large(length: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("the request body is {length} bytes; at most {BODY_LIMIT} are accepted"),
    )
}

#[cfg(test)]
#[path = "layers_tests.rs"]
mod tests;
