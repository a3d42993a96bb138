#!/usr/bin/env bash
# headroom report over a compare JSON, the hand-made sweep directory and an mrc JSON
# (tests/data/report/README.md): md equals compare's own md; csv is tidy (a constant column count,
# one value per row, the figures of the JSON at full precision); json carries the same records;
# html is one self-contained page with the plots; --out writes the same bytes as stdout; the same
# inputs give the same bytes.
# Usage: report.sh HEADROOM WORKDIR (run from the repository root; ctest: cli.report).
set -u
headroom=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
sweep=tests/data/report/sweep-rate
mrc=tests/data/report/mrc-cyclic.json

"$headroom" compare scenarios/default.yaml --format json --out "$work/default.json" || fail "compare json exited $?"
"$headroom" compare scenarios/default.yaml > "$work/compare.md" || fail "compare md exited $?"

# md of a compare JSON: the report heading, then exactly what compare printed.
"$headroom" report "$work/default.json" > "$work/report.md" || fail "report md exited $?"
{ printf '# headroom report\n\n'; cat "$work/compare.md"; } | cmp -s - "$work/report.md" || fail "report md differs from compare md"
grep -q '^| chat: requests failed | 22 | 0 | 0 | -22 |$' "$work/report.md" || fail "md: requests failed row"
if grep -q 'e+[0-9]' "$work/report.md"; then fail "md: scientific notation"; fi

# csv fields counted outside quotes (mawk has no FPAT): every row has the header's column count.
columns() { awk '{ n = 1; q = 0; for (i = 1; i <= length($0); i++) { c = substr($0, i, 1);
  if (c == "\"") q = !q; else if (c == "," && !q) n++ } print n }' "$1" | sort -u; }
"$headroom" report "$sweep" "$mrc" "$work/default.json" --format csv > "$work/report.csv" || fail "report csv exited $?"
head -1 "$work/report.csv" | grep -qx 'scenario,workloads.chat.arrivals.poisson,host,workload,metric,unit,value' ||
  fail "csv header: $(head -1 "$work/report.csv")"
[ "$(columns "$work/report.csv")" = 7 ] || fail "csv: column counts $(columns "$work/report.csv" | tr '\n' ' ')"
# Full precision: the ttft p99 of point p0003 (4/min on the 128 GB host) as its JSON prints it.
p99=$(grep -A8 '"ttft_s"' "$sweep/points/p0003.json" | grep '"p99"' | head -1 | sed 's/.*: //; s/,$//')
grep -qx "default,4/min,m3-max-128,chat,metrics.ttft_s.p99,s,$p99" "$work/report.csv" || fail "csv: ttft p99 $p99 of p0003"
grep -qx 'default,8/min,m3-max-128,,point.status,,failed' "$work/report.csv" || fail "csv: failed point"
grep -qx 'tests/data/report/cyclic-110.txt,,,,ram_marks.128GiB.frames,frames,124' "$work/report.csv" || fail "csv: mrc mark"
grep -qx 'default,,m3-max-128,chat,metrics.requests_completed,,19' "$work/report.csv" || fail "csv: compare record"

# json: the same records, one object each.
"$headroom" report "$sweep" "$mrc" "$work/default.json" --format json > "$work/report.json" || fail "report json exited $?"
records=$(grep -c '^  {$' "$work/report.json")
[ "$records" = "$(($(wc -l < "$work/report.csv") - 1))" ] || fail "json: $records records, csv $(($(wc -l < "$work/report.csv") - 1)) rows"

# md of the sweep: the key-metric table (parameter values x hosts) and the failed point's reason.
"$headroom" report "$sweep" > "$work/sweep.md" || fail "report sweep md exited $?"
grep -q '^| workloads.chat.arrivals.poisson | m2-max-96 | m3-max-128 | ratio m3-max-128 / m2-max-96 | difference m3-max-128 - m2-max-96 |$' \
  "$work/sweep.md" || fail "sweep md: key-metric header"
grep -q "^- p0005 (workloads.chat.arrivals.poisson=8/min, host m3-max-128): failed, exit status 1: hand-made failure" \
  "$work/sweep.md" || fail "sweep md: failed point"
grep -q '^| 1/min | oom | fits |$' "$work/sweep.md" || fail "sweep md: verdict row"

# html: one page, no script, the plots with their series; --out equals stdout; stable bytes.
"$headroom" report "$sweep" "$mrc" "$work/default.json" --format html > "$work/a.html" || fail "report html exited $?"
"$headroom" report "$sweep" "$mrc" "$work/default.json" --format html --out "$work/b.html" || fail "report html --out exited $?"
cmp -s "$work/a.html" "$work/b.html" || fail "html: --out differs from stdout (or from the first run)"
if grep -qi '<script' "$work/a.html"; then fail "html: a script"; fi
grep -q 'data-series="m3-max-128"' "$work/a.html" || fail "html: no m3-max-128 series"
grep -q '96 GiB RAM' "$work/a.html" || fail "html: MRC without the 96 GiB mark"
grep -q 'memory by kind' "$work/a.html" || fail "html: no memory timeline"
[ "$(grep -c '<svg' "$work/a.html")" -ge 10 ] || fail "html: fewer than 10 plots"

# User strings (scenario, workload, host names) stay text: a name holding a script and quotes.
sed 's/"scenario": "default"/"scenario": "<script>alert(\\"x\\")<\/script>"/; s/"name": "chat"/"name": "ch\\"a'"'"'t<b>"/' \
  "$work/default.json" > "$work/hostile.json"
"$headroom" report "$work/hostile.json" --format html > "$work/hostile.html" || fail "hostile html exited $?"
grep -q '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' "$work/hostile.html" || fail "html: scenario name not escaped"
grep -q 'ch&quot;a&#39;t&lt;b&gt;' "$work/hostile.html" || grep -q 'ch&quot;a&#x27;t&lt;b&gt;' "$work/hostile.html" ||
  fail "html: workload name not escaped"
if grep -qi '<script\|<b>' "$work/hostile.html"; then fail "html: raw markup from a user string"; fi
"$headroom" report "$work/hostile.json" > "$work/hostile.md" || fail "hostile md exited $?"
grep -q '^## <script>alert("x")</script>$' "$work/hostile.md" || fail "md: scenario heading"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "report: all checks passed"
