#!/usr/bin/env bash
# Replicas: stateless `talksearch serve` processes over one index directory behind haproxy,
# throughput with 1 vs 2 replicas, and a re-index swapped in under load with zero errors.
#
# usage: scripts/replicas.sh [--duration SECS] [--rounds N] [--corpus FILE] [--queries DIR] [--out FILE]
#
# 1. Installs haproxy and wrk (apt-get) if missing, builds the release binary and the grow
#    example if missing; builds one index of the corpus in a temp dir.
# 2. Starts two replicas (`talksearch --index DIR serve`, ports of their own) over that one
#    directory, and two haproxy instances (one thread each, leastconn, keep-alive to the
#    replicas, health check GET /healthz): one with replica 1 only, one with both.
# 3. Throughput of the topics mix (wrk 1 thread / 8 connections, --duration s, default 15):
#    straight to replica 1, through haproxy to 1 replica, through haproxy to 2 replicas;
#    alternated --rounds times (default 2), medians printed.
# 4. Re-index under load: while wrk drives the 2-replica proxy for 25 s, a new index of a
#    different corpus (the corpus plus 1,000 generated talks) is built once in the same directory
#    and published (the atomic CURRENT swap); scripts/peers/watch_switch.py reports when each
#    replica answers with the new talk count, and wrk must see zero non-2xx and socket errors.
# 5. Copy-and-swap under load, as onto another machine: a generation built elsewhere (of the
#    original corpus) is copied into the directory and published by renaming a new CURRENT
#    over the old one by hand, while wrk runs 15 s; no build competes for the cores here, so a
#    latency spike there comes from the replicas opening the new generation.
# Everything started is stopped and the temp dir removed at the end. About 3-4 minutes.
set -euo pipefail

. "$(dirname "$0")/lib/bench.sh"
DURATION=15
ROUNDS=2
LOADED=25
while [ $# -gt 0 ]; do
  case $1 in
    --duration) DURATION=${2:?}; shift 2 ;;
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    *) common_option "$@"; shift "$SHIFT" ;;
  esac
done
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 ]] || die "--duration takes whole seconds"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] || die "--rounds takes a whole number"
check_inputs topics.txt
need_tools wrk haproxy curl
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
need_build grow
GROW=$ROOT/target/release/examples/grow

TMP=$(mktemp -d "${TMPDIR:-/tmp}/talksearch-replicas.XXXXXX")
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "machine: $(nproc) cores, load $LOAD0; $("$HAPROXY" -v | head -1)"
IDX=$TMP/index
"$BIN" --index "$IDX" index "$CORPUS" >/dev/null 2>"$TMP/index.log" || { cat "$TMP/index.log" >&2; die "index failed"; }
TALKS=$(grep -c . "$CORPUS")
NEW_TALKS=$((TALKS + 1000))
"$GROW" --talks "$NEW_TALKS" --out "$TMP/corpus2.jsonl" --corpus "$CORPUS" 2>/dev/null || die "grow failed"
"$BIN" --index "$TMP/elsewhere" index "$CORPUS" >/dev/null 2>"$TMP/index.log" || { cat "$TMP/index.log" >&2; die "index failed"; }

P1=$(free_port); P2=$(free_port)
for p in "$P1" "$P2"; do
  RUST_LOG=warn "$BIN" --index "$IDX" serve --addr "127.0.0.1:$p" >"$TMP/replica-$p.log" 2>&1 &
  PIDS+=($!)
  wait_up "http://127.0.0.1:$p/healthz" "$!"
done
haproxy_cfg() { # PORT SERVER-PORT...
  local port=$1; shift
  cat <<EOF
global
    nbthread 1
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
    http-reuse always
frontend web
    bind 127.0.0.1:$port
    default_backend replicas
backend replicas
    balance leastconn
    option httpchk GET /healthz
EOF
  local i=0 p
  for p in "$@"; do i=$((i + 1)); echo "    server r$i 127.0.0.1:$p check inter 1s"; done
}
H1=$(free_port); H2=$(free_port)
haproxy_cfg "$H1" "$P1" >"$TMP/haproxy-1.cfg"
haproxy_cfg "$H2" "$P1" "$P2" >"$TMP/haproxy-2.cfg"
for n in 1 2; do
  "$HAPROXY" -db -f "$TMP/haproxy-$n.cfg" >"$TMP/haproxy-$n.log" 2>&1 &
  PIDS+=($!)
