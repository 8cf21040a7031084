//! The OpenAPI 3.1 document of the HTTP API, served at `/api/openapi.json`.
//!
//! Tests check it against the real routes and parameters (see `tests/integration/http.rs`).

use serde_json::{Value, json};

use super::api::SEARCH_PARAMS;
use super::layers::{BODY_LIMIT, MAX_HEADER_BYTES, MAX_URI_BYTES};
use crate::search::MAX_QUERY_CHARS;

/// The API's paths as the document names them.
pub const PATHS: &[&str] =
    &["/api/search", "/api/suggest", "/api/talks/{id}", "/api/talks/{id}/related", "/api/openapi.json", "/healthz"];

/// Paths only a server with a write token has (besides `DELETE` on `/api/talks/{id}`).
pub const WRITE_PATHS: &[&str] = &["/api/talks"];

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn search_param(name: &str) -> Value {
    let text = json!({"type": "string"});
    let list = json!({"type": "array", "items": {"type": "string"}});
    let year = json!({"type": "integer", "minimum": 1000, "maximum": 9999});
    match name {
        "q" => query(
            name,
            "The query (see the README for the syntax); at most 1,000 characters and 64 words (400 past either).",
            json!({"type": "string", "maxLength": MAX_QUERY_CHARS}),
        ),
        "limit" => {
            query(name, "Hits to return.", json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 10}))
        }
        "offset" => {
            query(name, "Hits to skip.", json!({"type": "integer", "minimum": 0, "maximum": 10000, "default": 0}))
        }
        "event" | "speaker" | "tag" | "language" => {
            query(name, "Exact value to filter on; repeat for alternatives.", list)
        }
        "year" => query(name, "Year to filter on; repeat for alternatives.", json!({"type": "array", "items": year})),
        "year_from" | "year_to" => query(name, "Inclusive bound of a year range.", year),
        "facets" => query(
            name,
            "Comma-separated facets to count over the whole match set (top 20 values each).",
            json!({"type": "string", "example": "event,year,speaker,tag,language"}),
        ),
        "sort" => query(name, "Order of hits.", json!({"type": "string", "enum": ["relevance", "newest", "oldest"]})),
        "distinct" => query(name, "Collapse talks given more than once.", json!({"type": "string", "enum": ["talk"]})),
        _ => query(name, "", text),
    }
}

fn ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn error(description: &str) -> Value {
    ok(description, json!({"$ref": "#/components/schemas/Error"}))
}

/// The document of a server without the write API.
pub fn document() -> Value {
    document_for(false)
}

/// The document, with the write operations when `writes` (the server has a write token).
pub fn document_for(writes: bool) -> Value {
    let mut doc = read_document();
    if writes {
        add_write_operations(&mut doc);
    }
    doc
}

fn add_write_operations(doc: &mut Value) {
    let secured = |mut op: Value| {
        op["security"] = json!([{"bearer": []}]);
        op["responses"]["401"] = error("No `Authorization: Bearer <token>` header, or the wrong token");
        op["responses"]["409"] = error("Another process is writing the index; try again");
        op
    };
    let applied = ok(
        "Applied in one commit; the counts, and the talks the index holds now",
        json!({
        "type": "object", "properties": {
            "added": {"type": "integer"}, "replaced": {"type": "integer"},
            "removed": {"type": "integer"}, "talks": {"type": "integer"}}}),
    );
    let talk = json!({"$ref": "#/components/schemas/Talk"});
    doc["paths"]["/api/talks"] = json!({"post": secured(json!({
        "summary": "Insert talks, replacing those with the same id (all or nothing)",
        "requestBody": {"required": true, "content": {
            "application/json": {"schema": {"oneOf": [talk, {"type": "array", "items": talk}]}},
            "application/x-ndjson": {"schema": {"type": "string", "description": "One talk record a line"}}}},
        "responses": {"200": applied.clone(),
                      "400": error("An invalid record: the message names its line and field; nothing was applied"),
                      "413": error("The body is over the server's limit (16 MiB unless --max-body says otherwise)")}}))});
    doc["paths"]["/api/talks/{id}"]["delete"] = secured(json!({
        "summary": "Remove one talk",
        "parameters": [{"name": "id", "in": "path", "required": true, "description": "Talk id; may contain `/`.", "schema": {"type": "string"}}],
        "responses": {"200": applied, "404": error("No talk with this id; nothing was removed")}}));
    doc["components"]["securitySchemes"] = json!({"bearer": {"type": "http", "scheme": "bearer",
        "description": "The server's write token (--write-token or TALKSEARCH_WRITE_TOKEN)"}});
}

