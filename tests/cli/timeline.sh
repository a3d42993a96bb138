#!/usr/bin/env bash
# `run --timeline FILE.json` end to end on tests/cli/data/timeline.yaml (a batching server and a
# fine-tune), and the simulated-time progress line of run and compare:
# - the report (md and json) is byte-identical with and without --timeline, stderr stays empty;
# - the file is JSON with traceEvents and displayTimeUnit; one thread_name per workload;
# - complete slices: as many prefill / decode / train step slices as the report's prefill_steps,
#   decode_steps and steps_done, never overlapping on a workload's track;
# - one async begin and one end per request, same id, end not before begin;
# - with --timeseries-interval, the counters are the report's time series sample for sample;
# - two runs write the same bytes;
# - on a terminal (script(1) gives a pty) run and compare draw "run: simulated X of Y (N%)" on stderr
#   and write the same report as without one; without a terminal nothing is drawn.
# Usage: timeline.sh HEADROOM WORKDIR (run from the repository root; ctest: cli.timeline).
set -u
headroom=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
scenario=tests/cli/data/timeline.yaml

for format in md json; do
  "$headroom" run "$scenario" --format $format > "$work/plain.$format" 2> "$work/plain.err" || fail "run --format $format"
  "$headroom" run "$scenario" --format $format --timeline "$work/t.$format.json" > "$work/with.$format" 2> "$work/with.err" ||
    fail "run --format $format --timeline"
  cmp -s "$work/plain.$format" "$work/with.$format" || fail "--timeline changed the $format report"
  [[ ! -s $work/plain.err && ! -s $work/with.err ]] || fail "stderr not empty: $(cat "$work/plain.err" "$work/with.err")"
done
trace=$work/t.json.json
cmp -s "$trace" "$work/t.md.json" || fail "the timeline depends on --format"
report=$work/plain.json

jq -e '(.traceEvents | length) > 0 and .displayTimeUnit == "ms" and .otherData.host == "m3-max-128"' "$trace" > /dev/null ||
  fail "not a trace-event document: $(head -c 200 "$trace")"
[[ $(jq '[.traceEvents[] | select(.ph == "M" and .name == "thread_name") | .args.name] | join(",")' "$trace") == \
   '"chat (llm-server),tune (trainer)"' ]] || fail "thread names"

