#!/usr/bin/env bash
# Import benchmark: generate a synthetic town of N people (default 1,000,000)
# and import its registry and members into a fresh SQLite file and a fresh
# PostgreSQL database, printing rows/s for each. Figures go to BENCHMARKS.md.
#
#   bash scripts/bench-import.sh [PEOPLE] [POSTGRES_URL]
#
# POSTGRES_URL defaults to postgres://postgres@127.0.0.1:5432/onshi_bench; the
# database is dropped and recreated, so never point it at real data.
set -euo pipefail
cd "$(dirname "$0")/.."

people="${1:-1000000}"
pg_url="${2:-postgres://postgres@127.0.0.1:5432/onshi_bench}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --locked -p onshi-cli
onshi="target/release/onshi"
[ -n "${CARGO_TARGET_DIR:-}" ] && onshi="$CARGO_TARGET_DIR/release/onshi"

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "== synth: $people people"
"$onshi" synth --people "$people" --seed 1 --as-of 2026-11-21 --out "$work/town" -q

echo "== SQLite (embedded, WAL)"
db="sqlite://$work/onshi.db"
"$onshi" registry import "$work/town/registry.csv" --db "$db" -q
"$onshi" members import "$work/town/members.csv" --db "$db" -q
echo "-- again (idempotent: nothing changes)"
"$onshi" registry import "$work/town/registry.csv" --db "$db" -q
"$onshi" members import "$work/town/members.csv" --db "$db" -q

echo "== PostgreSQL ($pg_url)"
admin_url="${pg_url%/*}/postgres"
dbname="${pg_url##*/}"
psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $dbname" -c "CREATE DATABASE $dbname"
"$onshi" registry import "$work/town/registry.csv" --db "$pg_url" -q
"$onshi" members import "$work/town/members.csv" --db "$pg_url" -q
echo "-- again (idempotent: nothing changes)"
"$onshi" registry import "$work/town/registry.csv" --db "$pg_url" -q
"$onshi" members import "$work/town/members.csv" --db "$pg_url" -q
