#!/usr/bin/env bash
# Online eligibility under load (issue 4): generate a synthetic town of N
# people (default 1,000,000), import its registry, members and facilities into
# a fresh SQLite file and a fresh PostgreSQL database, issue CARDS My Number
# cards (default 200) and one facility client in each, start `onshi serve`
# (release) on a free loopback port, and run `onshi-loadgen` against it:
# insured-number checks, card checks with the cards' signatures made inline by
# the generator, and card checks with the signatures made while the server is
# idle (`--presign`). Ends with `openssl speed -seconds 5 rsa2048` (one core,
# then `-multi 2`) and a summary. Figures go to BENCHMARKS.md.
#
#   bash scripts/bench-eligibility.sh [PEOPLE] [CARDS] [POSTGRES_URL]
#
# Environment: DURATION (measured seconds per run, default 30), WARMUP
# (default 5), CARD_WORKERS (default 32), NUMBER_WORKERS (default 64),
# BACKENDS (default "sqlite postgres"), BENCH_DIR (work directory, default
# $CARGO_TARGET_DIR/bench-eligibility or target/bench-eligibility; wiped
# first). POSTGRES_URL defaults to
# postgres://postgres@127.0.0.1:5432/onshi_bench_eligibility; that database is
# dropped and recreated, so never point it at real data.
set -euo pipefail
cd "$(dirname "$0")/.."

people="${1:-1000000}"
ncards="${2:-200}"
pg_url="${3:-postgres://postgres@127.0.0.1:5432/onshi_bench_eligibility}"
duration="${DURATION:-30}"
warmup="${WARMUP:-5}"
card_workers="${CARD_WORKERS:-32}"
number_workers="${NUMBER_WORKERS:-64}"
backends="${BACKENDS:-sqlite postgres}"
target="${CARGO_TARGET_DIR:-target}"
work="${BENCH_DIR:-$target/bench-eligibility}"

cargo build --release --locked -p onshi-cli -p onshi-loadgen
onshi="$target/release/onshi"
loadgen="$target/release/onshi-loadgen"

rm -rf "$work"
mkdir -p "$work"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
free -g
echo "== synth: $people people"
as_of="$(TZ=Asia/Tokyo date +%F)"
time "$onshi" synth --people "$people" --seed 1 --as-of "$as_of" --out "$work/town" -q

# Card holders: residents behind a current member row, spread over the town.
awk -F, 'NR > 1 && $6 == "current" && $5 != "" && !seen[$5]++ { print $5 }' "$work/town/truth.csv" >"$work/current.txt"
step=$(($(wc -l <"$work/current.txt") / ncards))
awk -v s="$step" 'NR % s == 0' "$work/current.txt" | head -n "$ncards" >"$work/holders.txt"
facility="$(awk -F, 'NR == 2 { print $1 }' "$work/town/facilities.csv")"
echo "== $(wc -l <"$work/holders.txt") card holders; facility $facility"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

results=()
run_loadgen() { # label args...
  local label="$1"
  shift
  echo "-- $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
  local log="$work/loadgen-$((${#results[@]} + 1)).log"
  ONSHI_CLIENT_ID="$client_id" ONSHI_CLIENT_SECRET="$client_secret" "$loadgen" "$@" --label "$label" \
    --duration "$duration" --warmup "$warmup" --watch-pid "$server_pid" --watch-comm postgres ${watch_db:+--watch-cmdline "$watch_db"} --addr "127.0.0.1:$port" | tee "$log"
  results+=("$(grep '^RESULT' "$log")")
  echo "-- after: load $(cut -d' ' -f1-3 /proc/loadavg)"
}

for backend in $backends; do
  echo "== $backend"
  data="$work/data-$backend"
  mkdir -p "$data/cards"
  export ONSHI_DATA_DIR="$data"
  watch_db=""
  if [ "$backend" = sqlite ]; then
    db="sqlite://$data/onshi.db"
  else
    db="$pg_url"
    admin_url="${pg_url%/*}/postgres"
    dbname="${pg_url##*/}"
    watch_db=" $dbname " # PostgreSQL backends of this database: "postgres: USER DB HOST(PORT) STATE"
    psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $dbname" -c "CREATE DATABASE $dbname"
  fi
  time "$onshi" registry import "$work/town/registry.csv" --db "$db" -q
  time "$onshi" members import "$work/town/members.csv" --db "$db" -q
  "$onshi" facilities import "$work/town/facilities.csv" --db "$db" -q
  echo "-- issuing $(wc -l <"$work/holders.txt") cards"
  issue() { # two processes writing one SQLite file may find it locked: retry
    for _ in 1 2 3 4 5; do
      "$onshi" card issue --resident "$1" --out "$data/cards/$1.json" --pin 1234 --password abc123 \
        --support-pin 5678 --db "$db" >/dev/null && return 0
      sleep 0.5
    done
    return 1
  }
  export -f issue
  export onshi data db
  # The first card creates the JPKI authority; the rest two at a time.
  time { issue "$(head -n 1 "$work/holders.txt")" &&
    tail -n +2 "$work/holders.txt" | xargs -P 2 -I{} bash -c 'issue {}'; }
  client="$("$onshi" facility add-client --facility "$facility" --name loadgen --db "$db" 2>/dev/null)"
  client_id="$(sed -n 's/^client_id=//p' <<<"$client")"
  client_secret="$(sed -n 's/^client_secret=//p' <<<"$client")"

  port="$(free_port)"
  "$onshi" serve --db "$db" --bind "127.0.0.1:$port" 2>"$data/serve.log" &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null

  run_loadgen "$backend" insured-number --members "$work/town/members.csv" --workers "$number_workers"
  run_loadgen "$backend" card --cards "$data/cards" --workers "$card_workers"
  run_loadgen "$backend" card --cards "$data/cards" --workers "$card_workers" --presign
  stop_server
  unset ONSHI_DATA_DIR
done

echo "== openssl speed -seconds 5 rsa2048 (one core, then -multi 2)"
openssl speed -seconds 5 rsa2048 2>/dev/null | tail -n 2
openssl speed -seconds 5 -multi 2 rsa2048 2>/dev/null | tail -n 2

echo "== summary"
printf '%s\n' "${results[@]}"
