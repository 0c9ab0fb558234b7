#!/usr/bin/env bash
# Installs what Eddy needs on a Debian machine with Swift: idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=(librdkafka-dev librocksdb-dev libffi-dev pkg-config dpkg-dev python3)
missing=()
for p in "${need_pkgs[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
