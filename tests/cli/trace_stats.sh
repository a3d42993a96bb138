#!/usr/bin/env bash
# `headroom trace stats` on the shipped request traces: the figures (checked independently against
# the files with awk), --out written atomically and equal to stdout, the same bytes on every run,
# several files in one report, gzip and a pipe as input, skip mode counting bad rows, exit 0.
# Usage: trace_stats.sh HEADROOM WORKDIR (run from the repository root; ctest: cli.trace_stats).
set -u
headroom=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
code=scenarios/traces/azure_code_2023.csv
moon=scenarios/traces/mooncake_conversation_first300.jsonl

md=$("$headroom" trace stats "$code") || fail "trace stats exited $?"
rows=$(awk 'NR > 1 && NF' "$code" | wc -l)
grep -q "^| rows | $rows |$" <<<"$md" || fail "md rows: expected $rows"
# Nearest-rank p50 of ContextTokens, computed here from the file.
p50=$(awk -F, 'NR > 1 { print $2 + 0 }' "$code" | sort -n | awk '{ v[NR] = $1 } END { r = int((NR * 50 + 99) / 100); print v[r] }')
grep -q "^| input | $p50 |" <<<"$md" || fail "md input p50: expected $p50"

json=$("$headroom" trace stats "$moon" --format json) || fail "json exited $?"
grep -q '"format": "mooncake"' <<<"$json" || fail "json: format mooncake"
# Rows and span (last minus first timestamp, ms -> s) computed here from the file: 300 and 102.0.
moon_rows=$(awk 'NF' "$moon" | wc -l)
moon_span=$(awk -F'"timestamp": ' 'NF > 1 { split($2, v, ","); t = v[1] + 0; if (NR == 1) first = t; last = t }
  END { printf "%.1f", (last - first) / 1000 }' "$moon")
grep -q "\"rows\": $moon_rows," <<<"$json" || fail "json: $moon_rows rows"
grep -q "\"span_s\": $moon_span," <<<"$json" || fail "json: span $moon_span s"
# Nearest-rank p99 of input_length (87172), from the file.
moon_p99=$(awk -F'"input_length": ' 'NF > 1 { split($2, v, ","); print v[1] + 0 }' "$moon" | sort -n |
  awk '{ v[NR] = $1 } END { r = int((NR * 99 + 99) / 100); print v[r] }')
grep -q "^| input | [0-9]* | [0-9]* | $moon_p99 |" <<<"$("$headroom" trace stats "$moon")" || fail "md mooncake input p99: expected $moon_p99"

"$headroom" trace stats "$code" "$moon" --format csv --out "$work/both.csv" || fail "--out exited $?"
[[ $(cat "$work/both.csv") == $("$headroom" trace stats "$code" "$moon" --format csv) ]] || fail "--out differs from stdout"
[[ $(ls "$work") == both.csv ]] || fail "files left beside the report: $(ls "$work")"
grep -q "^$moon,mooncake,rows,$moon_rows$" "$work/both.csv" || fail "csv: the second file's rows"
[[ $("$headroom" trace stats "$code" --format json | md5sum) == $("$headroom" trace stats "$code" --format json | md5sum) ]] ||
  fail "two runs differ"

gzip -c "$code" > "$work/code.csv.gz"
grep -q "^| rows | $rows |$" <<<"$("$headroom" trace stats "$work/code.csv.gz")" || fail "gzip input"
grep -q "^| rows | $rows |$" <<<"$(cat "$code" | "$headroom" trace stats /dev/stdin)" || fail "a pipe as input"

printf 'TIMESTAMP,ContextTokens,GeneratedTokens\n2024-05-10 00:00:00+00:00,1,2\nbad,1,2\n2024-05-10 00:00:01.5+00:00,3,x\n2024-05-10 00:01:00+00:00,5,6\n' > "$work/bad.csv"
skip=$("$headroom" trace stats "$work/bad.csv" --on-bad-row skip --format csv) || fail "skip exited $?"
grep -q ",rows,2$" <<<"$skip" || fail "skip: 2 rows kept"
grep -q ",skipped:bad TIMESTAMP,1$" <<<"$skip" || fail "skip: the bad time counted"
grep -q ",skipped:bad GeneratedTokens,1$" <<<"$skip" || fail "skip: the bad tokens counted"
rm -rf "$work"
if ((failures > 0)); then exit 1; fi
echo "trace stats: all checks passed"
