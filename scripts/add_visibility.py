#!/usr/bin/env python3
"""How long after `talksearch add` returns a running `talksearch serve` shows the change.

    cargo build --release
    python3 scripts/add_visibility.py [--corpus ../shared/data/talks.jsonl] [--runs 20]
                                      [--binary target/release/talksearch]

Indexes the corpus into a temporary directory, starts `serve` on a free loopback port, then
`--runs` times: writes one new talk with a word no other talk has, runs `talksearch add` on it,
and from the moment that process has exited polls /api/search for the word (one keep-alive
connection, no pause between requests) until the talk is found. Prints the median and max of
that delay, and how long the `add` itself took. Between runs it waits a random 0-300 ms, so adds
land at every phase of the server's 250 ms poll. Standard library only; removes what it made.
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="../shared/data/talks.jsonl")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--binary", default="target/release/talksearch")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="add-visibility-")
    index = os.path.join(work, "index")
    server = None
    try:
        subprocess.run([args.binary, "--index", index, "index", args.corpus], check=True)
        server = subprocess.Popen([args.binary, "--index", index, "serve", "--addr", "127.0.0.1:0"],
                                  stderr=subprocess.PIPE, text=True)
        port = None
        for line in server.stderr:
            found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        if port is None:
            raise SystemExit("serve did not say where it listens")
        threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
        conn = http.client.HTTPConnection("127.0.0.1", port)

        def total(word):
            conn.request("GET", "/api/search?q=" + urllib.parse.quote(word))
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                raise SystemExit(f"HTTP {resp.status}: {body[:200]!r}")
            return json.loads(body)["total"]

        visible, adds = [], []
        for run in range(args.runs):
            time.sleep(random.uniform(0, 0.3))
            word = f"visprobe{run}q{random.randrange(10**9)}"
            path = os.path.join(work, f"probe{run}.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                f.write(json.dumps({"id": f"probe/{run}", "title": f"Probe {word}",
                                    "abstract": f"A talk that says {word}."}) + "\n")
            assert total(word) == 0
            start = time.perf_counter()
            subprocess.run([args.binary, "--index", index, "add", path], check=True, stderr=subprocess.DEVNULL)
            returned = time.perf_counter()
            while total(word) == 0:
                if time.perf_counter() - returned > 10:
                    raise SystemExit(f"run {run}: not visible after 10 s")
            seen = time.perf_counter()
            adds.append(returned - start)
            visible.append(seen - returned)
            print(f"run {run + 1:2}: add {adds[-1] * 1e3:6.1f} ms, visible {visible[-1] * 1e3:6.1f} ms later",
                  file=sys.stderr)
        ms = lambda xs: " ".join(f"{x * 1e3:.0f}" for x in sorted(xs))
        print(f"visible after add returned, {args.runs} runs: median {statistics.median(visible) * 1e3:.0f} ms, "
              f"min {min(visible) * 1e3:.0f} ms, max {max(visible) * 1e3:.0f} ms  (sorted: {ms(visible)})")
        print(f"add itself (process start to exit): median {statistics.median(adds) * 1e3:.0f} ms, "
              f"max {max(adds) * 1e3:.0f} ms")
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