# Slices against the report's step counts (tid = workload index + 1).
count() { jq "[.traceEvents[] | select(.ph == \"X\" and .tid == $1 and .name == \"$2\")] | length" "$trace"; }
expect_count() {  # tid name report-figure
  local got want
  got=$(count "$1" "$2")
  want=$3
  [[ $got == "$want" && $got -gt 0 ]] || fail "$2 slices on track $1: $got, report says $want"
}
expect_count 1 prefill "$(jq '.hosts[0].workloads[0].prefill_steps' "$report")"
expect_count 1 decode "$(jq '.hosts[0].workloads[0].decode_steps' "$report")"
expect_count 2 "train step" "$(jq '.hosts[0].workloads[1].metrics.steps_done' "$report")"
for tid in 1 2; do
  overlaps=$(jq "[.traceEvents[] | select(.ph == \"X\" and .tid == $tid)] | sort_by(.ts) as \$s |
                 [range(1; \$s | length) | select(\$s[. - 1].ts + \$s[. - 1].dur > \$s[.].ts + 1e-6)] | length" "$trace")
  [[ $overlaps == 0 ]] || fail "$overlaps overlapping slices on track $tid"
done
[[ $(jq '[.traceEvents[] | select(.ph == "X" and .name == "decode") | .args.batch] | max' "$trace") -ge 2 ]] ||
  fail "no decode step batched two requests"

# Requests: as many as arrived; begins and ends pair by id, no end before its begin.
arrived=$(jq '.hosts[0].workloads[0].metrics.requests_arrived' "$report")
[[ $(jq '[.traceEvents[] | select(.ph == "b" and .tid == 1)] | length' "$trace") == "$arrived" && $arrived -gt 0 ]] ||
  fail "chat requests != $arrived"
jq -e '[.traceEvents[] | select(.ph == "b" or .ph == "e")] | group_by(.id) |
       all(length == 2 and .[0].ph == "b" and .[1].ph == "e" and .[0].ts <= .[1].ts)' "$trace" > /dev/null ||
  fail "async begins and ends do not pair"
jq -e '[.traceEvents[] | select(.ph == "b") | .args.status] | all(. == "finished")' "$trace" > /dev/null ||
  fail "every request of timeline.yaml finishes within the 5 minutes"

# Counters = the time series, sample for sample.
"$headroom" run "$scenario" --format json --timeseries-interval 30s --timeline "$work/ts.json" > "$work/ts-report.json" ||
  fail "run --timeseries-interval --timeline"
samples=$(jq '.hosts[0].timeseries.samples | length' "$work/ts-report.json")
[[ $samples == 11 ]] || fail "30 s samples over 5 min: $samples, expected 11 (0, 30, ..., 300 s)"
jq -e --slurpfile r "$work/ts-report.json" '
  [.traceEvents[] | select(.ph == "C" and .name == "memory (bytes)")] as $c | $r[0].hosts[0].timeseries.samples as $s |
  ($c | length) == ($s | length) and
  all(range(0; $s | length); $c[.].ts == $s[.].time_s * 1e6 and $c[.].args.anon == $s[.].anon_bytes and
      $c[.].args["page cache"] == $s[.].file_bytes and $c[.].args["unevictable (wired)"] == $s[.].unevictable_bytes and
      $c[.].args.free == $s[.].free_bytes)' "$work/ts.json" > /dev/null || fail "memory counters differ from the time series"
jq -e --slurpfile r "$work/ts-report.json" '
  [.traceEvents[] | select(.ph == "C" and .name == "major faults (cumulative)") | .args.pgmajfault] ==
  [$r[0].hosts[0].timeseries.samples[].pgmajfault]' "$work/ts.json" > /dev/null || fail "fault counters differ"
jq -e '.hosts[0].timeseries.samples[-1] | .anon_bytes + .file_bytes + .unevictable_bytes + .free_bytes == 128 * 1073741824' \
  "$work/ts-report.json" > /dev/null || fail "anon + file + unevictable + free is not the 128 GiB of RAM"

# Same run, same bytes.
"$headroom" run "$scenario" --timeline "$work/again.json" > /dev/null || fail "second run"
cmp -s "$trace" "$work/again.json" || fail "two runs wrote different timelines"

# Progress on a terminal: script(1) runs the command on a pty. progress.yaml takes a few seconds.
if command -v script > /dev/null; then
  slow=tests/cli/data/progress.yaml
  "$headroom" run "$slow" --out "$work/p-plain.md" 2> "$work/p-plain.err" || fail "run progress.yaml"
  [[ ! -s $work/p-plain.err ]] || fail "progress drawn without a terminal: $(cat "$work/p-plain.err")"
  script -qec "'$headroom' run $slow --out '$work/p-tty.md'" /dev/null > "$work/p-tty.typescript" || fail "run on a pty"
  grep -aq 'run: simulated .* of 2 h ([0-9]*%)' "$work/p-tty.typescript" || fail "no progress line on a terminal: $(head -c 300 "$work/p-tty.typescript")"
  cmp -s "$work/p-plain.md" "$work/p-tty.md" || fail "the report differs on a terminal"
  script -qec "'$headroom' compare $slow --out '$work/c-tty.md'" /dev/null > "$work/c-tty.typescript" || fail "compare on a pty"
  grep -aq 'compare: simulated .* of 2 h \[m2-max-96 [0-9]*%, m3-max-128 [0-9]*%\] ([0-9]*%)' "$work/c-tty.typescript" ||
    fail "no compare progress line on a terminal: $(head -c 300 "$work/c-tty.typescript")"
  "$headroom" compare "$slow" --out "$work/c-plain.md" 2> "$work/c-plain.err" || fail "compare progress.yaml"
  [[ ! -s $work/c-plain.err ]] || fail "compare drew progress without a terminal"
  cmp -s "$work/c-plain.md" "$work/c-tty.md" || fail "the compare report differs on a terminal"
else
  echo "note: script(1) (util-linux) not found: the terminal progress checks were skipped"
fi

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "timeline: all checks passed"
