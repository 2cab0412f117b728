#!/usr/bin/env bash
# Run every test of onshi: the workspace's unit and integration tests (the
# storage suite on both SQLite and PostgreSQL), the end-to-end tests that
# spawn the binary, the browser tests in headless Chromium, and the card
# emulator under a real PC/SC stack (its own pcscd with vsmartcard-vpcd, and
# OpenSC; this one needs root), the tools installed from Debian's packages
# when missing. PostgreSQL must be reachable; this
# script fails rather than skip the PostgreSQL half of the storage suite.
set -euo pipefail
cd "$(dirname "$0")/.."

export ONSHI_TEST_POSTGRES_URL="${ONSHI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
hostport="${ONSHI_TEST_POSTGRES_URL#*@}"
hostport="${hostport%%/*}"
host="${hostport%%:*}"
port="${hostport##*:}"
[ "$port" = "$host" ] && port=5432
if ! (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
    echo "error: PostgreSQL is not reachable at $host:$port (ONSHI_TEST_POSTGRES_URL=$ONSHI_TEST_POSTGRES_URL)" >&2
    echo "start it (e.g. pg_ctlcluster 15 main start) or point ONSHI_TEST_POSTGRES_URL at a server" >&2
    exit 1
fi

bash scripts/ensure-tools.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked --features onshi-cli/pcsc -- -D warnings
echo "== cargo test (storage suite on SQLite and PostgreSQL at $host:$port)"
cargo test --workspace --all-targets --locked --features onshi-cli/pcsc
echo "== all tests passed"
