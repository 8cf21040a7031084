#!/usr/bin/env bash
# Growth: how index time, index size, latency and memory grow with the corpus.
#
# usage: scripts/growth.sh [--sizes 21713,100000,1000000] [--rounds N] [--seed S]
#                          [--corpus FILE] [--queries DIR] [--out FILE]
#
# For each size N: `examples/grow.rs` makes an N-talk corpus from the real one (the corpus
# itself, then generated talks; deterministic for a seed), `talksearch index` builds it (wall
# time and peak RSS by /usr/bin/time), then the corpus file is deleted and the script measures
# the index size on disk, the in-process latency of the topics and typing mixes (search as
# /api/search does it: 10 hits, snippets, prefix matching) and of suggest (examples/query_mix.rs,
# --rounds rounds, default 5, after a warm-up round), start-up to the first /healthz 200, and the
# peak RSS of `talksearch serve` after a 10 s wrk run of the topics mix over HTTP (1 thread, 8
# connections). Each index is deleted before the next size. Prints a table and, between
# successive sizes, the growth exponent of p50 and p99 (latency ~ N^k: k < 1 is sub-linear).
# Needs about 2.5 GB free for the 1M size; takes about 15 minutes with the defaults on an idle
# 2-core machine (most of it building the 1M index).
set -euo pipefail

usage() { sed -n '4,5p' "$0" | sed 's/^# //' >&2; exit 2; }
die() { echo "growth.sh: $*" >&2; exit 1; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=21713,100000,1000000
ROUNDS=5
SEED=1
CORPUS=${TALKSEARCH_CORPUS:-$ROOT/../shared/data/talks.jsonl}
QUERIES=$ROOT/../shared/queries
OUT=
while [ $# -gt 0 ]; do
  case $1 in
    --sizes) SIZES=${2:?}; shift 2 ;;
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --seed) SEED=${2:?}; shift 2 ;;
    --corpus) CORPUS=${2:?}; shift 2 ;;
    --queries) QUERIES=${2:?}; shift 2 ;;
    --out) OUT=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "growth.sh: unknown argument $1" >&2; usage ;;
  esac
