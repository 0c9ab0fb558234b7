#!/usr/bin/env bash
# Every Eddy benchmark in one run: builds what it needs in release mode, then runs
#   side-by-side  Eddy against the raw librdkafka consume→produce loop, W1–W3 (harness/bench.py)
#   abi           ns per record across the processor ABI and per typed-function call
#   state         the state stores (EddyState): operations, restore, memory, windows, sessions
#   dsl           Streams DSL operators against a Processor API processor
#   reload        output gaps and latency through a hot reload, against a restart
#   recovery      restore rate, and the time from kill -9 to output again
#   join          stream–table join throughput against W3; stream–stream join latency at a steady rate
#
#   bash Benchmarks/run.sh [--quick] [--only NAME[,NAME…]] [side-by-side options…]
#
# --quick makes every benchmark a short smoke run; --count-mallocs runs the side-by-side cases
# with the allocation-counting shim preloaded (baseline/malloc_count.c) and adds allocations
# per million records to its table (slower: count in runs of their own); options it does not know go to the
# side-by-side harness (`python3 Benchmarks/harness/bench.py --help` lists them). Results of
# the side-by-side run are copied as JSON to Benchmarks/results/. EDDY_BENCH_SCRATCH picks the
# root package's release scratch path (default .build-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scratch=${EDDY_BENCH_SCRATCH:-.build-bench}
tools="$root/Benchmarks/.build-bench/baseline"

quick=false
count_mallocs=false
only="side-by-side,abi,state,dsl,reload,recovery,join"
harness_options=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=true; harness_options+=("--quick") ;;
        --count-mallocs) count_mallocs=true ;;
        --only) only="$2"; shift ;;
        --only=*) only="${1#--only=}" ;;
        *) harness_options+=("$1") ;;
    esac
    shift
done
selected() { [[ ",$only," == *",$1,"* ]]; }
for name in ${only//,/ }; do
    case "$name" in
        side-by-side|abi|state|dsl|reload|recovery|join) ;;
        *) echo "run.sh: unknown benchmark '$name' in --only (side-by-side, abi, state, dsl, reload, recovery, join)" >&2; exit 2 ;;
    esac
done

bash scripts/setup.sh
command -v python3 >/dev/null || { echo "run.sh: python3 is needed (apt-get install python3)" >&2; exit 1; }
[ -x .build-broker/bin/eddy-broker ] || bash broker/build.sh
export EDDY_BROKER="$root/.build-broker/bin/eddy-broker"

echo "==> building eddy and the plugins (release, $scratch)"
for product in eddy WordCount WordCountV2 Enrich; do
    swift build -c release -q --scratch-path "$scratch" --product "$product"
done
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)

if selected abi || selected state || selected dsl || selected reload || selected recovery || selected join; then
    echo "==> building the benchmark executables (release, Benchmarks/.build)"
    swift build -c release -q --package-path Benchmarks
    benches=$(swift build -c release --package-path Benchmarks --show-bin-path)
fi

if selected abi; then
    echo "==> eddy-abi-bench"
    if $quick; then "$benches/eddy-abi-bench" 2000000; else "$benches/eddy-abi-bench"; fi
fi
if selected state; then
    echo "==> eddy-state-bench"
    if $quick; then "$benches/eddy-state-bench" all 100000; else "$benches/eddy-state-bench" all; fi
fi
if selected dsl; then
    echo "==> eddy-dsl-bench"
    if $quick; then "$benches/eddy-dsl-bench" 200000; else "$benches/eddy-dsl-bench"; fi
fi
if selected reload; then
    echo "==> eddy-reload-bench"
    EDDY_PLUGINS_BUILD="$bin" "$benches/eddy-reload-bench"
fi
if selected recovery; then
    echo "==> eddy-recovery-bench"
    if $quick; then "$benches/eddy-recovery-bench" "$bin" all 100000; else "$benches/eddy-recovery-bench" "$bin" all; fi
fi
if selected join; then
    echo "==> eddy-join-bench"
    if $quick; then "$benches/eddy-join-bench" "$bin" 100000 20000 5; else "$benches/eddy-join-bench" "$bin"; fi
fi

if selected side-by-side; then
    echo "==> building the librdkafka baseline and tools (cc -O2 -lrdkafka)"
    mkdir -p "$tools"
    for program in passthrough load observe; do
        cc -O2 -Wall -Wextra -o "$tools/$program" "Benchmarks/baseline/$program.c" Benchmarks/baseline/common.c -lrdkafka
    done
    cc -O2 -Wall -Wextra -shared -fPIC -o "$tools/malloc_count.so" Benchmarks/baseline/malloc_count.c
    if $count_mallocs; then harness_options+=("--count-mallocs" "$tools/malloc_count.so"); fi
    mkdir -p Benchmarks/results
    echo "==> side by side with the raw librdkafka loop"
    python3 -B Benchmarks/harness/bench.py \
        --eddy "$bin/eddy" --plugins "$bin" --broker "$EDDY_BROKER" \
        --tools "$tools" --results "$root/Benchmarks/results" ${harness_options[@]+"${harness_options[@]}"}
fi
