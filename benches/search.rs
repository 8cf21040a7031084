//! Criterion benchmarks of the in-process engine on the 21,713-talk corpus: index build, start-up
//! with an existing index, the search core per query class, and suggestions.
//!
//! `TALKSEARCH_CORPUS=../shared/data/talks.jsonl cargo bench --bench search [-- FILTER]`
//! (queries from `TALKSEARCH_QUERIES`, default `../shared/queries`; `TALKSEARCH_INDEX=DIR`
//! searches an index built before instead of building one). One iteration is one query; each
//! benchmark cycles through its whole mix, so its mean is the mix's mean. Criterion gives means:
//! `benches/latency.rs` prints the percentiles.
//!
//! Classes: `plain` (the topics, complete: no prefix matching), `search-box` (the topics as a
//! search box sends them: prefix matching on), `phrase` (the multi-word topics quoted), `typo`,
//! `prefix` (the typing mix, every keystroke), `facets` (the topics with all five facets),
//! `no-snippets` (the topics without snippets: what snippets cost), and `suggest` (the typing
//! mix). Wall-clock figures on a shared machine are noisy; for decisions, count instructions
//! (see `latency.rs`).

// The allocator the binary ships with (src/main.rs): the figures are those of the product.
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode};
use talksearch::facets::Facet;
use talksearch::ingest::{self, ReadOptions, Source};
use talksearch::{Engine, IndexDir, SearchRequest, Talk, indexer};

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|text| text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}

fn read_corpus(corpus: &Path) -> Vec<Talk> {
    ingest::read_sources(&[Source::File(corpus.to_path_buf())], ReadOptions::default()).expect("corpus reads").talks
}

/// Index build, parsing included, into a fresh directory each time.
fn build(c: &mut Criterion, corpus: &Path) {
    let mut group = c.benchmark_group("build");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("corpus (read + index)", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("temp dir"),
            |tmp| {
                let talks = read_corpus(corpus);
                indexer::build(&IndexDir::new(tmp.path().join("index")), &talks, &mut |_| {}).expect("builds");
                tmp
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// Opening an existing index and warming its caches: what `serve` needs before it answers.
fn startup(c: &mut Criterion, dir: &IndexDir) {
    let mut group = c.benchmark_group("startup");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    group.bench_function("open + warm-up", |b| {
        b.iter(|| {
            let engine = Engine::open(dir.clone()).expect("opens");
            engine.warm_up();
            engine
        })
    });
    group.finish();
}

/// One search per iteration, cycling through `queries`.
fn search_mix(c: &mut Criterion, engine: &Engine, name: &str, queries: &[String], shape: impl Fn(&mut SearchRequest)) {
    if queries.is_empty() {
        eprintln!("skipped {name}: no queries");
        return;
    }
    let requests: Vec<SearchRequest> = queries
        .iter()
        .map(|q| {
            let mut req = SearchRequest::new(q.as_str());
            shape(&mut req);
            req
        })
        .collect();
    let mut next = 0;
    c.benchmark_group("search").bench_function(name, |b| {
        b.iter(|| {
            let req = &requests[next % requests.len()];
            next += 1;
            engine.search(req).expect("search runs")
        })
    });
}

fn main() {
    let Some(corpus) = std::env::var_os("TALKSEARCH_CORPUS").map(PathBuf::from) else {
        eprintln!("skipped: set TALKSEARCH_CORPUS to ../shared/data/talks.jsonl");
        return;
    };
    let queries =
        std::env::var_os("TALKSEARCH_QUERIES").map_or_else(|| PathBuf::from("../shared/queries"), PathBuf::from);
    let mut c = Criterion::default().configure_from_args();
    build(&mut c, &corpus);

    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = match std::env::var_os("TALKSEARCH_INDEX") {
        Some(index) => IndexDir::new(index),
        None => {
            let dir = IndexDir::new(tmp.path().join("index"));
            indexer::build(&dir, &read_corpus(&corpus), &mut |_| {}).expect("index builds");
            dir
        }
    };
    startup(&mut c, &dir);

    let engine = Engine::open(dir).expect("index opens");
    engine.warm_up();
    let topics = read_lines(&queries.join("topics.txt"));
    let typing = read_lines(&queries.join("typing.txt"));
    let phrases: Vec<String> =
        topics.iter().filter(|q| q.contains(' ') && !q.contains('"')).map(|q| format!("\"{q}\"")).collect();
    let complete = |r: &mut SearchRequest| r.prefix = false;
    search_mix(&mut c, &engine, "plain", &topics, complete);
    search_mix(&mut c, &engine, "search-box", &topics, |_| {});
    search_mix(&mut c, &engine, "phrase", &phrases, complete);
    search_mix(&mut c, &engine, "typo", &read_lines(&queries.join("typos.txt")), complete);
    search_mix(&mut c, &engine, "prefix", &typing, |_| {});
    search_mix(&mut c, &engine, "facets", &topics, |r| r.facets = Facet::ALL.to_vec());
    search_mix(&mut c, &engine, "no-snippets", &topics, |r| r.snippets = false);

    if !typing.is_empty() {
        let mut next = 0;
        c.bench_function("suggest", |b| {
            b.iter(|| {
                next += 1;
                engine.suggest(&typing[next % typing.len()]).expect("suggest runs")
            })
        });
    }
    c.final_summary();
}
