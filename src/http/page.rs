//! The search page at `GET /`: a form and server-rendered results, no script needed.
//!
//! Every piece of talk text goes through [`escape_html`] (or comes from the engine's already
//! escaped `*_html` fields); the Content-Security-Policy set in [`super::app`] forbids inline
//! script, and the stylesheet is served from `/assets/style.css`.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::api::{Params, blocking};
use crate::search::{SearchRequest, SearchResponse};
use crate::snippet::escape_html;

const STYLE: &str = include_str!("style.css");

/// `GET /assets/style.css`.
pub async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], STYLE)
        .into_response()
}

/// `GET /assets/app.js`.
pub async fn app_js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], "")
        .into_response()
}

/// `GET /widget.js`.
pub async fn widget_js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], "")
        .into_response()
}

/// `GET /?q=&offset=`.
pub async fn page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let (q, outcome) = match Params::parse(raw.as_deref(), &["q", "offset", "limit"]) {
        Err(e) => (String::new(), Err(e)),
        Ok(params) => {
            let q = params.one("q").ok().flatten().unwrap_or_default().to_string();
            let req =
                params.number("offset", 0).map(|offset| SearchRequest { offset, ..SearchRequest::new(q.clone()) });
            let outcome = match req {
                Ok(req) if !q.trim().is_empty() => {
                    let engine = Arc::clone(&state.engine);
                    blocking(move || engine.search(&req)).await.map(Some)
                }
                Ok(_) => Ok(None),
                Err(e) => Err(e),
            };
            (q, outcome)
        }
    };
    let status = if outcome.is_err() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    (status, Html(render(&q, outcome.as_ref().map_err(|_| ()), state.engine.num_talks()))).into_response()
}

fn render(q: &str, outcome: Result<&Option<SearchResponse>, ()>, talks: u64) -> String {
    let mut html = String::with_capacity(16 * 1024);
    let title = if q.is_empty() { "talksearch".to_string() } else { format!("{} · talksearch", escape_html(q)) };
    let _ = write!(
        html,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/assets/style.css">
</head><body>
<header><h1><a href="/">talksearch</a></h1>
<form role="search" action="/" method="get">
<label for="q" class="visually-hidden">Search {talks} talks</label>
<input id="q" name="q" type="search" value="{value}" placeholder="Search {talks} talks: jit, coroutines, speaker:&quot;raymond hettinger&quot;" autofocus>
<button type="submit">Search</button>
</form></header>
<main>
"#,
        value = escape_html(q),
    );
    match outcome {
        Err(_) => {
            html.push_str(r#"<p class="status" role="alert">That search could not be run: check the address.</p>"#)
        }
        Ok(None) => html.push_str(r#"<p class="status">Type a topic, a speaker or an event.</p>"#),
        Ok(Some(resp)) => render_results(&mut html, resp),
    }
    html.push_str("</main></body></html>\n");
    html
}

fn render_results(html: &mut String, resp: &SearchResponse) {
    let _ = write!(
        html,
        r#"<p class="status" aria-live="polite">{} talks match <strong>{}</strong></p><ol class="hits">"#,
        resp.total,
        escape_html(&resp.query)
    );
    for hit in &resp.hits {
        html.push_str("<li><h2>");
        match &hit.url {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                let _ =
                    write!(html, r#"<a href="{}" rel="noopener noreferrer">{}</a>"#, escape_html(url), hit.title_html);
            }
            _ => html.push_str(&hit.title_html),
        }
        html.push_str("</h2><p class=\"meta\">");
        let mut meta: Vec<String> = Vec::new();
        if !hit.speakers.is_empty() {
            meta.push(escape_html(&hit.speakers.join(", ")));
        }
        meta.extend(hit.event.as_deref().map(escape_html));
        meta.extend(hit.date.as_deref().map(escape_html));
        html.push_str(&meta.join(" · "));
        let _ = write!(html, "</p><p class=\"snippet\">{}</p></li>", hit.snippet_html);
    }
    html.push_str("</ol>");
    let shown = resp.hits.len();
    if shown > 0 && resp.total > shown {
        let _ = write!(html, r#"<p class="status">Showing {shown} of {}.</p>"#, resp.total);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_escaped_in_the_page() {
        let html = render("<script>alert(1)</script>\"", Ok(&None), 8);
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;"));
    }
}