fn read_document() -> Value {
    let id = json!({"name": "id", "in": "path", "required": true, "description": "Talk id; may contain `/`.", "schema": {"type": "string"}});
    let hits = json!({"type": "object", "properties": {"hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}}}});
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "talksearch", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Full-text search for conference talks."},
        "paths": {
            "/api/search": {"get": {
                "summary": "Search talks",
                "parameters": SEARCH_PARAMS.iter().map(|p| search_param(p)).collect::<Vec<_>>(),
                "responses": {"200": ok("Ranked hits", json!({"$ref": "#/components/schemas/SearchResponse"})),
                              "400": error("A parameter is malformed or out of range; the message names it")}}},
            "/api/suggest": {"get": {
                "summary": "Completions for a search box",
                "parameters": [query("q", "What has been typed so far.", json!({"type": "string"}))],
                "responses": {"200": ok("Suggestions, best first", json!({"type": "object", "properties": {"suggestions": {
                    "type": "array", "items": {"type": "object", "properties": {
                        "text": {"type": "string"},
                        "kind": {"type": "string", "enum": ["term", "speaker", "event", "title"]}}}}}})),
                              "400": error("Bad parameter")}}},
            "/api/talks/{id}": {"get": {
                "summary": "One talk",
                "parameters": [id.clone()],
                "responses": {"200": ok("The talk record", json!({"$ref": "#/components/schemas/Talk"})),
                              "404": error("No talk with this id")}}},
            "/api/talks/{id}/related": {"get": {
                "summary": "Talks on the same subject (never the talk itself or its repeats)",
                "parameters": [id, query("limit", "Hits to return.", json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 10}))],
                "responses": {"200": ok("Related talks", hits), "404": error("No talk with this id")}}},
            "/api/openapi.json": {"get": {"summary": "This document", "responses": {"200": ok("OpenAPI 3.1", json!({"type": "object"}))}}},
            "/healthz": {"get": {"summary": "Liveness", "responses": {"200": ok("Serving", json!({"type": "object", "properties": {
                "status": {"type": "string"}, "talks": {"type": "integer"}}}))}}}
        },
        "components": {"schemas": {
            "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "string"}, "message": {"type": "string"}}}}},
            "Range": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2,
                      "description": "[from, to) in characters"},
            "Hit": {"type": "object", "properties": {
                "id": {"type": "string"}, "title": {"type": "string"},
                "title_highlights": {"type": "array", "items": {"$ref": "#/components/schemas/Range"}},
                "title_html": {"type": "string"},
                "speakers": {"type": "array", "items": {"type": "string"}},
                "speaker_highlights": {"type": "array", "items": {"type": "array", "items": {"$ref": "#/components/schemas/Range"}}},
                "event": {"type": ["string", "null"]}, "date": {"type": ["string", "null"]},
                "duration_s": {"type": ["integer", "null"]}, "url": {"type": ["string", "null"]},
                "score": {"type": "number"}, "snippet": {"type": "string"},
                "highlights": {"type": "array", "items": {"$ref": "#/components/schemas/Range"}},
                "snippet_html": {"type": "string"},
                "also_given": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string"}, "event": {"type": ["string", "null"]}, "date": {"type": ["string", "null"]}}}}}},
            "SearchResponse": {"type": "object", "properties": {
                "query": {"type": "string"}, "total": {"type": "integer"}, "took_ms": {"type": "number"},
                "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                "suggestion": {"type": "string"},
                "facets": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "object", "properties": {
                    "value": {"type": "string"}, "count": {"type": "integer"}}}}},
                "facets_more": {"type": "object", "additionalProperties": {"type": "integer"}}}},
            "Talk": {"type": "object", "required": ["id", "title"], "properties": {
                "id": {"type": "string"}, "title": {"type": "string"},
                "speakers": {"type": "array", "items": {"type": "string"}}, "abstract": {"type": "string"},
                "event": {"type": ["string", "null"]}, "date": {"type": ["string", "null"], "format": "date"},
                "tags": {"type": "array", "items": {"type": "string"}}, "language": {"type": ["string", "null"]},
                "url": {"type": ["string", "null"]}, "duration_s": {"type": ["integer", "null"]},
                "time": {"type": "string"}, "room": {"type": "string"}}}
        }}
    });
    add_limits(&mut doc);
    doc
}

/// The answers every operation may give for the server's limits (see `layers`), added to each.
fn add_limits(doc: &mut Value) {
    let limits = [
        ("413", "TooLarge", format!("A body declared on a GET over {BODY_LIMIT} bytes (`body_too_large`)")),
        ("414", "UriTooLong", format!("The URL is over {MAX_URI_BYTES} bytes (`uri_too_long`)")),
        (
            "431",
            "HeadersTooLarge",
            format!("The request headers are over {MAX_HEADER_BYTES} bytes (`headers_too_large`)"),
        ),
        (
            "503",
            "Unavailable",
            "Overloaded (`overloaded`, with `Retry-After`), the request timed out (`timeout`) or no index (`no_index`)"
                .to_string(),
        ),
    ];
    let mut shared = serde_json::Map::new();
    for (_, name, description) in &limits {
        let mut answer = error(description);
        if *name == "Unavailable" {
            answer["headers"] = json!({"Retry-After": {"description": "Seconds to wait (when overloaded)",
                                                        "schema": {"type": "integer"}}});
        }
        shared.insert(name.to_string(), answer);
    }
    doc["components"]["responses"] = Value::Object(shared);
    if let Some(paths) = doc["paths"].as_object_mut() {
        for operation in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|p| p.values_mut()) {
            for (status, name, _) in &limits {
                operation["responses"][*status] = json!({"$ref": format!("#/components/responses/{name}")});
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_documents_the_limits_and_the_query_length() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for status in ["413", "414", "431", "503"] {
                    let target = operation["responses"][status]["$ref"].as_str().unwrap_or_default();
                    let name = target.strip_prefix("#/components/responses/").unwrap_or_default();
                    assert!(doc["components"]["responses"][name].is_object(), "{method} {path} {status}: {target:?}");
                }
            }
        }
        let q = &doc["paths"]["/api/search"]["get"]["parameters"][0];
        assert_eq!((q["name"].as_str(), q["schema"]["maxLength"].as_u64()), (Some("q"), Some(1000)));
        assert!(doc["components"]["responses"]["Unavailable"]["headers"]["Retry-After"].is_object());
    }
}
