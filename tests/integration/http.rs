//! The real HTTP app, driven with `oneshot`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use talksearch::config::ServeConfig;
use talksearch::http::{AppState, app};
use tower::ServiceExt;

use crate::util::fixture_engine;

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

async fn get(uri: &str) -> Answer {
    let (_tmp, engine) = fixture_engine();
    let router = app(AppState { engine }, &ServeConfig::default());
    let resp = router.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

fn ids(v: &Value) -> Vec<String> {
    v["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn search_returns_ranked_hits_with_marked_snippets() {
    let a = get("/api/search?q=coroutines").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let v = a.json();
    assert_eq!(v["query"], "coroutines");
    assert_eq!(v["total"], 2);
    let found = ids(&v);
    assert!(found.contains(&"fixture/coroutines".to_string()) && found.contains(&"fixture/asyncio".to_string()));
    let hit = &v["hits"][0];
    assert!(hit["title_html"].as_str().unwrap().contains("<mark>Coroutines</mark>"), "{hit}");
    assert!(a.headers["content-type"].to_str().unwrap().starts_with("application/json"));
}

#[tokio::test]
async fn limit_and_offset_page_through_results() {
    let all = get("/api/search?q=python&limit=100").await.json();
    let total = all["total"].as_u64().unwrap() as usize;
    assert!(total >= 3);
    let page = get("/api/search?q=python&limit=1&offset=1").await.json();
    assert_eq!(ids(&page), ids(&all)[1..2].to_vec());
    assert_eq!(page["total"], all["total"]);
}

#[tokio::test]
async fn bad_parameters_get_400_naming_the_parameter() {
    let long_q = format!("/api/search?q={}", "a".repeat(1001));
    let cases = [
        ("/api/search?q=x&limit=0", "limit"),
        ("/api/search?q=x&limit=101", "limit"),
        ("/api/search?q=x&limit=100000", "limit"),
        ("/api/search?q=x&limit=abc", "limit"),
        ("/api/search?q=x&limit=-1", "limit"),
        ("/api/search?q=x&offset=10001", "offset"),
        ("/api/search?q=x&offset=1.5", "offset"),
        (long_q.as_str(), "q"),
        ("/api/search?q=x&q=y", "q"),
        ("/api/search?q=x&colour=red", "colour"),
    ];
    for (uri, param) in cases {
        let a = get(uri).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}: {}", a.body);
        let v = a.json();
        assert_eq!(v["error"]["code"], "bad_parameter", "{uri}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(&format!("`{param}`")), "{uri}: {message}");
    }
}

#[tokio::test]
async fn malformed_query_syntax_is_never_an_error() {
    for q in
        ["%22unbalanced", "title%3A", "*%3A*", "-", "((((", "year%3Aabc", "%00%01", "c%2B%2B%20%22", "%F0%9F%A6%80"]
    {
        let a = get(&format!("/api/search?q={q}")).await;
        assert_eq!(a.status, StatusCode::OK, "{q}: {}", a.body);
    }
}

#[tokio::test]
async fn talks_by_id_including_slashes_and_404() {
    let a = get("/api/talks/fixture/pypy-jit").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["speakers"][0], "Benjamin Peterson");
    let a = get("/api/talks/fixture/nope").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn unknown_paths_are_json_404s() {
    let a = get("/api/nope").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json()["error"]["code"], "no_route");
    let a = get("/../../etc/passwd").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(!a.body.contains("root:"));
}

#[tokio::test]
async fn health_reports_talks() {
    let a = get("/healthz").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["talks"], 8);
}

#[tokio::test]
async fn the_page_escapes_talk_text_and_sends_security_headers() {
    let a = get("/?q=alert").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("fixture") || a.body.contains("alert"));
    assert!(!a.body.contains("<script>alert"), "raw script tag in page");
    assert!(!a.body.contains("<img src=x"), "raw img tag in page");
    assert!(!a.body.contains("<b>Mallory</b>"));
    assert!(a.body.contains("&lt;script&gt;"));
    assert!(!a.body.contains("href=\"javascript:"), "javascript: URLs are not linked");
    let csp = a.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(a.headers["x-content-type-options"], "nosniff");
    let a = get("/?q=coroutines").await;
    assert!(a.body.contains("<mark>Coroutines</mark>"), "{}", a.body);
}

#[tokio::test]
async fn api_text_is_escaped_in_html_fields() {
    let v = get("/api/search?q=escaping").await.json();
    let hit = &v["hits"][0];
    assert_eq!(hit["id"], "fixture/xss");
    assert!(hit["title_html"].as_str().unwrap().starts_with("&lt;script&gt;"));
    assert!(!hit["snippet_html"].as_str().unwrap().contains("<img"));
}

#[tokio::test]
async fn filters_facets_and_sort_over_http() {
    let v = get("/api/search?q=&event=Fixture%20Con%202016&facets=event,language,year&sort=oldest").await.json();
    assert_eq!(v["total"], 3);
    assert_eq!(v["facets"]["event"][0]["value"], "Fixture Con 2016");
    assert_eq!(v["facets"]["year"][0], serde_json::json!({"value": "2016", "count": 3}));
    assert_eq!(v["facets_more"]["event"], 0);
    assert_eq!(v["hits"][0]["id"], "fixture/asyncio", "oldest first");
    let v = get("/api/search?q=python&year=2012&year=2018").await.json();
    for hit in v["hits"].as_array().unwrap() {
        let date = hit["date"].as_str().unwrap();
        assert!(date.starts_with("2012") || date.starts_with("2018"), "{date}");
    }
    let v = get("/api/search?q=python&year_from=2016&year_to=2016&speaker=Thomas%20G%C3%BCttler").await.json();
    assert_eq!(ids(&v), vec!["fixture/cpp".to_string()]);
}

