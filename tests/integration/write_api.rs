//! The write API on the real router: routes only with a token, bearer auth, body limit,
//! all-or-nothing bodies, read-your-writes, the OpenAPI document.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use talksearch::Engine;
use talksearch::config::{ServeConfig, WriteToken};
use talksearch::http::{AppState, app};
use tower::ServiceExt;

use crate::util::fixture_engine;

const TOKEN: &str = "write-api-test-token-0123456789";

fn config() -> ServeConfig {
    ServeConfig { write_token: Some(WriteToken(TOKEN.into())), max_body: 4096, ..ServeConfig::default() }
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    json: Value,
}

async fn send(engine: &Arc<Engine>, config: &ServeConfig, req: Request<Body>) -> Answer {
    let router = app(AppState { engine: Arc::clone(engine) }, config);
    let resp = router.oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Answer { status, headers, json: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
}

fn post(body: &str, auth: Option<&str>) -> Request<Body> {
    let mut req = Request::post("/api/talks").header("content-type", "application/json");
    if let Some(auth) = auth {
        req = req.header("authorization", auth);
    }
    req.body(Body::from(body.to_string())).unwrap()
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

async fn total(engine: &Arc<Engine>, q: &str) -> u64 {
    let a = send(engine, &config(), Request::get(format!("/api/search?q={q}")).body(Body::empty()).unwrap()).await;
    a.json["total"].as_u64().unwrap()
}

#[tokio::test]
async fn without_a_token_there_are_no_write_routes() {
    let (_tmp, engine) = fixture_engine();
    let closed = ServeConfig::default();
    assert_eq!(send(&engine, &closed, post("{}", Some(&bearer()))).await.status, StatusCode::NOT_FOUND);
    let delete = Request::delete("/api/talks/fixture/pypy-jit").body(Body::empty()).unwrap();
    assert_eq!(send(&engine, &closed, delete).await.status, StatusCode::METHOD_NOT_ALLOWED);
    let doc = send(&engine, &closed, Request::get("/api/openapi.json").body(Body::empty()).unwrap()).await.json;
    assert!(doc["paths"].get("/api/talks").is_none());
    assert!(doc["paths"]["/api/talks/{id}"].get("delete").is_none());
}

#[tokio::test]
async fn writes_need_the_right_bearer_token() {
    let (_tmp, engine) = fixture_engine();
    let talks = engine.num_talks();
    let body = r#"{"id": "api/new", "title": "Quokka care"}"#;
    for (auth, challenge) in [
        (None, r#"Bearer realm="talksearch""#),
        (Some("Bearer wrong-token-of-some-length"), r#"Bearer realm="talksearch", error="invalid_token""#),
        (Some(&format!("Bearer {TOKEN}x")[..]), r#"Bearer realm="talksearch", error="invalid_token""#),
        (Some(&format!("Basic {TOKEN}")[..]), r#"Bearer realm="talksearch""#),
    ] {
        let a = send(&engine, &config(), post(body, auth)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(a.headers["www-authenticate"], challenge);
        assert_eq!(a.json["error"]["code"], "unauthorized");
    }
    let delete = Request::delete("/api/talks/fixture/pypy-jit").body(Body::empty()).unwrap();
    assert_eq!(send(&engine, &config(), delete).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(engine.num_talks(), talks, "nothing was applied");

    let a = send(&engine, &config(), post(body, Some(&bearer()))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json, serde_json::json!({"added": 1, "replaced": 0, "removed": 0, "talks": talks + 1}));
    assert_eq!(total(&engine, "quokka").await, 1, "visible when the POST returns");
}

#[tokio::test]
async fn objects_arrays_and_json_lines_upsert_and_delete_removes() {
    let (_tmp, engine) = fixture_engine();
    let talks = engine.num_talks();
    let array = r#"[{"id": "api/a", "title": "Wombat burrows"},
                    {"id": "fixture/pypy-jit", "title": "PyPy, replaced", "abstract": "Metatracing."}]"#;
    let a = send(&engine, &config(), post(array, Some(&bearer()))).await;
    assert_eq!((a.json["added"].as_u64(), a.json["replaced"].as_u64()), (Some(1), Some(1)), "{}", a.json);
    let lines = "{\"id\": \"api/b\", \"title\": \"Wombat diets\"}\n{\"id\": \"api/c\", \"title\": \"Wombat cubes\"}\n";
    let a = send(&engine, &config(), post(lines, Some(&bearer()))).await;
    assert_eq!(a.json["added"], 2, "{}", a.json);
    assert_eq!(total(&engine, "wombat").await, 3);
    assert_eq!(total(&engine, "metatracing").await, 1);

    let delete = |id: &str| {
        Request::delete(format!("/api/talks/{id}")).header("authorization", bearer()).body(Body::empty()).unwrap()
    };
    let a = send(&engine, &config(), delete("api/b")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json["removed"], 1);
    assert_eq!(a.json["talks"].as_u64(), Some(talks + 2));
    assert_eq!(total(&engine, "wombat").await, 2);
    let a = send(&engine, &config(), delete("api/b")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json["error"]["message"], r#"no talk with id "api/b": nothing was removed"#);
}

#[tokio::test]
async fn an_invalid_record_is_named_and_nothing_is_applied() {
    let (_tmp, engine) = fixture_engine();
    let talks = engine.num_talks();
    let body = "{\"id\": \"api/a\", \"title\": \"Okapi\"}\n{\"id\": \"api/b\", \"title\": \"Okapi\"}\n\
                {\"id\": \"api/c\", \"title\": \"Okapi\", \"date\": \"2012-02-30\"}\n";
    let a = send(&engine, &config(), post(body, Some(&bearer()))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json["error"]["code"], "invalid_record");
    let message = a.json["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("request body:3: field \"date\""), "{message}");
    assert_eq!(engine.num_talks(), talks);
    assert_eq!(total(&engine, "okapi").await, 0, "nothing was applied");
    let a = send(&engine, &config(), post("not json", Some(&bearer()))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let (_tmp, engine) = fixture_engine();
    let big = format!(r#"{{"id": "api/big", "title": "Big", "abstract": "{}"}}"#, "x".repeat(5000));
    let a = send(&engine, &config(), post(&big, Some(&bearer()))).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.json["error"]["code"], "body_too_large");
    let declared = Request::post("/api/talks")
        .header("authorization", bearer())
        .header("content-length", "999999999")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(send(&engine, &config(), declared).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Checked after the token: an anonymous client learns nothing about the limit.
    assert_eq!(send(&engine, &config(), post(&big, None)).await.status, StatusCode::UNAUTHORIZED);
    assert!(engine.get("api/big").is_err());
}

#[tokio::test]
async fn bodies_above_the_read_routes_limit_but_within_max_body_are_accepted() {
    // The read routes refuse bodies over 16 KiB; the write route raises that to --max-body.
    let (_tmp, engine) = fixture_engine();
    let config = ServeConfig { max_body: 1 << 20, ..config() };
    let abstract_ = "okapi ".repeat(40_000);
    let big = format!(r#"{{"id": "api/big", "title": "Big", "abstract": "{abstract_}"}}"#);
    assert!(big.len() > 200_000);
    let a = send(&engine, &config, post(&big, Some(&bearer()))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(engine.get("api/big").unwrap().r#abstract, abstract_, "stored as sent");
}

#[tokio::test]
async fn a_busy_index_is_409_without_paths() {
    let (_tmp, engine) = fixture_engine();
    let held = engine.dir().lock().unwrap();
    let config = ServeConfig { request_timeout: 1, ..config() };
    let a = send(&engine, &config, post(r#"{"id": "api/a", "title": "A"}"#, Some(&bearer()))).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(a.json["error"]["code"], "index_busy");
    assert!(!a.json["error"]["message"].as_str().unwrap().contains('/'), "{}", a.json);
    drop(held);
}

#[tokio::test]
async fn the_openapi_document_lists_the_write_operations_that_are_routed() {
    let (_tmp, engine) = fixture_engine();
    let doc = send(&engine, &config(), Request::get("/api/openapi.json").body(Body::empty()).unwrap()).await.json;
    let mut paths: Vec<&str> = doc["paths"].as_object().unwrap().keys().map(String::as_str).collect();
    paths.sort_unstable();
    let mut expected: Vec<&str> =
        [talksearch::http::openapi::PATHS, talksearch::http::openapi::WRITE_PATHS].concat().to_vec();
    expected.sort_unstable();
    assert_eq!(paths, expected);
    for (path, method) in [("/api/talks", "post"), ("/api/talks/{id}", "delete")] {
        let op = &doc["paths"][path][method];
        assert_eq!(op["security"][0]["bearer"], serde_json::json!([]), "{path} {method}");
        let uri = path.replace("{id}", "fixture/pypy-jit");
        let req = Request::builder().method(method.to_uppercase().as_str()).uri(uri).body(Body::empty()).unwrap();
        assert_eq!(send(&engine, &config(), req).await.status, StatusCode::UNAUTHORIZED, "{path} {method} is routed");
    }
}
