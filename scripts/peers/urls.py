#!/usr/bin/env python3
"""Request paths for the load test, and a one-pass check that every one answers 200.

    urls.py make --engine talksearch|typesense --endpoint search|suggest [--cache] QUERIES OUT
    urls.py check --base http://127.0.0.1:PORT [--api-key K] PATHS

`make` writes one percent-encoded request path a line (what scripts/peers/rotate.lua rotates
through): talksearch `/api/search?q=` or `/api/suggest?q=`; Typesense the comparable search
(the same five fields, 10 hits, highlights; prefix matching on the last word is the default on
both engines). `--cache` asks Typesense to use its result cache (`use_cache=true`, off by
default there); talksearch's cache is a server option (`serve --cache-entries`). `check` requests every path once over one keep-alive connection (a warm-up
pass) and exits 1 naming the first paths that did not answer 200. Standard library only.
"""
import argparse
import http.client
import sys
import urllib.parse

TYPESENSE_FIELDS = "title,speakers,abstract,event,tags"
# What a talksearch hit carries besides its snippet: Typesense returns these fields plus its
# highlights (snippets) rather than whole documents with their abstracts.
TYPESENSE_INCLUDE = "talk_id,title,speakers,event,date,url,duration_s"


def make(args):
    try:
        queries = [q.rstrip("\n") for q in open(args.queries, encoding="utf-8")]
    except OSError as e:
        sys.exit(f"urls.py: cannot read {args.queries}: {e.strerror}")
    queries = [q for q in queries if q.strip()]
    if not queries:
        sys.exit(f"urls.py: no queries in {args.queries}")
    out = []
    for q in queries:
        enc = urllib.parse.quote(q, safe="")
        if args.engine == "talksearch":
            out.append(f"/api/{args.endpoint}?q={enc}")
        elif args.endpoint == "search":
            out.append(
                f"/collections/talks/documents/search?q={enc}&query_by={TYPESENSE_FIELDS}"
                f"&per_page=10&include_fields={TYPESENSE_INCLUDE}" + ("&use_cache=true" if args.cache else ""))
        else:
            sys.exit("urls.py: Typesense has no suggest endpoint here")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def check(args):
    url = urllib.parse.urlsplit(args.base)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
    headers = {"X-TYPESENSE-API-KEY": args.api_key} if args.api_key else {}
    bad = []
    paths = [p.rstrip("\n") for p in open(args.paths, encoding="utf-8") if p.strip()]
    for p in paths:
        conn.request("GET", p, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            bad.append(f"{resp.status} {p} {body[:120]!r}")
    if bad:
        print(f"urls.py: {len(bad)} of {len(paths)} paths did not answer 200:", file=sys.stderr)
        for b in bad[:5]:
            print("  " + b, file=sys.stderr)
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--engine", choices=["talksearch", "typesense"], required=True)
    m.add_argument("--endpoint", choices=["search", "suggest"], default="search")
    m.add_argument("--cache", action="store_true", help="Typesense: use its result cache")
    m.add_argument("queries")
    m.add_argument("out")
    c = sub.add_parser("check")
    c.add_argument("--base", required=True)
    c.add_argument("--api-key", default="")
    c.add_argument("paths")
    args = ap.parse_args()
    make(args) if args.cmd == "make" else check(args)


if __name__ == "__main__":
    main()
