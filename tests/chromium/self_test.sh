#!/usr/bin/env bash
# ctest chromium.html_demo: check_html.sh passes the page hr_html_demo writes with analysis/plot
# (plots, a table, user strings carrying a script payload and quotes), and fails each broken copy:
# a script that ran (injected unescaped), a series whose path was emptied, markup that became an
# element instead of text. Usage: self_test.sh HR_HTML_DEMO WORKDIR. Exit 77 when Chromium is absent.
set -u
demo=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
"$demo" "$work/demo.html" || { echo "FAIL: $demo did not write the page"; exit 1; }
payload='<script>console.error("injected")</script>'
cat > "$work/demo.expect" <<EXPECT
plots 4
series m2-max-96 $payload
series m3-max-128 "q"
series LRU
series wired
series anon
series page cache
series swap
text headroom demo chat "quoted" 'single' $payload & <b>bold</b>
text tokens/s $payload
text 128 GiB $payload
EXPECT
"$here/check_html.sh" "$work/demo.html" "$work/demo.expect"
status=$?
[[ $status -eq 77 || $status -ne 0 ]] && exit "$status"

failures=0
# must_fail NAME SED-SCRIPT EXPECTED-OUTPUT-LINE: the broken copy must fail with that finding.
must_fail() {
  sed "$2" "$work/demo.html" > "$work/$1.html"
  cmp -s "$work/demo.html" "$work/$1.html" && { echo "FAIL: $1: the edit changed nothing"; failures=$((failures + 1)); return; }
  local output
  output=$("$here/check_html.sh" "$work/$1.html" "$work/demo.expect")
  if [[ $? -ne 1 ]] || ! grep -qF -- "$3" <<< "$output"; then
    echo "FAIL: $1: expected a failure with '$3', got:"
    echo "$output"
    failures=$((failures + 1))
  else
    echo "ok: $1 is refused ($3)"
  fi
}
must_fail injected_script 's|<h1>|<h1><script>console.error("injected")</script>|' 'FAIL: console:'
must_fail empty_path '0,/<path class="line" d="[^"]*"/s//<path class="line" d=""/' 'has no drawn path'
must_fail markup_as_element '/<h1>/s/&lt;b&gt;bold&lt;\/b&gt;/<b>bold<\/b>/' 'FAIL: not shown as text'
exit $((failures > 0))
