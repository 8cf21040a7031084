#!/usr/bin/env bash
# Growth: how index time, index size, latency and memory grow with the corpus.
#
# usage: scripts/growth.sh [--sizes 21713,100000,1000000] [--rounds N] [--seed S]
#                          [--corpus FILE] [--queries DIR] [--out FILE]
#
# 1. For each size N: `examples/grow.rs` makes an N-talk corpus from the real one (the corpus
#    itself, then generated talks; deterministic for a seed), `talksearch index` builds it (wall
#    time and peak RSS by /usr/bin/time), the corpus file is deleted, the index size measured.
# 2. In-process latency (examples/query_mix.rs, --rounds rounds, default 5, after a warm-up
#    round) of the topics and typing mixes (as /api/search runs them: 10 hits, snippets, prefix
#    matching) and of suggest, plus the time to open the index and warm its vocabulary and
#    suggester; all sizes back to back, in two passes (in order, then reversed), keeping the
#    lower figure of the two: load from elsewhere only adds time.
# 3. Start-up to the first /healthz 200, and the peak RSS of `talksearch serve` (result cache off, so
#    every request is ranked) after a 10 s wrk
#    run of the topics mix over HTTP (1 thread, 8 connections), once its background warm-up
#    (vocabulary, suggester, facet arrays) is done.
# Prints a table and, between successive sizes, the growth exponent k of p50 and p99
# (latency ~ N^k: k < 1 is sub-linear). All indexes are kept until phase 3: needs about 2.5 GB
# free with the 1M size; takes about 5 minutes with the defaults on an idle 2-core machine
# (most of it building the 1M index), over 30 on a busy one.
set -euo pipefail

. "$(dirname "$0")/lib/bench.sh"
SIZES=21713,100000,1000000
ROUNDS=5
SEED=1
while [ $# -gt 0 ]; do
  case $1 in
    --sizes) SIZES=${2:?}; shift 2 ;;
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --seed) SEED=${2:?}; shift 2 ;;
    *) common_option "$@"; shift "$SHIFT" ;;
  esac
