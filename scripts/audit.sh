#!/usr/bin/env bash
# Supply-chain checks with cargo-deny against the policy in deny.toml.
#
#   scripts/audit.sh               licences, bans and sources (offline; CI runs this)
#   scripts/audit.sh --advisories  also the RustSec advisories (fetches the advisory database
#                                  from GitHub: run it where that is reachable)
#
# Installs cargo-deny from crates.io when it is missing (a few minutes of compiling).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo deny --version >/dev/null 2>&1; then
    echo "audit: installing cargo-deny 0.20.2 from crates.io" >&2
    cargo install cargo-deny --locked --version 0.20.2
fi
# cargo-deny reads every package of Cargo.lock, those of other platforms too (windows-sys ...),
# which a build here never downloads: fetch them all first (crates.io is reachable from CI).
cargo fetch --locked
cargo deny --offline check licenses bans sources
if [ "${1:-}" = "--advisories" ]; then
    cargo deny check advisories
fi
