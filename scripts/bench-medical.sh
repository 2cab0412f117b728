#!/usr/bin/env bash
# Medical-information benchmarks (issue 6), on SQLite and PostgreSQL:
#  1. the import rate of claims-derived records: a synthetic town of N people
#     (default 20,000, about 840,000 records) with `onshi synth --medical`,
#     its registry and members imported first, then `onshi medical import`
#     timed into a fresh SQLite file and a fresh PostgreSQL database (and once
#     more, when every record is unchanged);
#  2. drug-history reads with logging for a patient with 200 dispensing
#     records: each read checks staff, link and consent, reads the records
#     and appends to the patient's signed access-log chain before answering
#     (`crates/app/examples/bench_medical_read.rs`), reads/s and p50/p99.
#
#   bash scripts/bench-medical.sh [PEOPLE] [POSTGRES_URL]
#
# POSTGRES_URL defaults to postgres://postgres@127.0.0.1:5432/onshi_bench; the
# database is dropped and recreated, so never point it at real data. The
# read benchmark uses a schema of its own in the `test` database beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

people="${1:-20000}"
pg_url="${2:-postgres://postgres@127.0.0.1:5432/onshi_bench}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --locked -p onshi-cli
cargo build --release --locked -p onshi-app --example bench_medical_read
target="${CARGO_TARGET_DIR:-target}"
onshi="$target/release/onshi"
reads="$target/release/examples/bench_medical_read"

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "== synth: $people people with medical histories"
"$onshi" synth --people "$people" --seed 1 --as-of 2026-11-21 --medical --out "$work/town" -q
echo "medical.jsonl: $(wc -l < "$work/town/medical.jsonl") records, $(du -h "$work/town/medical.jsonl" | cut -f1)"

import_all() {
    local db="$1"
    "$onshi" registry import "$work/town/registry.csv" --db "$db" -q > /dev/null
    "$onshi" members import "$work/town/members.csv" --db "$db" -q > /dev/null
    "$onshi" facilities import "$work/town/facilities.csv" --db "$db" -q > /dev/null
    echo "-- medical import"
    "$onshi" medical import "$work/town/medical.jsonl" --db "$db" -q
    echo "-- again (idempotent: nothing changes)"
    "$onshi" medical import "$work/town/medical.jsonl" --db "$db" -q
}

echo "== SQLite (embedded, WAL)"
import_all "sqlite://$work/onshi.db"

echo "== PostgreSQL ($pg_url)"
admin_url="${pg_url%/*}/postgres"
dbname="${pg_url##*/}"
psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $dbname" -c "CREATE DATABASE $dbname"
import_all "$pg_url"

echo "== drug-history reads with logging (one patient, 200 records)"
for concurrency in 1 4; do
    "$reads" --db sqlite --patients 1 --records 200 --concurrency "$concurrency" --seconds 10
    "$reads" --db "${pg_url%/*}/test" --patients 1 --records 200 --concurrency "$concurrency" --seconds 10
done
echo "== the same over 1,000 patients (appends to different chains)"
"$reads" --db sqlite --patients 1000 --records 200 --concurrency 4 --seconds 10
"$reads" --db "${pg_url%/*}/test" --patients 1000 --records 200 --concurrency 8 --seconds 10
