#![no_main]
//! A whole search (parse, plan with typo, prefix and synonym expansion, tantivy, snippets,
//! facets) on a small index built once: any query is answered, or refused for its length.

use std::sync::OnceLock;

use talksearch::ingest::{self, ReadOptions, Source};
use talksearch::search::{MAX_QUERY_CHARS, MAX_QUERY_WORDS, Sort};
use talksearch::{Engine, Error, IndexDir, SearchRequest, indexer};

const TALKS: &str = include_str!("../../tests/fixtures/talks.jsonl");

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<(tempfile::TempDir, Engine)> = OnceLock::new();
    &ENGINE
        .get_or_init(|| {
            let tmp = tempfile::tempdir().unwrap();
            let dir = IndexDir::new(tmp.path().join("index"));
            let source = Source::Text { label: "talks.jsonl".into(), text: TALKS.into() };
            let import = ingest::read_sources(&[source], ReadOptions::default()).unwrap();
            indexer::build(&dir, &import.talks, &mut |_| {}).unwrap();
            let engine = Engine::open(dir).unwrap();
            (tmp, engine)
        })
        .1
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let query = String::from_utf8_lossy(rest).into_owned();
    let mut req = SearchRequest::new(query.clone());
    req.prefix = flags & 1 != 0;
    req.distinct = flags & 2 != 0;
    req.sort = [Sort::Relevance, Sort::Newest, Sort::Oldest][(flags as usize >> 2) % 3];
    if flags & 16 != 0 {
        req.facets = talksearch::facets::Facet::ALL.to_vec();
    }
    let over = query.chars().count() > MAX_QUERY_CHARS || query.split_whitespace().count() > MAX_QUERY_WORDS;
    match engine().search(&req) {
        Ok(resp) => assert!(!over && resp.hits.len() <= req.limit),
        Err(Error::BadParameter { param, .. }) => assert!(over && param == "q"),
        Err(e) => panic!("search failed: {e}"),
    }
    let _ = engine().suggest(&query);
});
