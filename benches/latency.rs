//! Wall-clock percentiles of the search core over whole query mixes, inside one process: what a
//! search box feels (criterion, in `benches/search.rs`, gives means per query class).
//!
//! `TALKSEARCH_CORPUS=../shared/data/talks.jsonl cargo bench --bench latency`
//!
//! Prints the index build time (read + index), the start-up time with an existing index (open
//! plus warm-up of the vocabulary and the suggester), and per mix the p50, p99 and max of one
//! search (limit 10, snippets on), each query run `LATENCY_ROUNDS` times (default 20) after a
//! warm-up round. Mixes come from `TALKSEARCH_QUERIES` (default `../shared/queries`): the
//! topics as a search box sends them (typo and prefix matching on), the same without prefix
//! matching, the same with all five facets counted, the multi-word topics as phrases, the typos, the typing mix (every keystroke) and
//! `Engine::suggest` over the typing mix. A search may use two threads, as the engine lets one
//! that runs alone right after another (the `fanout` module); `LATENCY_THREADS=1` measures it
//! on one.
//!
//! For profiling: `TALKSEARCH_INDEX=DIR` searches an index built before instead of building one,
//! `LATENCY_ROUNDS=1` runs each query once, and `LATENCY_MIX=typing` (a substring of a mix
//! name) runs only matching mixes; `LATENCY_SLOWEST=N` lists the N slowest queries (by their
//! fastest run); `LATENCY_DUMP=FILE` writes every response (less its time) to compare two
//! versions' results (with `LATENCY_DUMP_AFTER=1`, each mix's after its rounds, the
//! snapshot's memories filled by them); `LATENCY_PAUSE_MS=2` sleeps that long before each
//! search (searches arriving apart, as keystrokes do, instead of back to back). Under
//! callgrind, collect only inside the search:
//! `valgrind --tool=callgrind --toggle-collect='talksearch::search::Engine::search' target/release/deps/latency-*`.

// The allocator the binary ships with (src/main.rs): the figures are those of the product.
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use talksearch::facets::Facet;
use talksearch::fanout::Fanout;
use talksearch::ingest::{self, ReadOptions, Source};
use talksearch::{Engine, IndexDir, SearchRequest, indexer};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn read_lines(path: &std::path::Path) -> Vec<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect(),
        Err(_) => {
            eprintln!("skipped: cannot read {}", path.display());
            Vec::new()
        }
    }
}

/// Builds an index of the corpus in a temporary directory, printing the time it took.
fn build(corpus: PathBuf, tmp: &tempfile::TempDir) -> IndexDir {
    let dir = IndexDir::new(tmp.path().join("index"));
    let start = Instant::now();
    let import = ingest::read_sources(&[Source::File(corpus)], ReadOptions::default()).expect("corpus reads");
    let read = start.elapsed();
    let stats = indexer::build(&dir, &import.talks, &mut |_| {}).expect("index builds");
    println!(
        "index build: {} talks, read {:.0} ms + index {:.0} ms = {:.0} ms; {:.1} MB on disk",
        stats.talks,
        read.as_secs_f64() * 1e3,
        stats.elapsed.as_secs_f64() * 1e3,
        start.elapsed().as_secs_f64() * 1e3,
        dir.size_bytes().unwrap_or(0) as f64 / 1e6
    );
    dir
}

/// Runs `run` over `queries` `rounds` times after a warm-up round; prints the percentiles.
fn measure(name: &str, queries: &[String], rounds: usize, mut run: impl FnMut(&str)) {
    let mut times = Vec::with_capacity(queries.len() * rounds);
    // Per query, its fastest run: what it costs when nothing else competes for the core.
    let mut best = vec![Duration::MAX; queries.len()];
    // A pause before each search: a search box's keystrokes come tens of milliseconds apart,
    // by which time an idle core has gone to sleep (and the helper thread with it).
    let pause =
        env("LATENCY_PAUSE_MS").and_then(|ms| ms.parse::<f64>().ok()).map(|ms| Duration::from_secs_f64(ms / 1e3));
    for round in 0..=rounds {
        for (i, q) in queries.iter().enumerate() {
            if let Some(pause) = pause {
                std::thread::sleep(pause);
            }
            let t = Instant::now();
            run(q);
            if round > 0 {
                times.push(t.elapsed());
                best[i] = best[i].min(t.elapsed());
            }
        }
    }
    times.sort_unstable();
    if let Some(n) = env("LATENCY_SLOWEST").and_then(|n| n.parse::<usize>().ok()) {
        let mut slowest: Vec<(Duration, &String)> = best.iter().copied().zip(queries).collect();
        slowest.sort_unstable_by_key(|&(took, _)| std::cmp::Reverse(took));
        for (took, q) in slowest.into_iter().take(n) {
            println!("{:>8.0} us  {q}", took.as_secs_f64() * 1e6);
        }
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{name:>22}: {:>3} queries x {rounds}: p50 {:>6.0} us, p99 {:>6.0} us, max {:>6.0} us",
        queries.len(),
        us(percentile(&times, 0.5)),
        us(percentile(&times, 0.99)),
        us(*times.last().expect("at least one query")),
    );
}

