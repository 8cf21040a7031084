#!/usr/bin/env bash
# Browser test of the search page and /widget.js in a real headless Chromium.
#
#   bash tests/browser/run.sh
#
# Installs what it needs (Debian's chromium, playwright-core from npm into
# tests/browser/node_modules), builds the release binary (TALKSEARCH_BIN=path uses that one
# instead), indexes the fixture talks into a temporary directory, serves them on a free loopback
# port, runs test.mjs with node's test runner, and always stops the server. Screenshots go to
# tests/browser/screenshots/; UPDATE_SCREENSHOT=1 also copies the desktop one to
# docs/screenshot.png.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if [ ! -x /usr/bin/chromium ]; then
    echo "browser test: installing chromium" >&2
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
    echo "browser test: installing nodejs and npm" >&2
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
fi
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
    echo "browser test: installing playwright-core" >&2
    (cd "$here" && npm install --no-save --no-package-lock --no-audit --no-fund "playwright-core@^1.65")
fi

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# A private copy of the binary: the target directory may be shared with other builds.
if [ -n "${TALKSEARCH_BIN:-}" ]; then
    cp "$TALKSEARCH_BIN" "$tmp/talksearch"
else
    cargo build --release --locked --quiet
    cp "${CARGO_TARGET_DIR:-$root/target}/release/talksearch" "$tmp/talksearch"
fi
bin="$tmp/talksearch"

cat tests/fixtures/talks.jsonl tests/browser/fixture.jsonl > "$tmp/talks.jsonl"
"$bin" --index "$tmp/index" index "$tmp/talks.jsonl" > "$tmp/index.log" 2>&1 || { cat "$tmp/index.log"; exit 1; }

free_port() {
    node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
port="$(free_port)"
# The widget test serves its host page from this other origin (test.mjs starts that server).
widget_origin="http://127.0.0.1:$(free_port)"
"$bin" --index "$tmp/index" serve --addr "127.0.0.1:$port" --cors-origin "$widget_origin" > "$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$tmp/server.log"; exit 1; fi
    sleep 0.1
done

status=0
TALKSEARCH_URL="http://127.0.0.1:$port" WIDGET_ORIGIN="$widget_origin" \
    node --test --test-reporter=spec "$here/test.mjs" || status=$?
if [ "$status" -ne 0 ]; then
    echo "browser test failed; server log:" >&2
    tail -n 40 "$tmp/server.log" >&2
    exit "$status"
fi
if [ "${UPDATE_SCREENSHOT:-}" = 1 ]; then
    cp "$here/screenshots/desktop.png" docs/screenshot.png
    echo "browser test: updated docs/screenshot.png" >&2
fi
