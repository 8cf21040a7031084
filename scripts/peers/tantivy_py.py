#!/usr/bin/env python3
"""tantivy 0.27 through its Python bindings (PyPI `tantivy`), in-process: raw tantivy, the same
library talksearch is built on, without talksearch's query features. Index build and per-query
latency of the mixes.

    tantivy_py.py --dir DIR [--rounds 5] CORPUS.jsonl QUERIES.txt...

Run with a Python that has `tantivy` installed (scripts/loadtest.sh installs it into its venv).
Builds an index in DIR (new) of title, speakers, abstract, event and tags (tokenizer `en_stem`,
positions; the talk's id and title stored), timing it from reading the JSON to the commit. Then
runs each query file `--rounds` times after a warm-up round: the query parsed leniently over the
five fields with talksearch's weights (title 1.5, speakers 2, abstract 1, event 1.2, tags 2), any
word matching (OR), top 10, the stored fields of each hit read back and an abstract snippet for
each (abstracts are stored for that). No prefix matching, typo correction, synonyms or
proximity: tantivy's query parser has none of these, so the typing mix is run as whole words.
Prints `BUILD build_s=..` and, per file, `MIX name=.. queries=.. rounds=.. p50_us=.. p99_us=..
mean_us=..`.
"""
import json
import os
import shutil
import sys
import time

import mixes

try:
    import tantivy
except ImportError:
    sys.exit("tantivy_py.py: the Python package `tantivy` is not installed (pip install tantivy==0.27.0)")

FIELDS = ["title", "speakers", "abstract", "event", "tags"]
WEIGHTS = {"title": 1.5, "speakers": 2.0, "abstract": 1.0, "event": 1.2, "tags": 2.0}


def build(path, corpus):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)
    start = time.perf_counter()
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    for f in FIELDS:
        sb.add_text_field(f, stored=f in ("title", "abstract"), tokenizer_name="en_stem", index_option="position")
    schema = sb.build()
    index = tantivy.Index(schema, path=path)
    writer = index.writer()
    n = 0
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            doc = tantivy.Document()
            doc.add_text("id", t["id"])
            doc.add_text("title", t.get("title") or "")
            for s in t.get("speakers") or []:
                doc.add_text("speakers", s)
            doc.add_text("abstract", t.get("abstract") or "")
            doc.add_text("event", t.get("event") or "")
            for tag in t.get("tags") or []:
                doc.add_text("tags", tag)
            writer.add_document(doc)
            n += 1
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index, schema, time.perf_counter() - start, n


def main():
    args = mixes.parse_args(__doc__, "--dir", "index directory to create")
    try:
        index, schema, took, n = build(args.store, args.corpus)
    except OSError as e:
        sys.exit(f"tantivy_py.py: {e}")
    print(f"BUILD build_s={took:.3f} docs={n} tantivy-py={getattr(tantivy, '__version__', '?')}")
    searcher = index.searcher()

    def run(text):  # parsing timed too, as talksearch's search does it
        query = index.parse_query_lenient(text, FIELDS, field_boosts=WEIGHTS)[0]
        hits = searcher.search(query, 10).hits
        if not hits:
            return
        snippets = tantivy.SnippetGenerator.create(searcher, query, schema, "abstract")
        for _score, address in hits:
            snippets.snippet_from_doc(searcher.doc(address)).to_html()

    mixes.run_mixes("tantivy_py.py", args.queries, args.rounds, lambda text: text, run)


if __name__ == "__main__":
    main()
