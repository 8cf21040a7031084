#!/usr/bin/env python3
"""Watches an index re-publish reach every replica: when `CURRENT` changes, and when each
replica's /healthz first reports the new talk count.

    watch_switch.py --index DIR --talks N --timeout 120 URL...

Polls DIR/CURRENT every 2 ms until it names a new generation (the publish), then each URL
(`http://127.0.0.1:PORT`) every 5 ms until `/healthz` says `"talks": N`. Prints
`PUBLISHED` and one `SWITCHED url=.. after_ms=..` line per replica (time after the publish).
Exits 1 if that does not happen within --timeout seconds. Standard library only.
"""
import argparse
import http.client
import json
import sys
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", required=True)
    ap.add_argument("--talks", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("urls", nargs="+")
    args = ap.parse_args()
    deadline = time.monotonic() + args.timeout
    current = f"{args.index}/CURRENT"

    def read_current():
        try:
            with open(current) as f:
                return f.read().strip()
        except OSError:
            return None

    first = read_current()
    while read_current() == first:
        if time.monotonic() > deadline:
            sys.exit("watch_switch.py: CURRENT did not change")
        time.sleep(0.002)
    published = time.monotonic()
    print(f"PUBLISHED generation={read_current()}", flush=True)
    pending = {u: urllib.parse.urlsplit(u) for u in args.urls}
    while pending:
        if time.monotonic() > deadline:
            sys.exit(f"watch_switch.py: not switched: {', '.join(pending)}")
        for url, parts in list(pending.items()):
            try:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
                conn.request("GET", "/healthz")
                resp = conn.getresponse()
                body = resp.read()
                conn.close()
                if resp.status == 200 and json.loads(body).get("talks") == args.talks:
                    print(f"SWITCHED url={url} after_ms={(time.monotonic() - published) * 1e3:.0f}", flush=True)
                    del pending[url]
            except (OSError, ValueError):
                pass
        time.sleep(0.005)


if __name__ == "__main__":
    main()
