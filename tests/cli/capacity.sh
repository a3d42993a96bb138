#!/usr/bin/env bash
# `headroom capacity` and scenario SLOs end to end (analysis/README.md "SLO targets", README.md
# "Capacity at an SLO"):
# - closed form: tests/cli/data/capacity/dd1.yaml is a D/D/1 server whose queue-wait knee is
#   R* = 100 / (109 S) requests/s (S: a request's service time, read from a run at a low rate);
#   the search must bracket R* within the tolerance;
# - the probes are consistent (every rate that met is below every rate that missed) and distinct;
# - the same command gives the same bytes, with -j 1 or 2, and --slo equal to the scenario's slo:
#   gives the same search;
# - --min above the knee says "below-min", --max below it "at-least-max";
# - a run of a scenario with slo: reports it (json slo fields, md SLO row).
# Usage: capacity.sh HEADROOM WORKDIR (run from the repository root; ctest: cli.capacity).
set -u
headroom=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
dd1=tests/cli/data/capacity/dd1.yaml

# S at the scenario's own rate (1/min: every request alone).
"$headroom" run "$dd1" --format json > "$work/run.json" || fail "run exited $?"
service_s=$(jq '.hosts[0].workloads[0].metrics.e2e_s.p50' "$work/run.json")
[ "$(jq -r '.hosts[0].slo' "$work/run.json")" = met ] || fail "run: slo expected met"
[ "$(jq '.hosts[0].workloads[0].slo.targets.queue_wait_p99.decided' "$work/run.json")" = 101 ] || fail "run: 101 decided"
"$headroom" run "$dd1" > "$work/run.md" || fail "run md exited $?"
grep -q '^| SLO | \*\*met\*\* |$' "$work/run.md" || fail "run md: no SLO row"

"$headroom" capacity "$dd1" --workload chat --format json --out "$work/c.json" || fail "capacity exited $?"
read -r outcome cap miss < <(jq -r '.hosts[0] | "\(.outcome) \(.capacity_rate_per_s) \(.first_missed_rate_per_s)"' "$work/c.json")
[ "$outcome" = found ] || fail "outcome: expected found, got $outcome"
# capacity <= R* <= first missed <= capacity x 1.02
awk -v s="$service_s" -v c="$cap" -v m="$miss" 'BEGIN {
  knee = 100 / (109 * s)
  printf "knee %.6f/s (S %.6f s): capacity %.6f, first missed %.6f\n", knee, s, c, m
  exit !(c <= knee && knee <= m && m <= c * 1.02 + 1e-12) }' || fail "capacity does not bracket the knee"
# Every met probe below every missed one, no rate probed twice.
jq -e '.hosts[0].probes | ([.[] | select(.slo == "met") | .rate_per_s] | max) < ([.[] | select(.slo == "missed") | .rate_per_s] | min)' \
  "$work/c.json" > /dev/null || fail "probes: a met rate above a missed one"
jq -e '.hosts[0].probes | (map(.rate_per_s) | unique | length) == length' "$work/c.json" > /dev/null || fail "probes: a rate probed twice"

# Deterministic: again, with -j 1, and with --slo spelling the scenario's own target.
"$headroom" capacity "$dd1" --workload chat --format json -j 1 > "$work/c1.json" || fail "capacity -j 1 exited $?"
cmp -s "$work/c.json" "$work/c1.json" || fail "-j 1 output differs"
"$headroom" capacity "$dd1" --workload chat --format json --slo queue_wait_p99=1ms > "$work/c2.json" || fail "--slo exited $?"
cmp -s "$work/c.json" "$work/c2.json" || fail "--slo queue_wait_p99=1ms differs from the scenario's slo:"
"$headroom" capacity "$dd1" --workload chat > "$work/a.md" && "$headroom" capacity "$dd1" --workload chat > "$work/b.md" ||
  fail "capacity md exited $?"
cmp -s "$work/a.md" "$work/b.md" || fail "md output differs between runs"
grep -q "^- \*\*m3-max-128\*\*: serves " "$work/a.md" || fail "md: no capacity sentence"

# Bounds: the capacity below --min, or at least --max.
"$headroom" capacity "$dd1" --workload chat --min 1/s --max 4/s --format json > "$work/low.json" || fail "below-min exited $?"
[ "$(jq -r '.hosts[0].outcome' "$work/low.json")" = below-min ] || fail "--min 1/s: expected below-min"
[ "$(jq -r '.hosts[0].capacity_rate_per_s' "$work/low.json")" = null ] || fail "below-min: capacity not null"
"$headroom" capacity "$dd1" --workload chat --min 0.1/s --max 0.5/s --format csv > "$work/high.csv" || fail "at-least-max exited $?"
grep -q '^m3-max-128,at-least-max,' "$work/high.csv" || fail "--max 0.5/s: expected at-least-max"
"$headroom" capacity "$dd1" --workload chat --min 0.1/s --max 0.5/s > "$work/high.md"
grep -q 'still meets the SLO: its capacity is at least that' "$work/high.md" || fail "md: at-least-max sentence"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "capacity: all checks passed"
