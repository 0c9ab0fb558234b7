#!/usr/bin/env bash
# Formats every Swift file git tracks with the toolchain's swift-format and the repository's
# .swift-format (4 spaces, lines up to 120 columns, the pretty printer plus a few safe rules).
#   bash scripts/format.sh          rewrites the files in place
#   bash scripts/format.sh --check  changes nothing; names each file the formatter would change
#                                   and fails if there is one (CI runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
swift format --version >/dev/null 2>&1 || { echo "format.sh: 'swift format' is missing (it ships with Swift 6 toolchains)" >&2; exit 1; }

if [ "${1:-}" != "--check" ]; then
    git ls-files -z '*.swift' | xargs -0 swift format format --in-place --parallel --configuration .swift-format
    exit 0
fi

copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
git ls-files -z '*.swift' | xargs -0 cp --parents --target-directory="$copy"
(cd "$copy" && find . -name '*.swift' -print0 | xargs -0 swift format format --in-place --parallel --configuration "$OLDPWD/.swift-format")
changed=0
while IFS= read -r -d '' file; do
    if ! cmp -s "$file" "$copy/$file"; then
        echo "format.sh: $file is not formatted (run: bash scripts/format.sh)" >&2
        changed=1
    fi
done < <(git ls-files -z '*.swift')
exit $changed
