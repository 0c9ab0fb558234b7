#!/usr/bin/env bash
# The README's demo: an embedded broker, real plugins loaded with dlopen, exactly-once
# word count and payment enrichment over a few hundred thousand records, results read
# back read_committed.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${DEMO_LINES:-200000}
PAYMENTS=${DEMO_PAYMENTS:-100000}

bash scripts/setup.sh
bash broker/build.sh
echo "==> building eddy and the plugins"
swift build -q
BIN=$(swift build --show-bin-path)
EDDY="$BIN/eddy"

WORK=$(mktemp -d /tmp/eddy-demo.XXXXXX)
cleanup() {
    [ -n "${WORKER:-}" ] && kill -TERM "$WORKER" 2>/dev/null && wait "$WORKER" 2>/dev/null || true
    [ -n "${BROKER:-}" ] && kill -TERM "$BROKER" 2>/dev/null && wait "$BROKER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "==> starting the embedded broker (eddy broker)"
"$EDDY" broker --brokers 1 > "$WORK/broker.out" 2>"$WORK/broker.err" &
BROKER=$!
for _ in $(seq 1 100); do grep -q '^bootstrap.servers=' "$WORK/broker.out" 2>/dev/null && break; sleep 0.1; done
BOOTSTRAP=$(sed -n 's/^bootstrap.servers=//p' "$WORK/broker.out" | head -1)
[ -n "$BOOTSTRAP" ] || { echo "the broker did not start:"; cat "$WORK/broker.err"; exit 1; }
echo "    bootstrap.servers=$BOOTSTRAP"
export EDDY_BOOTSTRAP_SERVERS=$BOOTSTRAP

echo "==> creating topics"
for topic in text-input word-counts payments enriched-payments; do "$EDDY" topic create "$topic" --partitions 6; done

echo "==> producing $LINES lines of text and $PAYMENTS JSON payments"
awk -v n="$LINES" 'BEGIN { srand(7); split("the quick brown fox jumps over the lazy dog while kafka streams flow into swift plugins that count every word exactly once", w, " ");
    for (i = 0; i < n; i++) { line = ""; for (j = 0; j < 6; j++) line = line (j ? " " : "") w[int(rand() * length(w)) + 1]; print line } }' > "$WORK/lines.txt"
awk -v n="$PAYMENTS" 'BEGIN { srand(11); split("NL DE FR US BR JP", c, " ");
    for (i = 0; i < n; i++) printf "{\"id\":\"p%d\",\"amount\":%.2f,\"country\":\"%s\"}\n", i, rand() * 200, c[int(rand() * 6) + 1] }' > "$WORK/payments.txt"
"$EDDY" produce text-input -f "$WORK/lines.txt"
"$EDDY" produce payments -f "$WORK/payments.txt" --key-field id
WORDS=$((LINES * 6))

sed -e "s#\${BOOTSTRAP}#$BOOTSTRAP#" -e "s#\${PLUGINS}#$BIN#" -e "s#\${STATE}#$WORK/state#" examples/demo.yaml > "$WORK/demo.yaml"
echo "==> the topology (eddy topology describe)"
"$EDDY" topology describe "$WORK/demo.yaml"

echo "==> running the worker (eddy run) under exactly_once_v2"
EDDY_LOG_LEVEL=warning "$EDDY" run "$WORK/demo.yaml" &
WORKER=$!
"$EDDY" consume word-counts --from-beginning --max "$WORDS" --format key-value --value-serde long > "$WORK/counts.txt"
"$EDDY" consume enriched-payments --from-beginning --max 5 --format json > "$WORK/enriched.txt"
kill -TERM "$WORKER"; wait "$WORKER" || true; WORKER=""
echo

echo "==> top words (final counts, read_committed from word-counts)"
awk -F '\t' '{ if ($2 > max[$1]) max[$1] = $2 } END { for (w in max) print max[w] "\t" w }' "$WORK/counts.txt" | sort -rn | head -10
echo "    $(wc -l < "$WORK/counts.txt") count updates for $WORDS words; expected: $(tr ' ' '\n' < "$WORK/lines.txt" | sort | uniq -c | sort -rn | head -1 | awk '{print $2 " = " $1}') (checked by sort | uniq -c)"
echo "==> enriched payments (amount > 10, with risk scores)"
cat "$WORK/enriched.txt"