done
wait_up "http://127.0.0.1:$H1/healthz" "${PIDS[-2]}"
wait_up "http://127.0.0.1:$H2/healthz" "${PIDS[-1]}"

URLS=$TMP/urls
python3 "$ROOT/scripts/peers/urls.py" make --engine talksearch --endpoint search "$QUERIES/topics.txt" "$URLS"
for base in "http://127.0.0.1:$P1" "http://127.0.0.1:$P2" "http://127.0.0.1:$H2"; do
  python3 "$ROOT/scripts/peers/urls.py" check --base "$base" "$URLS" || die "non-200 from $base"
done
run_wrk() { # BASE SECONDS -> RESULT line
  URLS=$URLS wrk -t1 -c8 -d"$2s" -s "$ROOT/scripts/peers/rotate.lua" "$1" | grep '^RESULT' || die "wrk gave no result"
}

declare -A RPS P99 ERR
for r in $(seq 1 "$ROUNDS"); do
  for setup in direct proxy1 proxy2; do
    case $setup in direct) base=http://127.0.0.1:$P1 ;; proxy1) base=http://127.0.0.1:$H1 ;; proxy2) base=http://127.0.0.1:$H2 ;; esac
    out=$(run_wrk "$base" "$DURATION")
    RPS[$setup]+="$(field rps "$out") "; P99[$setup]+="$(field p99_ms "$out") "
    ERR[$setup]=$(( ${ERR[$setup]:-0} + $(field non2xx "$out") + $(field sockerr "$out") ))
    log "round $r $setup: $(field rps "$out") req/s, p50 $(field p50_ms "$out") ms, p99 $(field p99_ms "$out") ms, errors $(( $(field non2xx "$out") + $(field sockerr "$out") ))"
  done
done

# Re-index under load through the 2-replica proxy.
log "re-index under load: ${LOADED} s of wrk through haproxy (2 replicas), a new index of $NEW_TALKS talks published at ~5 s"
URLS=$URLS wrk -t1 -c8 -d"${LOADED}s" -s "$ROOT/scripts/peers/rotate.lua" "http://127.0.0.1:$H2" >"$TMP/loaded.out" &
WRK=$!; PIDS+=("$WRK")
python3 "$ROOT/scripts/peers/watch_switch.py" --index "$IDX" --talks "$NEW_TALKS" --timeout $((LOADED + 60)) \
  "http://127.0.0.1:$P1" "http://127.0.0.1:$P2" >"$TMP/switch.out" &
WATCH=$!; PIDS+=("$WATCH")
sleep 5
start=$(date +%s.%N)
"$BIN" --index "$IDX" index "$TMP/corpus2.jsonl" >/dev/null 2>"$TMP/index2.log" || { cat "$TMP/index2.log" >&2; die "re-index failed"; }
reindex_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
wait "$WATCH" || die "the replicas did not all switch: $(cat "$TMP/switch.out")"
wait "$WRK" || true
loaded=$(grep '^RESULT' "$TMP/loaded.out") || die "wrk under re-index gave no result"
loaded_err=$(( $(field non2xx "$loaded") + $(field sockerr "$loaded") ))
switches=$(grep '^SWITCHED' "$TMP/switch.out" | sed 's/.*after_ms=\([0-9]*\)/\1 ms/' | paste -sd, - | sed 's/,/, /g')
gens=$(find "$IDX" -maxdepth 1 -name 'gen-*' | wc -l)

