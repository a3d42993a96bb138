#!/usr/bin/env bash
# README.md's claims-audit table (the lines between `<!-- audit:begin -->` and `<!-- audit:end -->`)
# must equal `headroom audit`'s output byte for byte; on a difference it prints the diff and the
# command that regenerates the table. Run from the repository root.
#   tests/cli/readme_audit.sh HEADROOM WORKDIR             check (ctest cli.readme_audit)
#   tests/cli/readme_audit.sh HEADROOM WORKDIR --update    rewrite README.md's table
set -uo pipefail
headroom=$1
work=$2
mode=${3:-check}
readme=README.md
regenerate="tests/cli/readme_audit.sh $headroom /tmp/readme_audit --update"
mkdir -p "$work" || exit 1

begins=$(grep -c '^<!-- audit:begin -->$' "$readme")
ends=$(grep -c '^<!-- audit:end -->$' "$readme")
if [ "$begins" != 1 ] || [ "$ends" != 1 ]; then
  echo "readme_audit: $readme must hold one '<!-- audit:begin -->' line and one '<!-- audit:end -->' line" \
       "after it, found $begins and $ends" >&2
  exit 1
fi
"$headroom" audit --out "$work/audit.md" || { echo "readme_audit: '$headroom audit' failed" >&2; exit 1; }

if [ "$mode" = --update ]; then
  awk -v table="$work/audit.md" '
    /^<!-- audit:end -->$/ { inside = 0 }
    !inside { print }
    /^<!-- audit:begin -->$/ { inside = 1; while ((getline line < table) > 0) print line }
  ' "$readme" > "$work/README.md.new" && mv "$work/README.md.new" "$readme"
  echo "readme_audit: rewrote the table in $readme"
  exit 0
fi

awk '/^<!-- audit:end -->$/ { inside = 0 } inside { print } /^<!-- audit:begin -->$/ { inside = 1 }' \
  "$readme" > "$work/readme_table.md"
if ! diff -u --label "$readme (between the audit markers)" --label "$headroom audit" \
     "$work/readme_table.md" "$work/audit.md"; then
  echo "readme_audit: $readme's claims audit differs from '$headroom audit'; regenerate it with:" >&2
  echo "  $regenerate" >&2
  exit 1
fi
echo "readme_audit: $readme's table equals '$headroom audit'"