#[tokio::test]
async fn bad_filter_values_get_400_naming_the_parameter() {
    for (uri, param) in [
        ("/api/search?q=x&year=abc", "year"),
        ("/api/search?q=x&year_from=20", "year_from"),
        ("/api/search?q=x&year_from=2015&year_to=2010", "year_from"),
        ("/api/search?q=x&facets=event,colour", "facets"),
        ("/api/search?q=x&sort=random", "sort"),
        ("/api/search?q=x&sort=newest&sort=oldest", "sort"),
        ("/api/search?q=x&distinct=yes", "distinct"),
    ] {
        let a = get(uri).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}: {}", a.body);
        let message = a.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(message.contains(&format!("`{param}`")), "{uri}: {message}");
    }
}

#[tokio::test]
async fn suggest_completes_words_speakers_events_and_titles() {
    let v = get("/api/suggest?q=luk").await.json();
    let first = &v["suggestions"][0];
    assert_eq!(first["text"], "Łukasz Langa");
    assert_eq!(first["kind"], "speaker");
    let v = get("/api/suggest?q=corout").await.json();
    let texts: Vec<&str> = v["suggestions"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert!(texts.contains(&"coroutines"), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("Coroutines, event loops")), "{texts:?}");
    let v = get("/api/suggest?q=fixture%20con%202").await.json();
    assert_eq!(v["suggestions"][0]["kind"], "event");
    assert_eq!(get("/api/suggest?q=").await.json()["suggestions"], serde_json::json!([]));
    assert_eq!(get("/api/suggest?q=x&limit=3").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn speakers_carry_their_highlights() {
    let v = get("/api/search?q=langa").await.json();
    assert_eq!(v["hits"][0]["speakers"][0], "Łukasz Langa");
    assert_eq!(v["hits"][0]["speaker_highlights"][0], serde_json::json!([[7, 12]]));
}

#[tokio::test]
async fn related_talks_are_on_the_same_subject_and_never_the_talk_itself() {
    let v = get("/api/talks/fixture/coroutines/related?limit=3").await.json();
    let found = ids(&v);
    assert!(!found.contains(&"fixture/coroutines".to_string()));
    assert_eq!(found.first().map(String::as_str), Some("fixture/asyncio"), "{found:?}");
    assert_eq!(get("/api/talks/fixture/nope/related").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get("/api/talks/fixture/coroutines/related?limit=0").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_openapi_document_matches_the_real_routes_and_parameters() {
    let doc = get("/api/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: Vec<&str> = doc["paths"].as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected: Vec<&str> = talksearch::http::openapi::PATHS.to_vec();
    expected.sort_unstable();
    let mut listed = paths.clone();
    listed.sort_unstable();
    assert_eq!(listed, expected);
    // Every documented path is served (a real id stands in for {id}).
    for path in paths {
        let uri = path.replace("{id}", "fixture/pypy-jit");
        let a = get(&uri).await;
        assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.body);
    }
    // Every documented search parameter is accepted, and nothing else is.
    let documented: Vec<String> = doc["paths"]["/api/search"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(documented, talksearch::http::api::SEARCH_PARAMS.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let samples = [
        ("q", "python"),
        ("limit", "5"),
        ("offset", "1"),
        ("event", "Fixture Con 2016"),
        ("speaker", "Ann Other"),
        ("tag", "jit"),
        ("language", "eng"),
        ("year", "2016"),
        ("year_from", "2010"),
        ("year_to", "2020"),
        ("facets", "event,year"),
        ("sort", "newest"),
        ("distinct", "talk"),
    ];
    for name in &documented {
        let (_, value) = samples.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no sample for {name}"));
        let a = get(&format!("/api/search?{name}={}", value.replace(' ', "%20"))).await;
        assert_eq!(a.status, StatusCode::OK, "{name}: {}", a.body);
    }
}

#[tokio::test]
async fn cross_origin_calls_only_from_listed_origins() {
    let (_tmp, engine) = fixture_engine();
    let ask = |router: axum::Router, origin: &'static str| async move {
        let req = Request::get("/api/search?q=jit").header("origin", origin).body(Body::empty()).unwrap();
        router.oneshot(req).await.unwrap().headers().get("access-control-allow-origin").cloned()
    };
    let closed = app(AppState { engine: engine.clone() }, &ServeConfig::default());
    assert_eq!(ask(closed, "https://conf.example").await, None, "no origin is allowed by default");
    let config = ServeConfig { cors_origins: vec!["https://conf.example".into()], ..ServeConfig::default() };
    let open = app(AppState { engine: engine.clone() }, &config);
    assert_eq!(ask(open.clone(), "https://conf.example").await.unwrap(), "https://conf.example");
    assert_eq!(ask(open, "https://evil.example").await, None);
}
