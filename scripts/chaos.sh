#!/usr/bin/env bash
# The chaos test of exactly-once (scripts/chaos.py): builds eddy, the WordCount plugin and
# eddy-broker first, then runs it with these arguments, e.g.
#   bash scripts/chaos.sh --kills 20 --outages 2                 # the full run
#   bash scripts/chaos.sh --kills 20 --static-membership
#   bash scripts/chaos.sh --guarantee at_least_once --seed 7     # must FAIL: the test has teeth
set -euo pipefail
cd "$(dirname "$0")/.."
bash broker/build.sh >/dev/null
swift build -q --product eddy
swift build -q --product WordCount
exec python3 scripts/chaos.py --bin "$(swift build --show-bin-path)" "$@"