fn main() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = match (env("TALKSEARCH_INDEX"), std::env::var_os("TALKSEARCH_CORPUS")) {
        (Some(index), _) => IndexDir::new(index),
        (None, Some(corpus)) => build(PathBuf::from(corpus), &tmp),
        (None, None) => {
            eprintln!("skipped: set TALKSEARCH_CORPUS to ../shared/data/talks.jsonl");
            return;
        }
    };
    let rounds: usize = env("LATENCY_ROUNDS").and_then(|r| r.parse().ok()).unwrap_or(20);
    let only = env("LATENCY_MIX");
    let queries_dir = env("TALKSEARCH_QUERIES").map_or_else(|| PathBuf::from("../shared/queries"), PathBuf::from);

    let start = Instant::now();
    let threads = env("LATENCY_THREADS").and_then(|t| t.parse().ok()).unwrap_or_else(Fanout::available);
    let engine = Engine::open(dir).expect("index opens").with_threads(threads);
    let opened = start.elapsed();
    engine.warm_up();
    println!("threads a search may use: {threads}");
    println!(
        "start-up: open {:.1} ms + warm-up {:.1} ms = {:.1} ms",
        opened.as_secs_f64() * 1e3,
        (start.elapsed() - opened).as_secs_f64() * 1e3,
        start.elapsed().as_secs_f64() * 1e3
    );

    let topics = read_lines(&queries_dir.join("topics.txt"));
    let typing = read_lines(&queries_dir.join("typing.txt"));
    let phrases: Vec<String> =
        topics.iter().filter(|q| q.contains(' ') && !q.contains('"')).map(|q| format!("\"{q}\"")).collect();
    // (name, queries, prefix matching, all facets)
    let mixes: [(&str, &[String], bool, bool); 6] = [
        ("topics (search box)", &topics, true, false),
        ("topics (no prefix)", &topics, false, false),
        ("topics (all facets)", &topics, true, true),
        ("phrase", &phrases, false, false),
        ("typo", &read_lines(&queries_dir.join("typos.txt")), false, false),
        ("typing (every key)", &typing, true, false),
    ];
    // Every response (time left out), to compare the results of two versions.
    let mut dump =
        env("LATENCY_DUMP").map(|path| std::io::BufWriter::new(std::fs::File::create(path).expect("dump file")));
    let dump_after = env("LATENCY_DUMP_AFTER").is_some();
    let wanted = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    for (name, queries, prefix, facets) in mixes {
        if queries.is_empty() || !wanted(name) {
            continue;
        }
        let request = |q: &str| {
            let mut req = SearchRequest::new(q);
            req.prefix = prefix;
            req.facets = if facets { Facet::ALL.to_vec() } else { Vec::new() };
            req
        };
        let dump_mix = |out: &mut std::io::BufWriter<std::fs::File>| {
            for q in queries {
                let mut resp = engine.search(&request(q)).expect("search runs");
                resp.took_ms = 0.0;
                let line = serde_json::to_string(&resp).expect("response serialises");
                writeln!(out, "{name}\t{line}").expect("dump writes");
            }
        };
        if let Some(out) = dump.as_mut().filter(|_| !dump_after) {
            dump_mix(out);
        }
        measure(name, queries, rounds, |q| {
            std::hint::black_box(engine.search(&request(q)).expect("search runs"));
        });
        if let Some(out) = dump.as_mut().filter(|_| dump_after) {
            dump_mix(out);
        }
    }
    if !typing.is_empty() && wanted("suggest") {
        if let Some(out) = &mut dump {
            for q in &typing {
                let line = serde_json::to_string(&engine.suggest(q).expect("suggest runs")).expect("serialises");
                writeln!(out, "suggest\t{line}").expect("dump writes");
            }
        }
        measure("suggest (typing)", &typing, rounds, |q| {
            std::hint::black_box(engine.suggest(q).expect("suggest runs"));
        });
    }
}
