//! Relevance measurement: run judged queries through the search core and score the rankings.
//!
//! Queries are JSON Lines `{"id", "text"}`; judgments (qrels) are TSV `query-id corpus-id score`
//! with a header line, graded (higher is more relevant, 0 or less is not relevant). Metrics, as
//! trec_eval computes them with linear gains: nDCG@10, Recall@100, MRR@10, averaged over the
//! queries that have at least one relevant document.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Rejection, Result};
use crate::search::{Engine, SearchRequest};

/// Hits retrieved per query (the depth of Recall and of the run file).
pub const DEPTH: usize = 100;

/// One judged query.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalQuery {
    /// Query id, as the qrels name it.
    pub id: String,
    /// Query text.
    pub text: String,
}

/// Relevance grades: query id -> document id -> grade.
pub type Qrels = HashMap<String, HashMap<String, i32>>;

/// Mean scores over the judged queries.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metrics {
    /// Normalised discounted cumulative gain at 10.
    pub ndcg_10: f64,
    /// Share of relevant documents in the top 100.
    pub recall_100: f64,
    /// Reciprocal rank of the first relevant document in the top 10.
    pub mrr_10: f64,
    /// Queries scored.
    pub queries: usize,
}

/// Reads queries from JSON Lines.
pub fn read_queries(path: &Path) -> Result<Vec<EvalQuery>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match serde_json::from_str::<EvalQuery>(line) {
            Ok(q) => out.push(q),
            Err(e) => bad.push(Rejection { source: path.display().to_string(), line: i + 1, message: e.to_string() }),
        }
    }
    if bad.is_empty() { Ok(out) } else { Err(Error::Invalid(bad)) }
}

/// Reads TSV qrels with a header line.
pub fn read_qrels(path: &Path) -> Result<Qrels> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut qrels = Qrels::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1).filter(|(_, l)| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        match (cols.as_slice(), cols.get(2).and_then(|s| s.trim().parse::<i32>().ok())) {
            ([q, d, _], Some(grade)) => {
                qrels.entry(q.to_string()).or_default().insert(d.to_string(), grade);
            }
            _ => bad.push(Rejection {
                source: path.display().to_string(),
                line: i + 1,
                message: "expected `query-id<TAB>corpus-id<TAB>score`".into(),
            }),
        }
    }
    if bad.is_empty() { Ok(qrels) } else { Err(Error::Invalid(bad)) }
}

/// One query's ranking: its id, and the ids of the talks found with their scores, best first.
pub type Ranking = (String, Vec<(String, f32)>);

/// Runs every query (prefix matching off: the queries are complete) and returns the ranked ids
/// with scores, per query id.
pub fn run(engine: &Engine, queries: &[EvalQuery]) -> Result<Vec<Ranking>> {
    let mut runs = Vec::with_capacity(queries.len());
    for q in queries {
        let mut req = SearchRequest::new(truncate_chars(&q.text, crate::search::MAX_QUERY_CHARS));
        req.limit = DEPTH;
        req.prefix = false;
        req.snippets = false;
        let resp = engine.search(&req)?;
        runs.push((q.id.clone(), resp.hits.into_iter().map(|h| (h.id, h.score)).collect()));
    }
    Ok(runs)
}

fn truncate_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Scores runs against judgments.
pub fn score(runs: &[(String, Vec<(String, f32)>)], qrels: &Qrels) -> Metrics {
    let by_query: HashMap<&str, &Vec<(String, f32)>> = runs.iter().map(|(q, r)| (q.as_str(), r)).collect();
    let empty = Vec::new();
    let mut m = Metrics::default();
    for (qid, judged) in qrels {
        let relevant = judged.values().filter(|&&g| g > 0).count();
        if relevant == 0 {
            continue;
        }
        let ranked = by_query.get(qid.as_str()).copied().unwrap_or(&empty);
        let grade = |id: &str| judged.get(id).copied().unwrap_or(0).max(0) as f64;
        let dcg: f64 = ranked.iter().take(10).enumerate().map(|(i, (id, _))| grade(id) / (i as f64 + 2.0).log2()).sum();
        let mut ideal: Vec<f64> = judged.values().filter(|&&g| g > 0).map(|&g| g as f64).collect();
        ideal.sort_by(|a, b| b.total_cmp(a));
        let idcg: f64 = ideal.iter().take(10).enumerate().map(|(i, g)| g / (i as f64 + 2.0).log2()).sum();
        m.ndcg_10 += dcg / idcg;
        let found = ranked.iter().take(DEPTH).filter(|(id, _)| grade(id) > 0.0).count();
        m.recall_100 += found as f64 / relevant as f64;
        m.mrr_10 += ranked.iter().take(10).position(|(id, _)| grade(id) > 0.0).map_or(0.0, |p| 1.0 / (p as f64 + 1.0));
        m.queries += 1;
    }
    if m.queries > 0 {
        let n = m.queries as f64;
        m.ndcg_10 /= n;
        m.recall_100 /= n;
        m.mrr_10 /= n;
    }
    m
}

/// The runs as a TREC run file: `qid Q0 docid rank score tag`.
pub fn trec_run(runs: &[(String, Vec<(String, f32)>)], tag: &str) -> String {
    let mut out = String::new();
    for (qid, ranked) in runs {
        for (rank, (id, score)) in ranked.iter().enumerate() {
            let _ = writeln!(out, "{qid} Q0 {id} {} {score:.4} {tag}", rank + 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qrels(rows: &[(&str, &str, i32)]) -> Qrels {
        let mut q = Qrels::new();
        for &(qid, d, g) in rows {
            q.entry(qid.into()).or_default().insert(d.into(), g);
        }
        q
    }

    fn ranked(ids: &[&str]) -> Vec<(String, f32)> {
        ids.iter().enumerate().map(|(i, id)| (id.to_string(), 10.0 - i as f32)).collect()
    }

    #[test]
    fn perfect_and_empty_rankings() {
        let q = qrels(&[("1", "a", 3), ("1", "b", 1), ("1", "c", 0)]);
        let perfect = score(&[("1".into(), ranked(&["a", "b", "c"]))], &q);
        assert!((perfect.ndcg_10 - 1.0).abs() < 1e-9);
        assert_eq!((perfect.recall_100, perfect.mrr_10, perfect.queries), (1.0, 1.0, 1));
        let none = score(&[], &q);
        assert_eq!((none.ndcg_10, none.recall_100, none.mrr_10), (0.0, 0.0, 0.0));
    }

    #[test]
    fn ndcg_uses_linear_gains_and_log2_discounts() {
        let q = qrels(&[("1", "a", 2), ("1", "b", 1)]);
        let m = score(&[("1".into(), ranked(&["x", "b", "a"]))], &q);
        let dcg = 1.0 / 3f64.log2() + 2.0 / 4f64.log2();
        let idcg = 2.0 + 1.0 / 3f64.log2();
        assert!((m.ndcg_10 - dcg / idcg).abs() < 1e-9);
        assert!((m.mrr_10 - 0.5).abs() < 1e-9);
    }

    #[test]
    fn trec_run_format() {
        let text = trec_run(&[("7".into(), ranked(&["d1", "d2"]))], "talksearch");
        assert_eq!(text, "7 Q0 d1 1 10.0000 talksearch\n7 Q0 d2 2 9.0000 talksearch\n");
    }
}
