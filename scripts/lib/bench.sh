# Shared by scripts/loadtest.sh, growth.sh and replicas.sh (sourced, not run): options, tools,
# the release build, and small helpers. Expects `set -euo pipefail` and $0 to be the script.

NAME=$(basename "$0")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${TALKSEARCH_CORPUS:-$ROOT/../shared/data/talks.jsonl}
QUERIES=$ROOT/../shared/queries
OUT=
BIN=$ROOT/target/release/talksearch

# The script's usage: its comment lines from `# usage:` up to the first line without `#  `.
usage() {
  awk '/^# usage:/ {on = 1} on && !/^# (usage:| )/ {exit} on {sub(/^# /, ""); print}' "$0" >&2
  exit "${1:-2}"
}
die() { echo "$NAME: $*" >&2; exit 1; }
log() { echo "$*" >&2; }

# common_option "$@": handles --corpus, --queries, --out, --help; sets SHIFT to what it used.
common_option() {
  case $1 in
    --corpus) CORPUS=${2:?--corpus takes a file}; SHIFT=2 ;;
    --queries) QUERIES=${2:?--queries takes a directory}; SHIFT=2 ;;
    --out) OUT=${2:?--out takes a file}; SHIFT=2 ;;
    -h|--help) usage 0 ;;
    *) echo "$NAME: unknown argument $1" >&2; usage ;;
  esac
}

# check_inputs QUERY-FILE...: the corpus and the named query files exist; makes paths absolute.
check_inputs() {
  [ -r "$CORPUS" ] || die "no corpus at $CORPUS (set --corpus or TALKSEARCH_CORPUS)"
  local f
  for f in "$@"; do [ -r "$QUERIES/$f" ] || die "no $QUERIES/$f (set --queries DIR)"; done
  CORPUS=$(realpath "$CORPUS")
  QUERIES=$(realpath "$QUERIES")
}

# need_tools TOOL...: installs each missing one from Debian (apt-get; needs root).
need_tools() {
  local tool
  for tool in "$@"; do
    if type -P "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ]; then continue; fi
    log "installing $tool (apt-get)..."
    { apt-get install -y -qq "$tool" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }; } \
      || die "could not install $tool: run 'apt-get install $tool' as root"
  done
}

# need_build EXAMPLE...: brings the release binary and the named examples up to date with the
# source (cargo build --release: quick when nothing changed), so a run never measures a stale one.
need_build() {
  local e args=()
  for e in "$@"; do args+=(--example "$e"); done
  log "cargo build --release (up to date with the source)..."
  (cd "$ROOT" && cargo build --release --quiet --bin talksearch "${args[@]}") || die "cargo build failed"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; } # field NAME "k=v k=v ..."
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
vmhwm_mb() { awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
# wait_up URL [PID] [TEXT]: until URL answers 200 (with TEXT in the body), at most 60 s.
wait_up() {
  local i
  for i in $(seq 1 600); do
    if curl -sf "$1" 2>/dev/null | grep -q "${3:-}"; then return 0; fi
    if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then die "server for $1 died"; fi
    sleep 0.1
  done
  die "$1 did not come up within 60 s"
}
