#!/usr/bin/env bash
# Benchmarks mltui on synthetic MLflow stores and prints a Markdown results table.
#
#   bench/run.sh
#
# Installs hyperfine and sqlite3 from Debian's packages when missing and possible (root with
# apt-get; otherwise a simple timer and Python's sqlite3 stand in), builds the release binary
# and the gen_store / bench_frames examples, generates the stores under target/bench-data
# (once: about 30 GB on disk, 12 GB of it the 100,000-run `huge`; converting medium, sweep
# and registry to SQLite with MLflow takes about 8 minutes per store, while `huge` and
# `long` are written straight into MLflow's schema by gen_store --sqlite in minutes), and
# times everything. MLflow's columns and the directly written SQLite stores need a Python
# with mlflow (MLFLOW_PYTHON).
# More knobs: see bench/bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v hyperfine > /dev/null || need+=(hyperfine)
command -v sqlite3 > /dev/null || need+=(sqlite3)
if ((${#need[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null; then
        echo "bench: installing ${need[*]}" >&2
        { apt-get update -qq && apt-get install -y -qq "${need[@]}"; } > /dev/null 2>&1 ||
            echo "bench: could not install ${need[*]}; falling back" >&2
    else
        echo "bench: ${need[*]} not installed; falling back" >&2
    fi
fi

export BENCH_TARGET_DIR="${BENCH_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}}"
CARGO_TARGET_DIR="$BENCH_TARGET_DIR" cargo build --release --locked --quiet \
    --bin mltui --example gen_store --example bench_frames

echo "bench: machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -h | awk '/^Mem:/ {print $2}') RAM" >&2
exec python3 bench/bench.py
