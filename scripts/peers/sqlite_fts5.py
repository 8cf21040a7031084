#!/usr/bin/env python3
"""SQLite FTS5 through Python, in-process: the index build and per-query latency of the mixes.

    sqlite_fts5.py --db FILE [--rounds 5] CORPUS.jsonl QUERIES.txt...

Builds an FTS5 table of title, speakers, abstract, event and tags (tokenizer `porter unicode61
remove_diacritics 2`, prefix indexes for 2-4 characters so the typing mix is served from them)
in a new database FILE, timing it from reading the JSON to the commit. Then runs each query file
`--rounds` times after a warm-up round, one query at a time as talksearch's `/api/search` does
by default: the words OR-ed, the last one also as a prefix (`"jit"*`), bm25 with the field
weights talksearch uses (title 1.5, speakers 2, abstract 1, event 1.2, tags 2), 10 hits with a
highlighted title and an abstract snippet. Prints `BUILD build_s=..` and, per file,
`MIX name=.. queries=.. rounds=.. p50_us=.. p99_us=.. mean_us=..`. Standard library only.
"""
import json
import os
import re
import sqlite3
import sys
import time

import mixes

WORD = re.compile(r"\w+", re.UNICODE)
SQL = (
    "SELECT rowid, highlight(talks, 0, '<mark>', '</mark>'), speakers, event, "
    "snippet(talks, 2, '<mark>', '</mark>', '…', 24), bm25(talks, 1.5, 2.0, 1.0, 1.2, 2.0) AS score "
    "FROM talks WHERE talks MATCH ? ORDER BY score LIMIT 10"
)


def fts_query(text):
    words = WORD.findall(text.lower())
    if not words:
        return None
    terms = [f'"{w}"' for w in words]
    if not text.endswith(" "):
        terms[-1] = f'({terms[-1]} OR "{words[-1]}"*)'
    return " OR ".join(terms)


def build(db_path, corpus):
    if os.path.exists(db_path):
        os.remove(db_path)
    start = time.perf_counter()
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("CREATE VIRTUAL TABLE talks USING fts5(title, speakers, abstract, event, tags, "
               "tokenize='porter unicode61 remove_diacritics 2', prefix='2 3 4')")
    rows = []
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                t = json.loads(line)
                rows.append((t.get("title") or "", "; ".join(t.get("speakers") or []), t.get("abstract") or "",
                             t.get("event") or "", "; ".join(t.get("tags") or [])))
    db.executemany("INSERT INTO talks VALUES (?, ?, ?, ?, ?)", rows)
    db.commit()
    return db, time.perf_counter() - start, len(rows)


def main():
    args = mixes.parse_args(__doc__, "--db", "database file to create")
    try:
        db, took, n = build(args.store, args.corpus)
    except OSError as e:
        sys.exit(f"sqlite_fts5.py: {e}")
    print(f"BUILD build_s={took:.3f} docs={n} sqlite={sqlite3.sqlite_version}")
    mixes.run_mixes("sqlite_fts5.py", args.queries, args.rounds, fts_query,
                    lambda m: db.execute(SQL, (m,)).fetchall())


if __name__ == "__main__":
    main()
