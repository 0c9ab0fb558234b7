#!/usr/bin/env bash
# Eddy against the raw librdkafka limit, side by side (issue 8): builds what it needs in
# release mode, starts eddy-broker, loads the input once, runs every case alternating the
# librdkafka baseline and Eddy, and prints the table (JSON copy in Benchmarks/results/).
#
#   bash Benchmarks/run.sh [--quick] [bench options…]     (--help lists them)
#
# EDDY_BENCH_SCRATCH picks the root package's release scratch path (default .build-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scratch=${EDDY_BENCH_SCRATCH:-.build-bench}
tools="$root/Benchmarks/.build-bench/baseline"

bash scripts/setup.sh
command -v python3 >/dev/null || { echo "run.sh: python3 is needed (apt-get install python3)" >&2; exit 1; }
[ -x .build-broker/bin/eddy-broker ] || bash broker/build.sh

echo "==> building eddy and the plugins (release, $scratch)"
for product in eddy WordCount Enrich; do
    swift build -c release -q --scratch-path "$scratch" --product "$product"
done
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)

echo "==> building the librdkafka baseline and tools (cc -O2 -lrdkafka)"
mkdir -p "$tools"
for program in passthrough load observe; do
    cc -O2 -Wall -Wextra -o "$tools/$program" "Benchmarks/baseline/$program.c" Benchmarks/baseline/common.c -lrdkafka
done

mkdir -p Benchmarks/results
exec python3 -B Benchmarks/harness/bench.py \
    --eddy "$bin/eddy" --plugins "$bin" --broker "$root/.build-broker/bin/eddy-broker" \
    --tools "$tools" --results "$root/Benchmarks/results" "$@"
