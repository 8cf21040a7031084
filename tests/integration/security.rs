//! What the server reveals: nothing from the file system, no directory listings, no paths,
//! backtraces or internal state in errors, security headers on every answer, and CORS only for
//! the origins given.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use talksearch::config::ServeConfig;
use talksearch::http::layers::SECURITY_HEADERS;
use talksearch::http::{AppState, app};
use tower::ServiceExt;

use crate::util::fixture_engine;

async fn send(config: &ServeConfig, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let (_tmp, engine) = fixture_engine();
    let resp = app(AppState { engine }, config).oneshot(req).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&bytes).into_owned())
}

async fn get(uri: &str) -> (StatusCode, HeaderMap, String) {
    send(&ServeConfig::default(), Request::get(uri).body(Body::empty()).unwrap()).await
}

/// Text that would show a file, a listing, a path or a backtrace got out.
const LEAKS: &[&str] = &[
    "[package]",
    "root:x:",
    "[core]",
    "repositoryformatversion",
    "Index of",
    "/work/",
    "/tmp/",
    "/root/",
    "src/",
    ".rs:",
    "panicked",
    "backtrace",
    "RUST_",
    "gen-",
];

#[tokio::test]
async fn no_user_path_reaches_the_file_system() {
    for uri in [
        "/api/talks/../../etc/passwd",
        "/api/talks/..%2F..%2Fetc%2Fpasswd",
        "/api/talks/%2e%2e/%2e%2e/Cargo.toml",
        "/api/talks//etc/passwd",
        "/assets/../Cargo.toml",
        "/assets/..%2f..%2fCargo.toml",
        "/assets/style.css/../../Cargo.toml",
        "/assets/",
        "/assets",
        "/%2e%2e/Cargo.toml",
        "/../../etc/passwd",
        "//etc/passwd",
        "/.git/config",
        "/Cargo.toml",
        "/src/",
        "/index/CURRENT",
        "/tests/fixtures/talks.jsonl",
        "/widget.js/..",
        "/api/",
    ] {
        let (status, _, body) = get(uri).await;
        assert!(status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST, "{uri}: {status} {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{uri}: {body}"));
        assert!(v["error"]["code"].is_string(), "{uri}: {body}");
        for leak in LEAKS {
            assert!(!body.contains(leak), "{uri}: {leak:?} in {body}");
        }
    }
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let long_uri = format!("/api/search?q={}", "a".repeat(20_000));
    let mut cases: Vec<Request<Body>> = [
        "/",
        "/?q=pypy",
        "/?limit=0",
        "/assets/style.css",
        "/assets/app.js",
        "/widget.js",
        "/api/search?q=pypy",
        "/api/search?limit=0",
        "/api/talks/fixture/pypy-jit",
        "/api/talks/nope",
        "/api/openapi.json",
        "/healthz",
        "/nope",
        long_uri.as_str(),
    ]
    .iter()
    .map(|uri| Request::get(*uri).body(Body::empty()).unwrap())
    .collect();
    cases.push(Request::post("/api/search").body(Body::empty()).unwrap());
    cases.push(Request::get("/healthz").header("content-length", "100000").body(Body::empty()).unwrap());
    let mut big_headers = Request::get("/healthz");
    for i in 0..20 {
        big_headers = big_headers.header(format!("x-filler-{i}"), "v".repeat(1000));
    }
    cases.push(big_headers.body(Body::empty()).unwrap());
    let mut seen = Vec::new();
    for req in cases {
        let uri = req.uri().to_string();
        let (status, headers, body) = send(&ServeConfig::default(), req).await;
        seen.push(status.as_u16());
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(headers.get(&name).map(|v| v.to_str().unwrap()), Some(value), "{name} on {status} {uri}");
        }
        for leak in LEAKS.iter().filter(|_| !status.is_success()) {
            assert!(!body.contains(leak), "{uri}: {leak:?} in {body}");
        }
    }
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, [200, 400, 404, 405, 413, 414, 431], "the statuses covered");
}

#[tokio::test]
async fn cors_preflights_are_answered_only_for_listed_origins() {
    let config = ServeConfig { cors_origins: vec!["https://conf.example".into()], ..ServeConfig::default() };
    let preflight = |origin: &str| {
        Request::options("/api/search?q=x")
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .body(Body::empty())
            .unwrap()
    };
    let (_, headers, _) = send(&config, preflight("https://conf.example")).await;
    assert_eq!(headers["access-control-allow-origin"], "https://conf.example");
    assert_eq!(headers["access-control-allow-methods"], "GET");
    for origin in ["https://evil.example", "null", "https://conf.example.evil.example", "http://conf.example"] {
        let (_, headers, _) = send(&config, preflight(origin)).await;
        assert!(headers.get("access-control-allow-origin").is_none(), "{origin}");
    }
    let (_, headers, _) = send(&ServeConfig::default(), preflight("https://conf.example")).await;
    assert!(headers.get("access-control-allow-origin").is_none(), "no origin is allowed by default");
}
