//! Ranking weights, measured: nDCG@10 / Recall@100 / MRR@10 on a judged collection for a grid of
//! settings. This is how the defaults in `plan::Weights` were chosen.
//!
//! `cargo bench --bench relevance` (reads `TALKSEARCH_EVAL`, default `../shared/eval/cranfield`:
//! `talks.jsonl`, `queries.jsonl`, `qrels.tsv`).

use std::path::PathBuf;

use talksearch::eval;
use talksearch::ingest::{self, ReadOptions, Source};
use talksearch::plan::Weights;
use talksearch::{Engine, IndexDir, indexer};

fn main() {
    let dir =
        std::env::var_os("TALKSEARCH_EVAL").map_or_else(|| PathBuf::from("../shared/eval/cranfield"), PathBuf::from);
    if !dir.join("qrels.tsv").is_file() {
        eprintln!("skipped: no judged collection at {} (set TALKSEARCH_EVAL)", dir.display());
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let index = IndexDir::new(tmp.path().join("index"));
    let opts = ReadOptions { skip_invalid: true, ..Default::default() };
    let import = ingest::read_sources(&[Source::File(dir.join("talks.jsonl"))], opts).expect("collection reads");
    indexer::build(&index, &import.talks, &mut |_| {}).expect("index builds");
    let queries = eval::read_queries(&dir.join("queries.jsonl")).expect("queries");
    let qrels = eval::read_qrels(&dir.join("qrels.tsv")).expect("qrels");
    let mut engine = Engine::open(index).expect("opens");
    let base = Weights::default();
    let mut grid: Vec<(String, Weights)> = vec![("default".into(), base)];
    for title in [1.5, 2.0, 2.5] {
        grid.push((format!("title {title}"), Weights { title, ..base }));
    }
    grid.push((
        "no stems, title 1, no stopwords".into(),
        Weights { stem: 0.0, title: 1.0, stopword_min_words: 0, ..base },
    ));
    grid.push(("title 1 (best on Cranfield; fails the talk golden tests)".into(), Weights { title: 1.0, ..base }));
    for stem in [0.5, 1.0] {
        grid.push((format!("stem {stem}"), Weights { stem, ..base }));
    }
    for min in [0, 3] {
        grid.push((format!("stopwords from {min} words"), Weights { stopword_min_words: min, ..base }));
    }
    for tie in [None, Some(0.0), Some(0.3), Some(0.6)] {
        grid.push((format!("tie breaker {tie:?}"), Weights { tie_breaker: tie, ..base }));
    }
    for (p, slop) in [(0.1, 2), (0.2, 4), (0.4, 8)] {
        grid.push((format!("proximity {p} slop {slop}"), Weights { proximity: p, proximity_slop: slop, ..base }));
    }
    for (name, w) in grid {
        engine = engine.with_weights(w);
        let m = eval::score(&eval::run(&engine, &queries).expect("runs"), &qrels);
        println!("{name:>28}: nDCG@10 {:.4}  Recall@100 {:.4}  MRR@10 {:.4}", m.ndcg_10, m.recall_100, m.mrr_10);
    }
}
