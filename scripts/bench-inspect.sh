#!/usr/bin/env bash
# Total inspection benchmark (issue 8): N residents and N members, each
# member linked to its resident (1 in 15,000 to another person), written
# straight into a fresh SQLite file and a fresh PostgreSQL database by the
# generator `crates/store/examples/inspection_data.rs`; then `onshi inspect`
# on each under /usr/bin/time -v (wall time and peak memory). Figures go to
# BENCHMARKS.md.
#
#   bash scripts/bench-inspect.sh [MEMBERS] [POSTGRES_URL]
#
# MEMBERS defaults to 15,700,000 (the 2023 inspection); the SQLite file needs
# about 550 bytes a member. POSTGRES_URL defaults to
# postgres://postgres@127.0.0.1:5432/onshi_inspect_bench; the database is
# dropped and recreated, so never point it at real data. Set SKIP_POSTGRES=1
# to measure SQLite only.
set -euo pipefail
cd "$(dirname "$0")/.."

members="${1:-15700000}"
pg_url="${2:-postgres://postgres@127.0.0.1:5432/onshi_inspect_bench}"
work="${BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$work"

cargo build --release --locked -p onshi-cli
cargo build --release --locked -p onshi-store --features sqlite --example inspection_data
target="${CARGO_TARGET_DIR:-target}"
onshi="$target/release/onshi"
generate="$target/release/examples/inspection_data"

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "== SQLite: $members members"
rm -f "$work/inspect.db" "$work/inspect.db-wal" "$work/inspect.db-shm"
/usr/bin/time -f "generated in %e s" "$generate" sqlite "$work/inspect.db" "$members" 2>&1 | tail -1
for run in first again; do
    echo "-- $run run"
    /usr/bin/time -v "$onshi" inspect --db "sqlite://$work/inspect.db" --out "$work/sqlite.csv" -q 2>"$work/time.txt"
    grep -E "Elapsed|Maximum resident|Percent of CPU" "$work/time.txt"
done

[ "${SKIP_POSTGRES:-0}" = 1 ] && exit 0
echo "== PostgreSQL ($pg_url): $members members"
admin_url="${pg_url%/*}/postgres"
dbname="${pg_url##*/}"
psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $dbname" -c "CREATE DATABASE $dbname"
"$onshi" migrate --db "$pg_url" >/dev/null
started=$(date +%s)
# Bulk load: secondary indexes and foreign keys are rebuilt after COPY.
psql -q "$pg_url" -v ON_ERROR_STOP=1 <<'SQL'
ALTER TABLE members DROP CONSTRAINT members_person_id_fkey, DROP CONSTRAINT members_insurer_number_fkey;
DROP INDEX residents_match_key, members_person_id, members_waiting, members_link_suspended;
SQL
"$generate" insurers | psql -q "$pg_url" -c "COPY insurers (insurer_number, kind) FROM STDIN"
"$generate" copy-residents "$members" | psql -q "$pg_url" -c \
    "COPY residents (resident_code, my_number, name_kanji, name_kana, birth_date, sex, address, match_key) FROM STDIN"
"$generate" copy-members "$members" | psql -q "$pg_url" -c \
    "COPY members (insurer_number, symbol, number, branch, relationship, name_kanji, name_kana, birth_date, sex,
                   address, my_number, copay_ratio, acquired_on, person_id, link_method, link_state) FROM STDIN"
psql -q "$pg_url" -v ON_ERROR_STOP=1 <<'SQL'
CREATE INDEX residents_match_key ON residents (match_key);
CREATE INDEX members_person_id ON members (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX members_waiting ON members (my_number) WHERE person_id IS NULL AND my_number IS NOT NULL;
CREATE INDEX members_link_suspended ON members (member_id) WHERE link_state = 'suspended';
ALTER TABLE members ADD CONSTRAINT members_person_id_fkey FOREIGN KEY (person_id) REFERENCES residents (person_id),
                    ADD CONSTRAINT members_insurer_number_fkey FOREIGN KEY (insurer_number) REFERENCES insurers (insurer_number);
VACUUM ANALYZE;
SQL
echo "generated in $(( $(date +%s) - started )) s"
for run in first again; do
    echo "-- $run run"
    /usr/bin/time -v "$onshi" inspect --db "$pg_url" --out "$work/postgres.csv" -q 2>"$work/time.txt"
    grep -E "Elapsed|Maximum resident|Percent of CPU" "$work/time.txt"
done
