use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::Request;
use axum::routing::{get, post};
use http_body_util::BodyExt;
use tokio::sync::Notify;
use tower::ServiceExt;

use super::*;

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn send(router: &Router, req: Request<Body>) -> Answer {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned();
    Answer { status, headers, body }
}

fn get_req(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// The answer is a JSON error with this code, and carries every security header.
fn assert_error(a: &Answer, status: StatusCode, code: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", a.body));
    assert_eq!(v["error"]["code"], code, "{}", a.body);
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(a.headers.get(&name).map(|v| v.to_str().unwrap()), Some(value), "{name} on a {status}");
    }
}

fn test_router(config: &ServeConfig, gate: Arc<Notify>) -> Router {
    let router = Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route(
            "/wait",
            get(move || async move {
                gate.notified().await;
                "released"
            }),
        )
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("secret state /home/x/index");
                }
                "unreachable"
            }),
        )
        .route("/echo", post(|body: Bytes| async move { body.len().to_string() }))
        .route(
            "/upload",
            post(|body: Bytes| async move { body.len().to_string() }).layer(DefaultBodyLimit::max(1 << 20)),
        )
        .fallback(|| async { ApiError::no_route() });
    apply(router, config)
}

#[tokio::test]
async fn past_capacity_the_answer_is_503_with_retry_after_at_once() {
    let gate = Arc::new(Notify::new());
    let config = ServeConfig { max_concurrent: 1, ..ServeConfig::default() };
    let router = test_router(&config, Arc::clone(&gate));
    let held = tokio::spawn({
        let router = router.clone();
        async move { send(&router, get_req("/wait")).await }
    });
    // Wait until the first request holds the only slot.
    let shed = loop {
        let a = send(&router, get_req("/ok")).await;
        if a.status != StatusCode::OK {
            break a;
        }
        tokio::task::yield_now().await;
    };
    assert_error(&shed, StatusCode::SERVICE_UNAVAILABLE, "overloaded");
    assert_eq!(shed.headers["retry-after"], "1");
    gate.notify_one();
    assert_eq!(held.await.unwrap().body, "released");
    assert_eq!(send(&router, get_req("/ok")).await.status, StatusCode::OK, "the slot is free again");
}

#[tokio::test]
async fn a_slow_request_gets_a_503_json_answer_at_the_timeout() {
    let config = ServeConfig { request_timeout: 1, ..ServeConfig::default() };
    let router = test_router(&config, Arc::new(Notify::new()));
    let a = send(&router, get_req("/wait")).await;
    assert_error(&a, StatusCode::SERVICE_UNAVAILABLE, "timeout");
    assert!(a.body.contains("longer than 1 s"), "{}", a.body);
}

#[tokio::test]
async fn a_panic_is_a_500_that_reveals_nothing() {
    let router = test_router(&ServeConfig::default(), Arc::new(Notify::new()));
    let a = send(&router, get_req("/panic")).await;
    assert_error(&a, StatusCode::INTERNAL_SERVER_ERROR, "internal");
    for leak in ["secret", "/home", "panick", "src/", ".rs"] {
        assert!(!a.body.contains(leak), "{leak} in {}", a.body);
    }
}

#[tokio::test]
async fn oversized_urls_headers_and_bodies_get_414_431_413() {
    let router = test_router(&ServeConfig::default(), Arc::new(Notify::new()));
    let long = format!("/ok?q={}", "a".repeat(MAX_URI_BYTES));
    let a = send(&router, get_req(&long)).await;
    assert_error(&a, StatusCode::URI_TOO_LONG, "uri_too_long");
    assert!(a.body.contains(&format!("at most {MAX_URI_BYTES}")), "{}", a.body);
    let just_fits = format!("/ok?q={}", "a".repeat(MAX_URI_BYTES - 6));
    assert_eq!(send(&router, get_req(&just_fits)).await.status, StatusCode::OK);

    let mut req = get_req("/ok");
    for i in 0..40 {
        req.headers_mut().insert(
            header::HeaderName::from_bytes(format!("x-filler-{i}").as_bytes()).unwrap(),
            HeaderValue::from_str(&"v".repeat(500)).unwrap(),
        );
    }
    let a = send(&router, req).await;
    assert_error(&a, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large");

    let req = Request::get("/ok").header("content-length", "1048576").body(Body::empty()).unwrap();
    let a = send(&router, req).await;
    assert_error(&a, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
    assert!(a.body.contains("1048576 bytes; at most 16384"), "{}", a.body);
    // Limits apply before routing decides: an unknown path over a limit is still refused.
    let req = Request::get("/nope").header("content-length", "1048576").body(Body::empty()).unwrap();
    assert_eq!(send(&router, req).await.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_default_body_limit_is_small_and_a_route_can_raise_it() {
    let router = test_router(&ServeConfig::default(), Arc::new(Notify::new()));
    let big = vec![b'x'; 64 * 1024];
    let a = send(&router, Request::post("/echo").body(Body::from(big.clone())).unwrap()).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", a.body);
    let small = Request::post("/echo").body(Body::from(vec![b'x'; 100])).unwrap();
    assert_eq!(send(&router, small).await.body, "100");
    let a = send(&router, Request::post("/upload").body(Body::from(big)).unwrap()).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "65536"));
}

#[tokio::test]
async fn security_headers_are_on_404_405_and_successes() {
    let router = test_router(&ServeConfig::default(), Arc::new(Notify::new()));
    assert_error(&send(&router, get_req("/nope")).await, StatusCode::NOT_FOUND, "no_route");
    let a = send(&router, Request::delete("/ok").body(Body::empty()).unwrap()).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    let ok = send(&router, get_req("/ok")).await;
    for a in [a, ok] {
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(a.headers.get(&name).map(|v| v.to_str().unwrap()), Some(value), "{name} on {}", a.status);
        }
    }
}
