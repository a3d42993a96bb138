#!/usr/bin/env bash
# Regenerates tests/golden/<name>.json for every scenarios/<name>.yaml and tests/golden/claims/<name>.json
# for every scenarios/claims/<name>.yaml (or only the names given, e.g. `default claims/rl-buffer`),
# exactly as the golden tests run it: from the repository root, relative scenario path, JSON format.
# Review `git diff tests/golden` before committing: every changed figure needs a reason.
# Usage: tests/golden/regenerate.sh [BUILD_DIR] [name...]   (BUILD_DIR defaults to build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
shift || true
headroom="$build/headroom"
[ -x "$headroom" ] || { echo "regenerate: $headroom not found; build first (bash cmake/setup.sh)" >&2; exit 2; }
names=("$@")
if ((${#names[@]} == 0)); then
  for f in scenarios/*.yaml scenarios/claims/*.yaml; do
    [ -e "$f" ] || continue
    [ "$f" = scenarios/claims/claims.yaml ] && continue  # the audit's claims file, not a scenario
    f=${f#scenarios/}
    names+=("${f%.yaml}")
  done
fi
for name in "${names[@]}"; do
  mkdir -p "$(dirname "tests/golden/$name.json")"
  "$headroom" compare "scenarios/$name.yaml" --format json --out "tests/golden/$name.json"
  echo "regenerate: tests/golden/$name.json"
done
