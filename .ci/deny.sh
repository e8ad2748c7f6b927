#!/usr/bin/env bash
# cargo-deny (deny.toml): licenses, bans and sources always; advisories
# when the RustSec database can be fetched. This machine cannot reach
# GitHub, so there the advisories check says so and is skipped rather than
# failing every run; anywhere with network it runs and fails on a new
# advisory. Installs cargo-deny (pinned) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -q "$VERSION"; then
  echo "installing cargo-deny $VERSION (once per machine)"
  cargo install cargo-deny --locked --version "$VERSION"
fi
# cargo-deny reads `cargo metadata` offline, which needs every locked
# package of every platform in the local cache (a build only fetches this
# one's): fetch them first (a no-op when they are all there).
cargo fetch --locked --quiet
cargo deny --log-level error --offline --locked check bans licenses sources
if timeout 20 git ls-remote --exit-code https://github.com/RustSec/advisory-db HEAD >/dev/null 2>&1; then
  cargo deny --log-level error --locked check advisories
else
  echo "cargo-deny: the RustSec advisory database (github.com) is unreachable from here;" \
       "advisories NOT checked this run (RUSTSEC-2023-0071, rsa, is acknowledged in deny.toml)"
fi
