//! Ranking weights, measured: nDCG@10 / Recall@100 / MRR@10 on a judged collection for a grid of
//! settings. This is how the defaults in `plan::Weights` were chosen.
//!
//! `cargo bench --bench relevance` (reads `TALKSEARCH_EVAL`, default `../shared/eval/cranfield`:
//! `talks.jsonl`, `queries.jsonl`, `qrels.tsv`). `RELEVANCE_GRID="stem=0.7,proximity=0; title=2"`
//! measures those settings (each changing the defaults) instead of the built-in grid.

use std::path::PathBuf;

use talksearch::eval;
use talksearch::feedback::Feedback;
use talksearch::ingest::{self, ReadOptions, Source};
use talksearch::plan::Weights;
use talksearch::rerank::Rerank;
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
    let grid = match std::env::var("RELEVANCE_GRID") {
        Ok(spec) => spec.split(';').map(|s| (s.trim().to_string(), settings(base, s.trim()))).collect(),
        Err(_) => builtin_grid(base),
    };
    for (name, w) in grid {
        engine = engine.with_weights(w);
        let start = std::time::Instant::now();
        let runs = eval::run(&engine, &queries).expect("runs");
        let per_query = start.elapsed().as_secs_f64() * 1000.0 / queries.len().max(1) as f64;
        let m = eval::score(&runs, &qrels);
        println!(
            "{name:>28}: nDCG@10 {:.4}  Recall@100 {:.4}  MRR@10 {:.4}  ({per_query:.2} ms a query)",
            m.ndcg_10, m.recall_100, m.mrr_10
        );
    }
}

/// `base` with the settings of `spec` (`key=value,key=value`) applied.
fn settings(base: Weights, spec: &str) -> Weights {
    let mut w = base;
    for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or_else(|| panic!("{pair:?} is not key=value"));
        let x: f32 = value.parse().unwrap_or_else(|_| panic!("{pair:?}: not a number"));
        match key {
            "title" => w.title = x,
            "speakers" => w.speakers = x,
            "tags" => w.tags = x,
            "event" => w.event = x,
            "abstract" => w.r#abstract = x,
            "stem" => w.stem = x,
            "proximity" => w.proximity = x,
            "slop" => w.proximity_slop = x as u32,
            "stopwords" => w.stopword_min_words = x as usize,
            "typo" => w.typo = x,
            "synonym" => w.synonym = x,
            "tie" => w.tie_breaker = (x >= 0.0).then_some(x),
            "fb_docs" => w.feedback.docs = x as usize,
            "fb_terms" => w.feedback.terms = x as usize,
            "fb_weight" => w.feedback.weight = x,
            "fb_min" => w.feedback.min_words = x as usize,
            "rr_depth" => w.rerank.depth = x as usize,
            "rr_weight" => w.rerank.weight = x,
            "rr_docs" => w.rerank.fb_docs = x as usize,
            "rr_terms" => w.rerank.fb_terms = x as usize,
            "rr_fbw" => w.rerank.fb_weight = x,
            "rr_min" => w.rerank.min_words = x as usize,
            _ => panic!("unknown setting {key:?}"),
        }
    }
    w
}

fn builtin_grid(base: Weights) -> Vec<(String, Weights)> {
    let mut grid: Vec<(String, Weights)> = vec![("default".into(), base)];
    for (docs, terms, weight, min_words) in [
        (0, 0, 0.0, 5),
        (5, 10, 0.3, 5),
        (10, 10, 0.3, 5),
        (10, 30, 0.5, 5),
        (20, 20, 0.5, 5),
        (10, 20, 0.8, 5),
        (10, 20, 0.5, 3),
    ] {
        let feedback = Feedback { docs, terms, weight, min_words };
        grid.push((
            format!("feedback {docs} docs {terms} terms w {weight} from {min_words}"),
            Weights { feedback, ..base },
        ));
    }
    grid.push(("title 1 (best on Cranfield; fails the talk golden tests)".into(), Weights { title: 1.0, ..base }));
    for title in [2.0, 3.0] {
        grid.push((format!("title {title}"), Weights { title, ..base }));
    }
    for stem in [0.3, 0.7] {
        grid.push((format!("stem {stem}"), Weights { stem, ..base }));
    }
    grid.push(("no stop words".into(), Weights { stopword_min_words: 0, ..base }));
    grid.push(("fields summed".into(), Weights { tie_breaker: None, ..base }));
    grid.push(("no proximity".into(), Weights { proximity: 0.0, ..base }));
    grid.push(("no typos".into(), Weights { typo: 0.0, ..base }));
    let rerank = base.rerank;
    grid.push(("no re-ranking".into(), Weights { rerank: Rerank { depth: 0, ..rerank }, ..base }));
    grid.push(("re-ranking without feedback".into(), Weights { rerank: Rerank { fb_docs: 0, ..rerank }, ..base }));
    for weight in [0.3, 0.7] {
        grid.push((format!("re-ranking weight {weight}"), Weights { rerank: Rerank { weight, ..rerank }, ..base }));
    }
    for fb_weight in [0.25, 1.0] {
        let r = Rerank { fb_weight, ..rerank };
        grid.push((format!("re-ranking feedback weight {fb_weight}"), Weights { rerank: r, ..base }));
    }
    for depth in [50, 200] {
        grid.push((format!("re-ranking depth {depth}"), Weights { rerank: Rerank { depth, ..rerank }, ..base }));
    }
    grid.push((
        "re-ranking, no first-stage feedback".into(),
        Weights { feedback: Feedback { docs: 0, ..base.feedback }, ..base },
    ));
    grid
}
