#!/usr/bin/env bash
# The one test command: installs what the tests need (idempotent), then runs
# the same checks CI runs: formatting, clippy, docs, and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
echo "== cargo test"
cargo test --workspace --locked -- --test-threads="${PGARK_TEST_THREADS:-4}"
