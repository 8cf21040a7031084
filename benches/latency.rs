//! Search-core latency per query class on the 21,713-talk corpus, inside one process.
//!
//! `TALKSEARCH_CORPUS=../shared/data/talks.jsonl cargo bench --bench latency`
//! (also reads `TALKSEARCH_QUERIES`, default `../shared/queries`). Prints the index build time
//! and, per query class (plain topics, the multi-word topics as phrases, typos, the typing mix
//! with prefix matching), the median and p99 of one search (limit 10, snippets included), each
//! query run `ROUNDS` times after a warm-up round.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use talksearch::ingest::{self, ReadOptions, Source};
use talksearch::{Engine, IndexDir, SearchRequest, indexer};

const ROUNDS: usize = 20;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let Some(corpus) = std::env::var_os("TALKSEARCH_CORPUS").map(PathBuf::from) else {
        eprintln!("skipped: set TALKSEARCH_CORPUS to ../shared/data/talks.jsonl");
        return;
    };
    let queries_dir =
        std::env::var_os("TALKSEARCH_QUERIES").map_or_else(|| PathBuf::from("../shared/queries"), PathBuf::from);
    let tmp = tempfile::tempdir().expect("temp dir");
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
    let engine = Engine::open(dir).expect("index opens");
    let read = |file: &str| -> Vec<String> {
        let path = queries_dir.join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect(),
            Err(_) => {
                eprintln!("skipped {file}: cannot read {}", path.display());
                Vec::new()
            }
        }
    };
    let topics = read("topics.txt");
    let phrases: Vec<String> =
        topics.iter().filter(|q| q.contains(' ') && !q.contains('"')).map(|q| format!("\"{q}\"")).collect();
    // (name, queries, prefix matching)
    let classes: [(&str, Vec<String>, bool); 5] = [
        ("plain (topics 1-50)", topics.iter().take(50).cloned().collect(), false),
        ("plain (all topics)", topics.clone(), false),
        ("phrase", phrases, false),
        ("typo", read("typos.txt"), false),
        ("prefix (typing)", read("typing.txt"), true),
    ];
    for (name, queries, prefix) in classes {
        if queries.is_empty() {
            continue;
        }
        let mut times = Vec::with_capacity(queries.len() * ROUNDS);
        for round in 0..=ROUNDS {
            for q in &queries {
                let mut req = SearchRequest::new(q.as_str());
                req.prefix = prefix;
                let t = Instant::now();
                let resp = engine.search(&req).expect("search runs");
                let took = t.elapsed();
                std::hint::black_box(resp);
                if round > 0 {
                    times.push(took);
                }
            }
        }
        times.sort_unstable();
        println!(
            "{name:>20}: {:>3} queries x {ROUNDS}: p50 {:>6.0} us, p99 {:>6.0} us",
            queries.len(),
            percentile(&times, 0.5).as_secs_f64() * 1e6,
            percentile(&times, 0.99).as_secs_f64() * 1e6
        );
    }
}
