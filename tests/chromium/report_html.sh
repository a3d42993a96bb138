#!/usr/bin/env bash
# ctest chromium.report_html: `headroom report --format html` end to end in headless Chromium.
# Inputs: compare and run (with a time series) JSON of tests/data/report/hostile_names.yaml, whose
# scenario name, description and workload names carry `<script>console.error(...)</script>`, quotes
# and markup; the hand-made sweep directory and MRC JSON of tests/data/report. The page must pass
# check_html.sh: no console message, no script element, every plot kind drawn with its series, and
# the hostile strings shown as text. Usage: report_html.sh HEADROOM WORKDIR (from the repository
# root). Exit 77 when Chromium is absent.
set -u
headroom=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
scenario=tests/data/report/hostile_names.yaml
run() { "$@" || { echo "FAIL: $* exited with status $?"; exit 1; }; }
run "$headroom" compare "$scenario" --format json --out "$work/compare.json"
run "$headroom" run "$scenario" --host m2-max-96 --format json --timeseries-interval 5s --out "$work/run.json"
run "$headroom" report "$work/compare.json" "$work/run.json" tests/data/report/sweep-rate \
    tests/data/report/mrc-cyclic.json --format html --out "$work/report.html"

name="<script>console.error(\"name\")</script> \"quoted\" 'single'"
chat="chat <script>console.error(\"chat\")</script> \"q\""
cat > "$work/report.expect" <<EXPECT
# memory by kind, faults and PSI of the run; a plot per key metric of the sweep; the MRC
plots 6
# the run's memory by kind (stacked), its faults and stall lines
series file
series major faults
series some
# the sweep's metric-vs-rate lines, one per host; the MRC
series m2-max-96
series m3-max-128
series miss ratio
text $name
text desc <script>console.error("description")</script> & <b>bold</b>
text $chat
text bot 'single' & <i>
EXPECT
"$here/check_html.sh" "$work/report.html" "$work/report.expect"
