"""Shared by the in-process peers (sqlite_fts5.py, tantivy_py.py): the command line, and timing
a query mix. Standard library only."""
import argparse
import os
import statistics
import sys
import time


def parse_args(doc, store_flag, store_help):
    """`--STORE PATH [--rounds N] CORPUS QUERIES...`"""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(store_flag, dest="store", required=True, help=store_help)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("corpus")
    ap.add_argument("queries", nargs="+")
    return ap.parse_args()


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, round((len(sorted_values) - 1) * p))]


def run_mixes(name, paths, rounds, prepare, run):
    """For each query file: `prepare(text)` (None skips the query) untimed, then `run(prepared)`
    timed, `rounds` times after a warm-up round; prints one MIX line per file."""
    for path in paths:
        try:
            texts = [q.rstrip("\n") for q in open(path, encoding="utf-8") if q.strip()]
        except OSError as e:
            sys.exit(f"{name}: cannot read {path}: {e.strerror}")
        prepared = [p for p in map(prepare, texts) if p is not None]
        times = []
        for round_ in range(rounds + 1):
            for p in prepared:
                t = time.perf_counter()
                run(p)
                if round_ > 0:
                    times.append(time.perf_counter() - t)
        times.sort()
        print(f"MIX name={os.path.basename(path)} queries={len(prepared)} rounds={rounds} "
              f"p50_us={percentile(times, 0.5) * 1e6:.0f} p99_us={percentile(times, 0.99) * 1e6:.0f} "
              f"mean_us={statistics.fmean(times) * 1e6:.0f}")
