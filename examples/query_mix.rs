//! In-process latency of query mixes over an existing index: what one search (or one
//! suggestion) costs inside the process, without HTTP.
//!
//! ```text
//! cargo run --release --example query_mix -- --index DIR [--rounds N] [--no-prefix] [--slowest N] \
//!     [--suggest FILE]... [FILE]...
//! ```
//!
//! Opens the live generation of `DIR` (built with `talksearch --index DIR index ...`), warms it
//! (vocabulary and suggester, as `serve` does at start-up), then runs every query of each FILE
//! (one a line) `--rounds` times (default 10) after one warm-up round, as `/api/search` would
//! (limit 10, snippets, prefix matching on unless `--no-prefix`); `--suggest FILE` runs the
//! lines as `/api/suggest`. Prints, per file, a line of the form
//! `MIX name=topics.txt kind=search queries=400 rounds=10 p50_us=.. p99_us=.. mean_us=..`, then
//! `OPEN ms=..` (opening plus warm-up) and `RSS vmhwm_kb=..` (this process's peak).
//! `--slowest N` also prints each file's N slowest queries (by their median over the rounds),
//! one `SLOW us=.. query=..` line each: the queries that make the p99.

// The allocator the binary ships with (src/main.rs): the figures are those of the product.
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use talksearch::{Engine, IndexDir, SearchRequest};

const USAGE: &str =
    "usage: query_mix --index DIR [--rounds N] [--no-prefix] [--slowest N] [--suggest FILE]... [FILE]...";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() -> ExitCode {
    let mut index = None;
    let mut rounds = 10usize;
    let mut prefix = true;
    let mut slowest = 0usize;
    let mut mixes: Vec<(PathBuf, bool)> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--index" => index = args.next().map(PathBuf::from),
            "--rounds" => match args.next().and_then(|v| v.parse().ok()) {
                Some(n) if n > 0 => rounds = n,
                _ => return fail("--rounds takes a whole number above 0"),
            },
            "--no-prefix" => prefix = false,
            "--slowest" => match args.next().and_then(|v| v.parse().ok()) {
                Some(n) => slowest = n,
                None => return fail("--slowest takes a whole number"),
            },
            "--suggest" => match args.next() {
                Some(f) => mixes.push((PathBuf::from(f), true)),
                None => return fail("--suggest takes a file"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            s if s.starts_with('-') => return fail(&format!("unknown option {s}")),
            _ => mixes.push((PathBuf::from(arg), false)),
        }
    }
    let Some(index) = index else { return fail("--index DIR is required") };
    if mixes.is_empty() {
        return fail("give at least one query file");
    }
    let start = Instant::now();
    let engine = match Engine::open(IndexDir::new(&index)) {
        Ok(e) => e,
        Err(e) => return fail(&format!("cannot open the index at {}: {e}", index.display())),
    };
    engine.warm_up();
    let open = start.elapsed();
    for (file, suggest) in mixes {
        let queries: Vec<String> = match std::fs::read_to_string(&file) {
            Ok(text) => text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect(),
            Err(e) => return fail(&format!("cannot read {}: {e}", file.display())),
        };
        if queries.is_empty() {
            return fail(&format!("no queries in {}", file.display()));
        }
        let mut times = Vec::with_capacity(queries.len() * rounds);
        for round in 0..=rounds {
            for q in &queries {
                let t = Instant::now();
                if suggest {
                    std::hint::black_box(engine.suggest(q).expect("suggest runs"));
                } else {
                    let mut req = SearchRequest::new(q.as_str());
                    req.prefix = prefix;
                    std::hint::black_box(engine.search(&req).expect("search runs"));
                }
                if round > 0 {
                    times.push(t.elapsed());
                }
            }
        }
        // times[round * n + i] is query i's time in that round.
        let mut medians: Vec<(Duration, &str)> = (0..queries.len())
            .map(|i| {
                let mut own: Vec<Duration> = times.iter().skip(i).step_by(queries.len()).copied().collect();
                own.sort_unstable();
                (own[own.len() / 2], queries[i].as_str())
            })
            .collect();
        medians.sort_unstable_by(|a, b| b.cmp(a));
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        times.sort_unstable();
        let name = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
        println!(
            "MIX name={name} kind={} queries={} rounds={rounds} p50_us={:.0} p99_us={:.0} mean_us={:.0}",
            if suggest { "suggest" } else { "search" },
            queries.len(),
            percentile(&times, 0.5).as_secs_f64() * 1e6,
            percentile(&times, 0.99).as_secs_f64() * 1e6,
            mean.as_secs_f64() * 1e6
        );
        for (time, query) in medians.iter().take(slowest) {
            println!("SLOW us={:.0} query={query}", time.as_secs_f64() * 1e6);
        }
    }
    println!("OPEN ms={:.1}", open.as_secs_f64() * 1e3);
    println!("RSS vmhwm_kb={}", vm_hwm_kb());
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("query_mix: {message}\n{USAGE}");
    ExitCode::from(2)
}
