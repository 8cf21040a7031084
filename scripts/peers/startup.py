#!/usr/bin/env python3
"""Start-up time of a server: process start until the first 200 from a health URL.

    startup.py --url http://127.0.0.1:PORT/healthz [--expect TEXT] [--runs 5] -- CMD [ARG...]

Runs CMD `--runs` times; each time polls the URL every millisecond from the moment the process
is spawned until it answers 200 (and, with --expect, the body contains TEXT), then stops the
process (SIGTERM, then SIGKILL after 10 s). Prints `startup_ms median=.. min=.. max=..`.
Exits 1 if a run is not up within 60 s. Standard library only.
"""
import argparse
import http.client
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse


def one_run(cmd, url, expect):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < 60:
            if proc.poll() is not None:
                sys.exit(f"startup.py: {cmd[0]} exited with {proc.returncode} before answering")
            try:
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=1)
                conn.request("GET", url.path or "/")
                resp = conn.getresponse()
                body = resp.read().decode("utf-8", "replace")
                conn.close()
                if resp.status == 200 and (expect is None or expect in body):
                    return (time.perf_counter() - start) * 1e3
            except OSError:
                pass
            time.sleep(0.001)
        sys.exit(f"startup.py: {url.geturl()} did not answer 200 within 60 s")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--expect")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("give the server command after --")
    url = urllib.parse.urlsplit(args.url)
    times = [one_run(cmd, url, args.expect) for _ in range(args.runs)]
    print(f"startup_ms median={statistics.median(times):.1f} min={min(times):.1f} max={max(times):.1f} "
          f"runs={len(times)}")


if __name__ == "__main__":
    main()
