//! The search page at `GET /`, its script and stylesheet, and the embeddable `/widget.js`.
//!
//! The page works without JavaScript: `/?q=&event=&year=&sort=&offset=` is rendered on the
//! server (results, facet links, filter chips, pager) into `assets/index.html`; then
//! `/assets/app.js` takes over and updates it as you type. Every piece of talk text goes through
//! [`escape_html`] (or comes from the engine's already escaped `*_html` fields); the
//! Content-Security-Policy set in [`super::app`] forbids inline script and style, so the page has
//! neither. The assets are embedded in the binary; there is no build step.

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::api::{Params, SEARCH_PARAMS};
use super::error::ApiError;
use crate::facets::Facet;
use crate::search::{DEFAULT_LIMIT, SearchRequest, SearchResponse};
use crate::snippet::{Snippet, escape_html};

const STYLE: &str = include_str!("style.css");
const TEMPLATE: &str = include_str!("assets/index.html");
/// The page's script: three files sharing one closure (see `assets/app.js`).
const APP_JS: &str = concat!(
    "(() => {\n\"use strict\";\n",
    include_str!("assets/render.js"),
    include_str!("assets/combobox.js"),
    include_str!("assets/app.js"),
    "})();\n"
);
const WIDGET_JS: &str = include_str!("assets/widget.js");

/// Filters a page address carries, in the order it writes them, with their labels.
const FILTERS: [(&str, &str); 7] = [
    ("event", "Event"),
    ("year", "Year"),
    ("speaker", "Speaker"),
    ("tag", "Tag"),
    ("language", "Language"),
    ("year_from", "From"),
    ("year_to", "Until"),
];

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "max-age=300")], body).into_response()
}

/// `GET /assets/style.css`.
pub async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

/// `GET /assets/app.js`.
pub async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

/// `GET /widget.js`.
pub async fn widget_js() -> Response {
    asset("text/javascript; charset=utf-8", WIDGET_JS)
}

/// What the address asks for: the query, filters, sort and page.
#[derive(Clone, Default)]
struct View {
    q: String,
    filters: Vec<(&'static str, String)>,
    sort: String,
    offset: usize,
}

impl View {
    fn read(params: &Params) -> View {
        let mut filters = Vec::new();
        for (kind, _) in FILTERS {
            filters.extend(params.all(kind).into_iter().map(|v| (kind, v)));
        }
        View {
            q: params.one("q").ok().flatten().unwrap_or_default().to_string(),
            filters,
            sort: params.one("sort").ok().flatten().unwrap_or("relevance").to_string(),
            offset: params.number("offset", 0).unwrap_or(0),
        }
    }

    /// This view with the filter `kind=value` added, or removed if it was there; first page.
    fn toggled(&self, kind: &'static str, value: &str) -> View {
        let mut v = View { offset: 0, ..self.clone() };
        let before = v.filters.len();
        v.filters.retain(|(k, x)| !(*k == kind && x == value));
        if v.filters.len() == before {
            v.filters.push((kind, value.to_string()));
        }
        v
    }

    /// The page address of this view, escaped for an attribute.
    fn href(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", &self.q));
        }
        for (kind, _) in FILTERS {
            pairs.extend(self.filters.iter().filter(|(k, _)| *k == kind).map(|(k, v)| (*k, v.as_str())));
        }
        if !self.sort.is_empty() && self.sort != "relevance" {
            pairs.push(("sort", &self.sort));
        }
        let offset = self.offset.to_string();
        if self.offset > 0 {
            pairs.push(("offset", &offset));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        escape_html(&if query.is_empty() { "/".to_string() } else { format!("/?{query}") })
    }
}

/// `GET /?q=&event=&speaker=&tag=&language=&year=&year_from=&year_to=&sort=&offset=`.
pub async fn page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let talks = state.engine.num_talks();
    let (view, outcome) = match Params::parse(raw.as_deref(), SEARCH_PARAMS) {
        Err(e) => (View::default(), Err(e)),
        Ok(params) => {
            let view = View::read(&params);
            let outcome = run(&state, &params, &view);
            (view, outcome)
        }
    };
    // A bad address is the client's mistake (400); a failure of ours stays a 5xx.
    let status = outcome.as_ref().err().map_or(StatusCode::OK, ApiError::status);
    (status, Html(render(&view, outcome.as_ref().map_err(|_| ()), talks))).into_response()
}

/// Runs the search the page shows, if there is anything to search for.
fn run(state: &AppState, params: &Params, view: &View) -> Result<Option<SearchResponse>, ApiError> {
    let mut req = SearchRequest {
        offset: params.number("offset", 0)?,
        limit: params.number("limit", DEFAULT_LIMIT)?,
        ..SearchRequest::new(view.q.clone())
    };
    params.refine(&mut req)?;
    req.facets = Facet::ALL.to_vec();
    if view.q.trim().is_empty() && view.filters.is_empty() {
        return Ok(None);
    }
    Ok(Some(state.engine.search(&req)?))
}

