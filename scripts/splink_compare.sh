#!/usr/bin/env bash
# Splink against onshi on finding unlinked members' residents (issue 8).
#
#   scripts/splink_compare.sh [MEMBERS] [SEED]
#
# Builds and runs the linkage_quality example (which prints onshi's table and
# writes the CSV files and onshi_find.json), then runs scripts/splink_compare.py
# on the same files in a virtual environment with Splink and DuckDB from PyPI.
# The environment and the data go under target/ (override with SPLINK_VENV and
# OUT_DIR); nothing is written elsewhere.
set -euo pipefail

members="${1:-100000}"
seed="${2:-1}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${SPLINK_VENV:-$target/splink-venv}"
out_dir="${OUT_DIR:-$target/linkage-quality/$members-$seed}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import splink, duckdb' 2>/dev/null; then
    "$venv/bin/pip" install --quiet splink  # brings duckdb and pyarrow
fi

cd "$root"
cargo run --release --quiet -p onshi-synth --example linkage_quality -- \
    --members "$members" --seed "$seed" --out-dir "$out_dir"
echo
"$venv/bin/python" scripts/splink_compare.py --dir "$out_dir"
