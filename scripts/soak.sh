#!/usr/bin/env bash
# Soak test (issue 7): a release `talksearch serve` on a temporary index of the corpus, for
# --seconds (default 120) under
#   - read load from wrk (scripts/soak/load.lua: topics.txt and typing.txt on /api/search and
#     /api/suggest, keep-alive, 1 thread / 8 connections by default);
#   - writes: talks added, replaced and removed through the write API and through
#     `talksearch add` / `remove`, and two full re-imports with `talksearch index`
#     (scripts/soak/writer.py, which logs every acknowledged write);
#   - an RSS sampler (VmRSS every second, VmHWM).
# Then it checks that every acknowledged write that must be present is (the rule is printed
# with the summary and stated in docs/soak.md) and prints one summary. Exit 0 if no 5xx (a 503
# with Retry-After from the concurrency limit is reported apart), no failed search, no missing
# acknowledged write, no failed re-import; 1 otherwise; 2 on a usage error or missing tool.
#
# Usage: scripts/soak.sh [--seconds N] [--connections N] [--threads N] [--keep]
# Env:   TALKSEARCH_SHARED  the shared data directory (default ../shared, holding data/ and queries/)
#        TALKSEARCH_BIN     a talksearch binary to use instead of building target/release/talksearch
#
# Loopback only (the server binds 127.0.0.1 on a free port); everything it starts is stopped
# on exit, and the temporary directory removed (kept with --keep, or when the run fails).
set -euo pipefail

usage() {
  echo "usage: scripts/soak.sh [--seconds N] [--connections N] [--threads N] [--keep]" >&2
  exit 2
}
number() { [[ ${2:-} =~ ^[1-9][0-9]*$ ]] && ((${2} <= $3)) || { echo "soak: $1 needs a number 1..$3" >&2; usage; }; }

seconds=120
connections=8
threads=1
keep=0
while (($#)); do
  case $1 in
    --seconds) number "$1" "${2:-}" 3600; seconds=$2; shift 2 ;;
    --connections) number "$1" "${2:-}" 1000; connections=$2; shift 2 ;;
    --threads) number "$1" "${2:-}" 64; threads=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage ;;
    *) echo "soak: unknown argument: $1" >&2; usage ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TALKSEARCH_SHARED:-$root/../shared}
corpus=$shared/data/talks.jsonl
topics=$shared/queries/topics.txt
typing=$shared/queries/typing.txt
for f in "$corpus" "$topics" "$typing"; do
  [[ -r $f ]] || { echo "soak: $f is missing (set TALKSEARCH_SHARED)" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "soak: wrk is missing: apt-get install -y wrk" >&2; exit 2; }
command -v python3 >/dev/null || { echo "soak: python3 is missing" >&2; exit 2; }

if [[ -n ${TALKSEARCH_BIN:-} ]]; then
  bin=$TALKSEARCH_BIN
else
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  bin=$root/target/release/talksearch
fi
writer=(python3 "$root/scripts/soak/writer.py")

work=$(mktemp -d "${TMPDIR:-/tmp}/talksearch-soak.XXXXXX")
index=$work/index
pids=()
server_pid=
status=1

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  if ((keep)) || ((status != 0)); then
    echo "soak: kept $work (server.log, writes.jsonl, writer.json, wrk.out, rss.txt)" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "soak: $seconds s, wrk $threads thread(s) / $connections connections, work dir $work" >&2
echo "soak: indexing $corpus" >&2
"$bin" --index "$index" index "$corpus" >&2

# A throwaway token for this run, through the environment (not visible in the process list).
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export TALKSEARCH_WRITE_TOKEN=$token
RUST_LOG=${RUST_LOG:-info} "$bin" --index "$index" serve --addr 127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 600); do
  port=$(grep -o 'serving [0-9]* talks on http://127\.0\.0\.1:[0-9]*' "$work/server.log" | head -1 | sed 's/.*://') || true
  [[ -n $port ]] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "soak: the server exited:" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n $port ]] || { echo "soak: the server did not start within 60 s" >&2; exit 1; }
"${writer[@]}" ready --port "$port"
echo "soak: serving on 127.0.0.1:$port (pid $server_pid)" >&2

# RSS sampler, every second while the server runs: "epoch-seconds VmRSS VmHWM RssAnon RssFile"
# (kB; RssFile is mostly the index's memory-mapped files, RssAnon the heap).
(
  while kill -0 "$server_pid" 2>/dev/null; do
    awk -v t="$(date +%s.%N)" '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 } /^RssAnon/ { a = $2 } /^RssFile/ { f = $2 }
      END { if (r) print t, r, h, a, f }' \
      "/proc/$server_pid/status" 2>/dev/null || true
    sleep 1
  done
) >"$work/rss.txt" &
pids+=($!)
sleep 2 # two samples before the load: the start figure

load_start=$(date +%s.%N)
SOAK_TOPICS=$topics SOAK_TYPING=$typing SOAK_WRK_OUT=$work/wrk.out \
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 15s -s "$root/scripts/soak/load.lua" \
  "http://127.0.0.1:$port" >"$work/wrk.txt" 2>&1 &
wrk_pid=$!
pids+=("$wrk_pid")
"${writer[@]}" write --binary "$bin" --index "$index" --port "$port" --corpus "$corpus" --topics "$topics" \
  --work "$work" --seconds "$seconds" &
writer_pid=$!
pids+=("$writer_pid")

wrk_rc=0
writer_rc=0
wait "$wrk_pid" || wrk_rc=$?
wait "$writer_pid" || writer_rc=$?
load_end=$(date +%s.%N)
((wrk_rc == 0)) || { echo "soak: wrk failed (exit $wrk_rc):" >&2; cat "$work/wrk.txt" >&2; exit 1; }
((writer_rc == 0)) || { echo "soak: the writer failed (exit $writer_rc)" >&2; exit 1; }

verify_rc=0
"${writer[@]}" verify --binary "$bin" --index "$index" --port "$port" --corpus "$corpus" --work "$work" \
  --wrk-out "$work/wrk.out" --rss "$work/rss.txt" --server-log "$work/server.log" \
  --load-start "$load_start" --load-end "$load_end" --connections "$connections" --threads "$threads" ||
  verify_rc=$?
status=$verify_rc
exit "$verify_rc"