done
[[ $SIZES =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--sizes takes whole numbers separated by commas"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] || die "--rounds takes a whole number"
[ -r "$CORPUS" ] || die "no corpus at $CORPUS (set --corpus or TALKSEARCH_CORPUS)"
for f in topics.txt typing.txt; do [ -r "$QUERIES/$f" ] || die "no $QUERIES/$f (set --queries DIR)"; done
CORPUS=$(realpath "$CORPUS"); QUERIES=$(realpath "$QUERIES")

if ! command -v wrk >/dev/null; then
  echo "installing wrk (apt-get)..." >&2
  { apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; } \
    || die "could not install wrk: run 'apt-get install wrk' as root"
fi
[ -x /usr/bin/time ] || { apt-get install -y -qq time >/dev/null 2>&1 || die "needs /usr/bin/time (apt-get install time)"; }
BIN=$ROOT/target/release/talksearch
if [ ! -x "$BIN" ] || [ ! -x "$ROOT/target/release/examples/query_mix" ] || [ ! -x "$ROOT/target/release/examples/grow" ]; then
  echo "building (cargo build --release)..." >&2
  (cd "$ROOT" && cargo build --release --quiet --bin talksearch --example query_mix --example grow) \
    || die "cargo build failed"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/talksearch-growth.XXXXXX")
largest=$(tr ',' '\n' <<<"$SIZES" | sort -n | tail -1)
need_mb=$(( largest * 2500 / 1000000 + 200 ))
free_mb=$(df -Pm "$TMP" | awk 'NR==2 {print $4}')
[ "$free_mb" -ge "$need_mb" ] || { rmdir "$TMP"; die "needs about $need_mb MB free in $(dirname "$TMP"), has $free_mb MB"; }
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
log() { echo "$*" >&2; }

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "machine: $(nproc) cores, load $LOAD0; sizes $SIZES; free disk $free_mb MB"
ROWS=()
for N in ${SIZES//,/ }; do
  C=$TMP/corpus-$N.jsonl
  IDX=$TMP/index-$N
  "$ROOT/target/release/examples/grow" --talks "$N" --out "$C" --seed "$SEED" --corpus "$CORPUS" 2>"$TMP/grow.log" \
    || { cat "$TMP/grow.log" >&2; die "grow failed"; }
  words=$(sed -n 's/.*, \([0-9]*\) distinct words.*/\1/p' "$TMP/grow.log")
  corpus_mb=$(du -m "$C" | cut -f1)
  log "N=$N: corpus $corpus_mb MB, $words distinct words; indexing..."
  /usr/bin/time -f "%e %M" -o "$TMP/time" "$BIN" --index "$IDX" index "$C" >/dev/null 2>"$TMP/index.log" \
    || { cat "$TMP/index.log" >&2; die "talksearch index failed at N=$N"; }
  rm -f "$C"
  read -r build_s build_kb <"$TMP/time"
  size_mb=$(du -sm "$IDX/$(cat "$IDX/CURRENT")" | cut -f1)
  rate=$(awk -v n="$N" -v s="$build_s" 'BEGIN {printf "%.0f", n / s}')
  log "N=$N: index $build_s s ($rate talks/s), peak RSS $((build_kb / 1024)) MB, $size_mb MB on disk"

  out=$("$ROOT/target/release/examples/query_mix" --index "$IDX" --rounds "$ROUNDS" \
    "$QUERIES/topics.txt" "$QUERIES/typing.txt" --suggest "$QUERIES/typing.txt")
  t=$(grep 'name=topics' <<<"$out"); y=$(grep 'name=typing.*kind=search' <<<"$out"); s=$(grep 'kind=suggest' <<<"$out")
  open_ms=$(field ms "$(grep '^OPEN' <<<"$out")")
  log "N=$N: topics p50 $(field p50_us "$t") us p99 $(field p99_us "$t") us; typing p50 $(field p50_us "$y") us p99 $(field p99_us "$y") us; suggest p99 $(field p99_us "$s") us; open+warm $open_ms ms"

  PORT=$(free_port)
  st=$(python3 "$ROOT/scripts/peers/startup.py" --url "http://127.0.0.1:$PORT/healthz" --runs 3 -- \
    "$BIN" --index "$IDX" serve --addr "127.0.0.1:$PORT")
  RUST_LOG=warn "$BIN" --index "$IDX" serve --addr "127.0.0.1:$PORT" >"$TMP/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  python3 "$ROOT/scripts/peers/urls.py" make --engine talksearch --endpoint search "$QUERIES/topics.txt" "$TMP/urls"
  python3 "$ROOT/scripts/peers/urls.py" check --base "http://127.0.0.1:$PORT" "$TMP/urls" || die "non-200 at N=$N"
  w=$(URLS=$TMP/urls wrk -t1 -c8 -d10s -s "$ROOT/scripts/peers/rotate.lua" "http://127.0.0.1:$PORT" | grep '^RESULT') \
    || die "wrk gave no result"
  serve_mb=$(awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER/status")
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
  log "N=$N: start-up $(field median "$st") ms; HTTP topics $(field rps "$w") req/s p99 $(field p99_ms "$w") ms; serve peak RSS $serve_mb MB"
  rm -rf "$IDX"
  ROWS+=("$N $build_s $rate $((build_kb / 1024)) $size_mb $(field p50_us "$t") $(field p99_us "$t") \
$(field p50_us "$y") $(field p99_us "$y") $(field p50_us "$s") $(field p99_us "$s") $(field median "$st") \
$(field rps "$w") $(field p99_ms "$w") $serve_mb $words")
done

{
  echo
  echo "machine: $(nproc) cores; load average at the start $LOAD0, at the end $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ); seed $SEED, $ROUNDS rounds"
  echo
  echo "| talks | distinct words | index build | talks/s | build peak RSS | index size | topics p50 / p99 | typing p50 / p99 | suggest p50 / p99 | start-up | HTTP topics (wrk 1x8) | serve peak RSS |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for r in "${ROWS[@]}"; do
    read -r n b rate brss size tp50 tp99 yp50 yp99 sp50 sp99 st rps hp99 srss words <<<"$r"
    echo "| $n | $words | $b s | $rate | $brss MB | $size MB | $tp50 / $tp99 us | $yp50 / $yp99 us | $sp50 / $sp99 us | $st ms | $rps req/s, p99 $hp99 ms | $srss MB |"
  done
  echo
  prev=
  for r in "${ROWS[@]}"; do
    if [ -n "$prev" ]; then
      read -r n1 _ _ _ s1 tp50a tp99a yp50a yp99a _ <<<"$prev"
      read -r n2 _ _ _ s2 tp50b tp99b yp50b yp99b _ <<<"$r"
      awk -v n1="$n1" -v n2="$n2" -v a="$tp50a" -v b="$tp50b" -v c="$tp99a" -v d="$tp99b" \
          -v e="$yp50a" -v f="$yp50b" -v g="$yp99a" -v h="$yp99b" -v s1="$s1" -v s2="$s2" 'BEGIN {
        l = log(n2 / n1)
        printf "%d -> %d talks (x%.1f): latency ~ N^k with k = topics p50 %.2f, p99 %.2f; typing p50 %.2f, p99 %.2f; index size k = %.2f\n",
          n1, n2, n2 / n1, log(b / a) / l, log(d / c) / l, log(f / e) / l, log(h / g) / l, log(s2 / s1) / l }'
    fi
    prev=$r
  done
} | tee "${OUT:-/dev/null}"