done
[[ $SIZES =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--sizes takes whole numbers separated by commas"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] || die "--rounds takes a whole number"
[[ $SEED =~ ^[0-9]+$ ]] || die "--seed takes a whole number"
check_inputs topics.txt typing.txt
need_tools wrk time curl
need_build query_mix grow

TMP=$(mktemp -d "${TMPDIR:-/tmp}/talksearch-growth.XXXXXX")
largest=$(tr ',' '\n' <<<"$SIZES" | sort -n | tail -1)
total=$(( ${SIZES//,/+} ))
need_mb=$(( total * 1100 / 1000000 + largest * 1000 / 1000000 + 200 )) # indexes kept + largest corpus
free_mb=$(df -Pm "$TMP" | awk 'NR==2 {print $4}')
[ "$free_mb" -ge "$need_mb" ] || { rmdir "$TMP"; die "needs about $need_mb MB free in $(dirname "$TMP"), has $free_mb MB"; }
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "machine: $(nproc) cores, load $LOAD0; sizes $SIZES; free disk $free_mb MB"
declare -A B # results: B[N.key]
# Phase 1: corpora and indexes (each corpus file deleted once indexed).
for N in ${SIZES//,/ }; do
  C=$TMP/corpus-$N.jsonl
  IDX=$TMP/index-$N
  "$ROOT/target/release/examples/grow" --talks "$N" --out "$C" --seed "$SEED" --corpus "$CORPUS" 2>"$TMP/grow.log" \
    || { cat "$TMP/grow.log" >&2; die "grow failed"; }
  B[$N.words]=$(sed -n 's/.*, \([0-9]*\) distinct words.*/\1/p' "$TMP/grow.log")
  log "N=$N: corpus $(du -m "$C" | cut -f1) MB, ${B[$N.words]} distinct words; indexing..."
  /usr/bin/time -f "%e %M" -o "$TMP/time" "$BIN" --index "$IDX" index "$C" >/dev/null 2>"$TMP/index.log" \
    || { cat "$TMP/index.log" >&2; die "talksearch index failed at N=$N"; }
  rm -f "$C"
  read -r build_s build_kb <"$TMP/time"
  B[$N.build_s]=$build_s
  B[$N.build_mb]=$((build_kb / 1024))
  B[$N.size]=$(du -sm "$IDX/$(cat "$IDX/CURRENT")" | cut -f1)
  B[$N.rate]=$(awk -v n="$N" -v s="${B[$N.build_s]}" 'BEGIN {printf "%.0f", n / s}')
  log "N=$N: index ${B[$N.build_s]} s (${B[$N.rate]} talks/s), peak RSS ${B[$N.build_mb]} MB, ${B[$N.size]} MB on disk"
done

# Phase 2: in-process latency, the sizes back to back, twice (in order, then in reverse); the
# lower figure of the two passes is kept, since other work on the machine only adds time.
ORDER=${SIZES//,/ }
REVERSE=$(tr ' ' '\n' <<<"$ORDER" | tac | paste -sd' ')
keep_min() { # KEY VALUE
  if [ -z "${B[$1]:-}" ] || awk -v a="$2" -v b="${B[$1]}" 'BEGIN {exit !(a < b)}'; then B[$1]=$2; fi
}
for pass in 1 2; do
  [ $pass = 1 ] && list=$ORDER || list=$REVERSE
  for N in $list; do
    out=$("$ROOT/target/release/examples/query_mix" --index "$TMP/index-$N" --rounds "$ROUNDS" \
      "$QUERIES/topics.txt" "$QUERIES/typing.txt" --suggest "$QUERIES/typing.txt")
    t=$(grep 'name=topics' <<<"$out"); y=$(grep 'name=typing.*kind=search' <<<"$out"); s=$(grep 'kind=suggest' <<<"$out")
    for k in p50_us p99_us; do
      keep_min "$N.topics.$k" "$(field $k "$t")"
      keep_min "$N.typing.$k" "$(field $k "$y")"
      keep_min "$N.suggest.$k" "$(field $k "$s")"
    done
    keep_min "$N.open_ms" "$(field ms "$(grep '^OPEN' <<<"$out")")"
    log "pass $pass N=$N: topics p50 $(field p50_us "$t") us p99 $(field p99_us "$t") us; typing p50 $(field p50_us "$y") us p99 $(field p99_us "$y") us; suggest p50 $(field p50_us "$s") us p99 $(field p99_us "$s") us; open+warm $(field ms "$(grep '^OPEN' <<<"$out")") ms"
  done
done

# Phase 3: serve: start-up, then (warm) peak RSS after 10 s of the topics mix over HTTP.
python3 "$ROOT/scripts/peers/urls.py" make --engine talksearch --endpoint search "$QUERIES/topics.txt" "$TMP/urls"
for N in $ORDER; do
  IDX=$TMP/index-$N
  PORT=$(free_port)
  st=$(python3 "$ROOT/scripts/peers/startup.py" --url "http://127.0.0.1:$PORT/healthz" --runs 3 -- \
    "$BIN" --index "$IDX" serve --addr "127.0.0.1:$PORT")
  B[$N.startup]=$(field median "$st")
  RUST_LOG=warn "$BIN" --index "$IDX" serve --addr "127.0.0.1:$PORT" --cache-entries 0 >"$TMP/serve.log" 2>&1 &
  SERVER=$!
  wait_up "http://127.0.0.1:$PORT/healthz" "$SERVER"
  python3 "$ROOT/scripts/peers/urls.py" check --base "http://127.0.0.1:$PORT" "$TMP/urls" || die "non-200 at N=$N"
  # Serving is measured warm: these wait for the rest of the background warm-up (the suggester,
  # then the facet arrays), which at 1M talks takes seconds and would share the cores with wrk.
  curl -sf --max-time 300 "http://127.0.0.1:$PORT/api/suggest?q=py" >/dev/null || die "suggest failed at N=$N"
  curl -sf --max-time 300 "http://127.0.0.1:$PORT/api/search?q=python&facets=event,year,speaker,tag,language" \
    >/dev/null || die "facets failed at N=$N"
  w=$(URLS=$TMP/urls wrk -t1 -c8 -d10s -s "$ROOT/scripts/peers/rotate.lua" "http://127.0.0.1:$PORT" | grep '^RESULT') \
    || die "wrk gave no result"
  B[$N.serve_mb]=$(vmhwm_mb "$SERVER")
  B[$N.rps]=$(field rps "$w"); B[$N.http_p99]=$(field p99_ms "$w")
  B[$N.errors]=$(( $(field non2xx "$w") + $(field sockerr "$w") ))
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
  log "N=$N: start-up ${B[$N.startup]} ms; HTTP topics ${B[$N.rps]} req/s p99 ${B[$N.http_p99]} ms, ${B[$N.errors]} errors; serve peak RSS ${B[$N.serve_mb]} MB"
  rm -rf "$IDX"
done

{
  echo
  echo "machine: $(nproc) cores; load average at the start $LOAD0, at the end $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ); seed $SEED, $ROUNDS rounds"
  echo
  echo "| talks | distinct words | index build | talks/s | build peak RSS | index size | topics p50 / p99 | typing p50 / p99 | suggest p50 / p99 | open + warm-up | start-up to /healthz | HTTP topics (wrk 1x8) | serve peak RSS |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for N in $ORDER; do
    echo "| $N | ${B[$N.words]} | ${B[$N.build_s]} s | ${B[$N.rate]} | ${B[$N.build_mb]} MB | ${B[$N.size]} MB |" \
      "${B[$N.topics.p50_us]} / ${B[$N.topics.p99_us]} us | ${B[$N.typing.p50_us]} / ${B[$N.typing.p99_us]} us |" \
      "${B[$N.suggest.p50_us]} / ${B[$N.suggest.p99_us]} us | ${B[$N.open_ms]} ms | ${B[$N.startup]} ms |" \
      "${B[$N.rps]} req/s, p99 ${B[$N.http_p99]} ms, ${B[$N.errors]} errors | ${B[$N.serve_mb]} MB |"
  done
  echo
  prev=
  for N in $ORDER; do
    if [ -n "$prev" ]; then
      awk -v n1="$prev" -v n2="$N" \
        -v a="${B[$prev.topics.p50_us]}" -v b="${B[$N.topics.p50_us]}" -v c="${B[$prev.topics.p99_us]}" -v d="${B[$N.topics.p99_us]}" \
        -v e="${B[$prev.typing.p50_us]}" -v f="${B[$N.typing.p50_us]}" -v g="${B[$prev.typing.p99_us]}" -v h="${B[$N.typing.p99_us]}" \
        -v i="${B[$prev.suggest.p50_us]}" -v j="${B[$N.suggest.p50_us]}" -v s1="${B[$prev.size]}" -v s2="${B[$N.size]}" 'BEGIN {
        l = log(n2 / n1)
        printf "%d -> %d talks (x%.1f): latency ~ N^k with k = topics p50 %.2f, p99 %.2f; typing p50 %.2f, p99 %.2f; suggest p50 %.2f; index size k = %.2f\n",
          n1, n2, n2 / n1, log(b / a) / l, log(d / c) / l, log(f / e) / l, log(h / g) / l, log(j / i) / l, log(s2 / s1) / l }'
    fi
    prev=$N
  done
} | tee "${OUT:-/dev/null}"
