#!/usr/bin/env bash
# The README's demo: an embedded broker, real plugins loaded with dlopen, exactly-once word
# count (Processor API), fraud screening (a Streams DSL topology) and payment enrichment
# (built-ins) over a few hundred thousand records, results read back read_committed.
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
for topic in text-input word-counts payments enriched-payments fraud-alerts spend-by-user payments-per-country; do
    "$EDDY" topic create "$topic" --partitions 6
done

echo "==> producing $LINES lines of text and $PAYMENTS JSON payments"
awk -v n="$LINES" 'BEGIN { srand(7); split("the quick brown fox jumps over the lazy dog while kafka streams flow into swift plugins that count every word exactly once", w, " ");
    for (i = 0; i < n; i++) { line = ""; for (j = 0; j < 6; j++) line = line (j ? " " : "") w[int(rand() * length(w)) + 1]; print line } }' > "$WORK/lines.txt"
awk -v n="$PAYMENTS" 'BEGIN { srand(11); split("NL DE FR US BR JP", c, " ");
    for (i = 0; i < n; i++) { amount = (i % 10007 == 9) ? -1 : (rand() < 0.01 ? 10 : 1) * rand() * 200;
        printf "{\"id\":\"p%d\",\"user\":\"u%03d\",\"amount\":%.2f,\"country\":\"%s\"}\n", i, rand() * 500, amount, c[int(rand() * 6) + 1] } }' > "$WORK/payments.txt"
# What the Fraud topology must give: an update per valid payment for spend and for countries,
# an alert per valid payment of 1000 or more or from a watched country (BR, JP).
read -r VALID ALERTS <<< "$(awk -F '[:,}]' '{ amount = $6; country = $8; gsub(/"/, "", country);
    if (amount > 0) { valid++; if (amount >= 1000 || country == "BR" || country == "JP") alerts++ } } END { print valid, alerts }' "$WORK/payments.txt")"
"$EDDY" produce text-input -f "$WORK/lines.txt"
"$EDDY" produce payments -f "$WORK/payments.txt" --key-field id
WORDS=$((LINES * 6))

sed -e "s#\${BOOTSTRAP}#$BOOTSTRAP#" -e "s#\${PLUGINS}#$BIN#" -e "s#\${STATE}#$WORK/state#" examples/demo.yaml > "$WORK/demo.yaml"
echo "==> the topology (eddy topology describe)"
"$EDDY" topology describe "$WORK/demo.yaml"

echo "==> running the worker (eddy run) under exactly_once_v2"
EDDY_LOG_LEVEL=warning "$EDDY" run "$WORK/demo.yaml" &
WORKER=$!
"$EDDY" consume word-counts --from-beginning --max "$WORDS" --format key-value --value-serde i64 > "$WORK/counts.txt"
"$EDDY" consume enriched-payments --from-beginning --max 5 --format json > "$WORK/enriched.txt"
"$EDDY" consume fraud-alerts --from-beginning --max "$ALERTS" --format key-value > "$WORK/alerts.txt"
"$EDDY" consume spend-by-user --from-beginning --max "$VALID" --format key-value > "$WORK/spend.txt"
"$EDDY" consume payments-per-country --from-beginning --max "$VALID" --format key-value --value-serde i64 > "$WORK/countries.txt"
"$EDDY" consume eddy-demo-dlq --from-beginning --max $((PAYMENTS - VALID)) --format json > "$WORK/dlq.txt"
kill -TERM "$WORKER"; wait "$WORKER" || true; WORKER=""
echo

echo "==> top words (final counts, read_committed from word-counts)"
awk -F '\t' '{ if ($2 > max[$1]) max[$1] = $2 } END { for (w in max) print max[w] "\t" w }' "$WORK/counts.txt" | sort -rn | sed -n 1,10p
echo "    $(wc -l < "$WORK/counts.txt") count updates for $WORDS words; expected: $(tr ' ' '\n' < "$WORK/lines.txt" | sort | uniq -c | sort -rn | sed -n 1p | awk '{print $2 " = " $1}') (checked by sort | uniq -c)"
echo "==> enriched payments (amount > 10, with risk scores)"
cat "$WORK/enriched.txt"
echo "==> fraud alerts (Streams DSL topology of Plugins/Fraud: split, merge, mapValues)"
head -3 "$WORK/alerts.txt"
echo "    $(wc -l < "$WORK/alerts.txt") alerts; expected $ALERTS (payments of 1000 or more, or from BR or JP)"
echo "==> top spenders (groupBy user + aggregate into the spend-by-user store)"
awk -F '\t' '{ last[$1] = $2 } END { for (u in last) print u "\t" last[u] }' "$WORK/spend.txt" \
    | awk -F '[\t:,}]' '{ printf "%s\t%s payments\t%.2f\n", $1, $3, $5 }' | sort -t$'\t' -k3 -rn | sed -n 1,5p
echo "==> payments per country (groupBy country + count), checked against the input"
awk -F '\t' '{ if ($2 > last[$1]) last[$1] = $2 } END { for (c in last) print c "\t" last[c] }' "$WORK/countries.txt" | sort
echo "    expected: $(awk -F '[:,}]' '$6 > 0 { c = $8; gsub(/"/, "", c); n[c]++ } END { for (k in n) printf "%s=%d ", k, n[k] }' "$WORK/payments.txt")"
echo "==> dead letters (invalid amounts, with the reason the plugin gave)"
head -1 "$WORK/dlq.txt"
echo "    $(wc -l < "$WORK/dlq.txt") dead-lettered; expected $((PAYMENTS - VALID))"
