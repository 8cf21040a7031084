#!/usr/bin/env bash
# Import time of each real fixture, release build: `talksearch index FILE` run RUNS times
# (default 5) into a fresh index directory each time, timed with /usr/bin/time; prints the
# median, min and max wall time and the median peak RSS as a Markdown table. Fixtures that are
# missing (the shared data is not committed) are listed as skipped.
#
# Usage: scripts/import_times.sh [RUNS]
# Env:   TALKSEARCH_SHARED  the shared data directory (default ../shared/data)
#
# The machine is shared with other builds: read the medians as medians of a loaded machine
# and compare figures taken in the same run only.
set -euo pipefail

runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TALKSEARCH_SHARED:-$root/../shared/data}
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin=$root/target/release/talksearch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fixtures=(
  "31C3 schedule (frab XML)|$shared/schedules/31c3-frab-xml/schedule.xml"
  "30C3 schedule (frab JSON)|$shared/schedules/30c3-frab-json/schedule.json"
  "bundled listing (data/pycon-us-2012-lanyrd.txt)|"
  "pyvideo fixture tree (tests/fixtures/pyvideo/tree)|$root/tests/fixtures/pyvideo/tree"
  "corpus (talks.jsonl, JSON Lines)|$shared/talks.jsonl"
)

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "| fixture | talks | median wall s | min | max | median peak RSS MB |"
echo "|---|---:|---:|---:|---:|---:|"
for entry in "${fixtures[@]}"; do
  name=${entry%%|*}
  path=${entry#*|}
  args=()
  if [[ -n $path ]]; then
    if [[ ! -e $path ]]; then
      echo "| $name | skipped: $path is missing | | | | |"
      continue
    fi
    args=("$path")
  fi
  : >"$tmp/walls"
  : >"$tmp/rss"
  talks=?
  for ((i = 0; i < runs; i++)); do
    rm -rf "$tmp/index"
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$bin" --index "$tmp/index" index "${args[@]}" 2>"$tmp/err"
    read -r wall rss <"$tmp/time"
    echo "$wall" >>"$tmp/walls"
    echo "$rss" >>"$tmp/rss"
    talks=$(grep -o 'indexed [0-9]* talks' "$tmp/err" | awk '{ print $2 }')
  done
  med=$(median <"$tmp/walls")
  min=$(sort -g "$tmp/walls" | head -1)
  max=$(sort -g "$tmp/walls" | tail -1)
  rss=$(median <"$tmp/rss" | awk '{ printf "%.0f", $1 / 1024 }')
  echo "| $name | $talks | $med | $min | $max | $rss |"
done
echo
echo "$runs runs each; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