# Copy-and-swap under load: no build on this machine.
log "copy-and-swap under load: 15 s of wrk through haproxy (2 replicas), a generation copied in and published at ~5 s"
URLS=$URLS wrk -t1 -c8 -d15s -s "$ROOT/scripts/peers/rotate.lua" "http://127.0.0.1:$H2" >"$TMP/swap.out" &
WRK=$!; PIDS+=("$WRK")
python3 "$ROOT/scripts/peers/watch_switch.py" --index "$IDX" --talks "$TALKS" --timeout 60 \
  "http://127.0.0.1:$P1" "http://127.0.0.1:$P2" >"$TMP/swap-switch.out" &
WATCH=$!; PIDS+=("$WATCH")
sleep 5
gen=$(cat "$TMP/elsewhere/CURRENT")
cp -r "$TMP/elsewhere/$gen" "$IDX/$gen"
echo "$gen" >"$IDX/CURRENT.tmp" && sync && mv "$IDX/CURRENT.tmp" "$IDX/CURRENT"
wait "$WATCH" || die "the replicas did not all switch: $(cat "$TMP/swap-switch.out")"
wait "$WRK" || true
swap=$(grep '^RESULT' "$TMP/swap.out") || die "wrk under copy-and-swap gave no result"
swap_err=$(( $(field non2xx "$swap") + $(field sockerr "$swap") ))
swap_switches=$(grep '^SWITCHED' "$TMP/swap-switch.out" | sed 's/.*after_ms=\([0-9]*\)/\1 ms/' | paste -sd, - | sed 's/,/, /g')
# The same 15 s with no swap, for comparison.
quiet=$(run_wrk "http://127.0.0.1:$H2" 15)

for p in "$P1" "$P2"; do
  t=$(curl -sf "http://127.0.0.1:$p/healthz" | sed -n 's/.*"talks":\([0-9]*\).*/\1/p')
  [ "$t" = "$TALKS" ] || die "replica on $p serves $t talks, not $TALKS"
done

med() { tr ' ' '\n' <<<"$1" | grep . | median | awk '{printf "%.1f", $1}'; }
{
  echo
  echo "machine: $(nproc) cores; load average at the start $LOAD0, at the end $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "topics mix, wrk 1 thread / 8 keep-alive connections, $DURATION s x $ROUNDS rounds (median)"
  echo
  echo "| setup | req/s | p99 | non-2xx + socket errors |"
  echo "|---|---|---|---|"
  echo "| 1 replica, direct | $(med "${RPS[direct]}") | $(med "${P99[direct]}") ms | ${ERR[direct]} |"
  echo "| 1 replica behind haproxy | $(med "${RPS[proxy1]}") | $(med "${P99[proxy1]}") ms | ${ERR[proxy1]} |"
  echo "| 2 replicas behind haproxy | $(med "${RPS[proxy2]}") | $(med "${P99[proxy2]}") ms | ${ERR[proxy2]} |"
  echo
  echo "re-index under load ($LOADED s through haproxy to 2 replicas): $(field requests "$loaded") requests," \
    "$(field rps "$loaded") req/s, p99 $(field p99_ms "$loaded") ms, max $(field max_ms "$loaded") ms," \
    "$loaded_err non-2xx + socket errors;" \
    "index of $NEW_TALKS talks built and published in $reindex_s s; replicas switched $switches after the" \
    "CURRENT swap; $gens generation directories left (new + previous)"
  echo
  echo "copy-and-swap under load (15 s, a generation copied in and CURRENT renamed by hand):" \
    "$(field requests "$swap") requests, $(field rps "$swap") req/s, p99 $(field p99_ms "$swap") ms," \
    "max $(field max_ms "$swap") ms, $swap_err non-2xx + socket errors; replicas switched $swap_switches" \
    "after the swap. The same 15 s without a swap: $(field rps "$quiet") req/s, p99 $(field p99_ms "$quiet") ms," \
    "max $(field max_ms "$quiet") ms."
} | tee "${OUT:-/dev/null}"
[ "$loaded_err" = 0 ] || die "errors during the re-index under load"
[ "$swap_err" = 0 ] || die "errors during the copy-and-swap under load"
