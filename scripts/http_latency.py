#!/usr/bin/env python3
"""Latency of the search box's calls over HTTP, one keep-alive connection, sequential.

    python3 scripts/http_latency.py [--base http://127.0.0.1:8080] [--queries ../shared/queries/typing.txt]
                                    [--rounds 5]

Against a running `talksearch serve` (index the corpus first). For every keystroke of the typing
mix it calls /api/suggest?q= and /api/search?q=&facets=event,year,speaker,tag,language, and prints
the median and p99 of each, plus the total transfer size of the page (/, its script and its
stylesheet, gzip as served). Standard library only.
"""
import argparse
import gzip
import http.client
import statistics
import time
import urllib.parse


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round((len(values) - 1) * p))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8080")
    ap.add_argument("--queries", default="../shared/queries/typing.txt")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    url = urllib.parse.urlsplit(args.base)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80)
    keystrokes = [line.rstrip("\n") for line in open(args.queries, encoding="utf-8") if line.strip()]

    def get(path, headers=None):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        took = time.perf_counter() - start
        if resp.status != 200:
            raise SystemExit(f"{path}: HTTP {resp.status}: {body[:200]!r}")
        return took, body, resp

    calls = {
        "/api/suggest": lambda q: f"/api/suggest?q={urllib.parse.quote(q)}",
        "/api/search + 5 facets": lambda q: f"/api/search?q={urllib.parse.quote(q)}&facets=event,year,speaker,tag,language",
    }
    for name, path in calls.items():
        for q in keystrokes:  # warm-up round
            get(path(q))
        times = []
        for _ in range(args.rounds):
            for q in keystrokes:
                times.append(get(path(q))[0])
        print(f"{name:>24}: {len(keystrokes)} keystrokes x {args.rounds}: "
              f"p50 {statistics.median(times) * 1e3:.2f} ms, p99 {percentile(times, 0.99) * 1e3:.2f} ms")

    total = 0
    for path in ["/", "/assets/app.js", "/assets/style.css"]:
        _, body, resp = get(path, {"Accept-Encoding": "gzip"})
        encoded = len(body)
        plain = len(gzip.decompress(body)) if resp.getheader("Content-Encoding") == "gzip" else encoded
        total += encoded
        print(f"{path:>24}: {encoded} bytes transferred ({plain} uncompressed)")
    print(f"{'page total':>24}: {total} bytes")


if __name__ == "__main__":
    main()