/// Fills `{{name}}` slots of `template` in one pass, so text put in is never read as a slot.
fn fill(template: &str, value: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 16 * 1024);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else { break };
        out.push_str(&rest[..start]);
        out.push_str(&value(&rest[start + 2..start + len]));
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

fn render(view: &View, outcome: Result<&Option<SearchResponse>, ()>, talks: u64) -> String {
    let resp = outcome.ok().and_then(Option::as_ref);
    fill(TEMPLATE, |slot| match slot {
        "title" if view.q.is_empty() => "talksearch".to_string(),
        "title" => format!("{} · talksearch", escape_html(&view.q)),
        "talks" => talks.to_string(),
        "q" => escape_html(&view.q),
        "sort_options" => [("relevance", "Relevance"), ("newest", "Newest"), ("oldest", "Oldest")]
            .iter()
            .map(|(v, label)| {
                let selected = if view.sort == *v { " selected" } else { "" };
                format!(r#"<option value="{v}"{selected}>{label}</option>"#)
            })
            .collect(),
        "hidden" => view
            .filters
            .iter()
            .map(|(k, v)| format!(r#"<input type="hidden" name="{k}" value="{}">"#, escape_html(v)))
            .collect(),
        "chips" => chips(view),
        "status" => match (outcome, resp) {
            (Err(()), _) => String::new(),
            (Ok(_), None) => "Type a topic, a speaker or an event.".to_string(),
            (Ok(_), Some(r)) => {
                let talks = if r.total == 1 { "1 talk".to_string() } else { format!("{} talks", r.total) };
                let verb = if r.total == 1 { "matches" } else { "match" };
                if view.q.trim().is_empty() { talks } else { format!("{talks} {verb} “{}”", escape_html(&view.q)) }
            }
        },
        "notice" => notice(view, outcome, resp),
        "hits" => resp.map(hits).unwrap_or_default(),
        "pager" => resp.map(|r| pager(view, r)).unwrap_or_default(),
        "facets" => resp.map(|r| facets(view, r)).unwrap_or_default(),
        _ => String::new(),
    })
}

fn label(kind: &str) -> &'static str {
    FILTERS.iter().find(|(k, _)| *k == kind).map_or("", |(_, l)| l)
}

fn chips(view: &View) -> String {
    let mut html = String::new();
    for (kind, value) in &view.filters {
        html.push_str(&format!(
            r#"<a class="chip" href="{}">{}: {} <span aria-hidden="true">×</span><span class="visually-hidden"> (remove)</span></a>"#,
            view.toggled(kind, value).href(),
            label(kind),
            escape_html(value)
        ));
    }
    if view.filters.len() > 1 {
        let all = View { filters: Vec::new(), offset: 0, ..view.clone() };
        html.push_str(&format!(r#"<a class="chip clear" href="{}">Clear all filters</a>"#, all.href()));
    }
    html
}

fn notice(view: &View, outcome: Result<&Option<SearchResponse>, ()>, resp: Option<&SearchResponse>) -> String {
    if outcome.is_err() {
        return r#"<p class="error" role="alert">That search could not be run: check the address.</p>"#.to_string();
    }
    let mut html = String::new();
    if let Some(suggestion) = resp.and_then(|r| r.suggestion.as_deref()) {
        let fixed = View { q: suggestion.to_string(), offset: 0, ..view.clone() };
        html.push_str(&format!(
            r#"<p class="didyoumean">Did you mean <a href="{}">{}</a>?</p>"#,
            fixed.href(),
            escape_html(suggestion)
        ));
    }
    if resp.is_some_and(|r| r.total == 0) {
        html.push_str(if view.filters.is_empty() {
            r#"<p class="empty">No talks match. Try fewer or other words, or a speaker's name.</p>"#
        } else {
            r#"<p class="empty">No talks match. Remove a filter above, or try fewer or other words.</p>"#
        });
    }
    html
}

/// "41 min", "1 h 5 min".
fn duration(seconds: u64) -> String {
    let minutes = ((seconds + 30) / 60).max(1);
    if minutes < 60 { format!("{minutes} min") } else { format!("{} h {} min", minutes / 60, minutes % 60) }
}

fn hits(resp: &SearchResponse) -> String {
    let mut html = String::new();
    for hit in &resp.hits {
        html.push_str(r#"<li class="hit"><h2 class="title">"#);
        let title = if hit.title.is_empty() { "(untitled)" } else { &hit.title_html };
        match &hit.url {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                html.push_str(&format!(r#"<a href="{}" rel="noopener noreferrer">{title}</a>"#, escape_html(url)))
            }
            _ => html.push_str(title),
        }
        html.push_str(r#"</h2><p class="meta">"#);
        let speakers: Vec<String> = hit
            .speakers
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let highlights = hit.speaker_highlights.get(i).cloned().unwrap_or_default();
                Snippet { text: name.clone(), highlights }.to_html()
            })
            .collect();
        let mut meta = Vec::new();
        if !speakers.is_empty() {
            meta.push(format!(r#"<span class="speakers">{}</span>"#, speakers.join(", ")));
        }
        meta.extend(hit.event.as_deref().map(|e| format!(r#"<span class="event">{}</span>"#, escape_html(e))));
        meta.extend(hit.date.as_deref().map(|d| format!(r#"<span class="date">{}</span>"#, escape_html(d))));
        meta.extend(hit.duration_s.map(|s| format!(r#"<span class="duration">{}</span>"#, duration(s))));
        html.push_str(&meta.join(" · "));
        html.push_str(&format!(r#"</p><p class="snippet">{}</p></li>"#, hit.snippet_html));
    }
    html
}

fn pager(view: &View, resp: &SearchResponse) -> String {
    let shown = resp.hits.len();
    if shown == 0 || (view.offset == 0 && shown >= resp.total) {
        return String::new();
    }
    let mut html = format!(r#"<span>Showing {}–{} of {}</span>"#, view.offset + 1, view.offset + shown, resp.total);
    if view.offset > 0 {
        let prev = View { offset: view.offset.saturating_sub(DEFAULT_LIMIT), ..view.clone() };
        html.push_str(&format!(r#" <a rel="prev" href="{}">Previous</a>"#, prev.href()));
    }
    if view.offset + shown < resp.total {
        let next = View { offset: view.offset + shown, ..view.clone() };
        html.push_str(&format!(r#" <a rel="next" href="{}">Next</a>"#, next.href()));
    }
    html
}

fn facets(view: &View, resp: &SearchResponse) -> String {
    let mut html = String::new();
    for facet in Facet::ALL {
        let kind = facet.name();
        let Some(values) = resp.facets.get(kind).filter(|v| !v.is_empty()) else { continue };
        html.push_str(&format!(r#"<section class="facet"><h2>{}</h2><ul>"#, label(kind)));
        for fv in values {
            let on = view.filters.iter().any(|(k, v)| *k == kind && *v == fv.value);
            html.push_str(&format!(
                r#"<li><a class="facet-value" href="{}"{}><span class="label">{}</span> <span class="count">{}</span></a></li>"#,
                view.toggled(kind, &fv.value).href(),
                if on { r#" aria-current="true""# } else { "" },
                escape_html(&fv.value),
                fv.count
            ));
        }
        html.push_str("</ul>");
        if let Some(more) = resp.facets_more.get(kind).filter(|&&n| n > 0) {
            html.push_str(&format!(r#"<p class="more">and {more} more</p>"#));
        }
        html.push_str("</section>");
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_escaped_in_the_page() {
        let view = View { q: "<script>alert(1)</script>\"".into(), sort: "relevance".into(), ..View::default() };
        let html = render(&view, Ok(&None), 8);
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;"));
    }

    #[test]
    fn slots_are_filled_once() {
        assert_eq!(fill("a{{x}}b{{y}}c", |s| if s == "x" { "{{y}}".into() } else { "Y".into() }), "a{{y}}bYc");
    }

    #[test]
    fn no_inline_script_or_style_in_the_page() {
        let filters = vec![("year", "2012".into()), ("speaker", "<b>\"M".into())];
        let html = render(&View { q: "q".into(), filters, sort: "newest".into(), offset: 10 }, Ok(&None), 8);
        for bad in ["<style", " style=", "<script>", " onclick=", " onload=", "javascript:", "<b>"] {
            assert!(!html.contains(bad), "{bad} in the page");
        }
        assert_eq!(html.matches("<script").count(), 1);
        assert!(html.contains(r#"<script src="/assets/app.js" defer></script>"#));
        assert!(!html.contains("{{"), "unfilled slot");
    }

    #[test]
    fn scripts_never_parse_data_as_html() {
        for (name, js) in [("app.js", APP_JS), ("widget.js", WIDGET_JS)] {
            for bad in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                assert!(!js.contains(bad), "{name} uses {bad}");
            }
        }
    }

    #[test]
    fn addresses_toggle_filters_and_keep_state() {
        let view = View { q: "a b".into(), filters: vec![("year", "2012".into())], sort: "newest".into(), offset: 10 };
        assert_eq!(view.href(), "/?q=a+b&amp;year=2012&amp;sort=newest&amp;offset=10");
        assert_eq!(view.toggled("year", "2012").href(), "/?q=a+b&amp;sort=newest");
        assert_eq!(
            view.toggled("event", "Py & Co").href(),
            "/?q=a+b&amp;event=Py+%26+Co&amp;year=2012&amp;sort=newest"
        );
        assert_eq!(View { sort: "relevance".into(), ..View::default() }.href(), "/");
        assert_eq!(duration(2460), "41 min");
        assert_eq!(duration(3900), "1 h 5 min");
    }
}
