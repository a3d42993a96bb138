#!/usr/bin/env bash
# `headroom sweep` stopped by SIGINT (the terminal's Ctrl-C, to the whole process group) and by
# SIGTERM: exit 128 + signal with one line, no child left, no temporary file, the points that had
# finished intact. Then a point whose child crashes (killed with SIGKILL) is recorded as failed with
# its reason, the sweep goes on and exits 0 naming it.
# Usage: sweep_signals.sh HEADROOM WORKDIR (run from the repository root; ctest: cli.sweep_signals).
set -u -m  # -m: job control, so a background job keeps SIGINT (a non-interactive shell ignores it)
headroom=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# children_of PID, alive PID
source "$(dirname "${BASH_SOURCE[0]}")/process_helpers.sh"
none_alive() {  # true when none of the pids in $kids runs
  local kid
  for kid in $kids; do alive "$kid" && return 1; done
  return 0
}
wait_for() {  # $1: a test command (string), up to 30 s
  for _ in $(seq 300); do
    eval "$1" && return 0
    sleep 0.1
  done
  return 1
}

# tests/cli/data/slow.yaml simulates for about a minute per host; at 1s it is instant. p0000 and
# p0001 (1s) finish at once, p0002 and p0003 are still running when the signal comes.
start_sweep() {  # $1: output directory
  "$headroom" sweep tests/cli/data/slow.yaml --set duration=1s,1000000s -j 2 --quiet --out "$1" \
    > "$work/stdout" 2> "$work/stderr" &
  parent=$!
  wait_for "[[ -e $1/points/p0001.json && \$(children_of $parent | wc -w) -eq 2 ]]" ||
    fail "the sweep did not finish two points and start two more"
  kids=$(children_of "$parent" | tr '\n' ' ')
  sleep 0.5  # past fork: inside the simulation
}

check_stopped() {  # $1: case, $2: directory, $3: expected status, $4: expected stderr, $5: status
  [[ $5 -eq $3 ]] || fail "$1: exit status $5, expected $3"
  [[ $(cat "$work/stderr") == "$4" ]] || fail "$1: stderr '$(cat "$work/stderr")', expected '$4'"
  local kid
  wait_for none_alive || fail "$1: children still run"
  for kid in $kids; do alive "$kid" && kill -9 "$kid"; done
  [[ -z $(find "$2" -name '*.tmp*') ]] || fail "$1: temporary files left: $(find "$2" -name '*.tmp*')"
  [[ $(ls "$2/points" | tr '\n' ' ') == "p0000.json p0001.json " ]] || fail "$1: point files $(ls "$2/points")"
  grep -q '"status": "ok"' "$2/points/p0000.json" && grep -q '"status": "ok"' "$2/points/p0001.json" ||
    fail "$1: the finished points are not intact"
  [[ -s $2/sweep.json ]] || fail "$1: sweep.json missing"
}

start_sweep "$work/int"
kill -INT -- "-$parent"  # the job's process group: parent and children, as Ctrl-C does
wait "$parent"
check_stopped "SIGINT to the process group" "$work/int" 130 "error: interrupted by SIGINT; every simulation was stopped" $?

start_sweep "$work/term"
kill -TERM "$parent"
wait "$parent"
check_stopped "SIGTERM" "$work/term" 143 "error: interrupted by SIGTERM; every simulation was stopped" $?

# A crashed point: p0000 (slow) is killed; p0001 (1s) still runs; exit 0 naming p0000.
"$headroom" sweep tests/cli/data/slow.yaml --set duration=1000000s,1s --hosts m3-max-128 -j 1 --quiet \
  --out "$work/crash" > "$work/stdout" 2> "$work/stderr" &
parent=$!
wait_for "[[ \$(children_of $parent | wc -w) -eq 1 ]]" || fail "crash: no child started"
sleep 0.5
kill -KILL $(children_of "$parent")
wait "$parent"
status=$?
[[ $status -eq 0 ]] || fail "crash: exit status $status: $(cat "$work/stderr")"
expected="sweep: ran 2 of 2 points: 1 ok, 1 failed; results in $work/crash
failed: p0000 (host m3-max-128, duration=1000000s): error: simulation of host 'm3-max-128' crashed with signal 9 (Killed)"
[[ $(cat "$work/stdout") == "$expected" ]] || fail "crash: stdout '$(cat "$work/stdout")'"
grep -q '"status": "failed"' "$work/crash/points/p0000.json" || fail "crash: p0000 not recorded as failed"
grep -q '"exit_code": 137' "$work/crash/points/p0000.json" || fail "crash: p0000's exit code is not 137"
grep -q '"reason": "error: simulation of host '"'"'m3-max-128'"'"' crashed with signal 9 (Killed)"' \
  "$work/crash/points/p0000.json" || fail "crash: p0000's reason: $(cat "$work/crash/points/p0000.json")"
grep -q '"result"' "$work/crash/points/p0000.json" && fail "crash: a failed point has a result"
grep -q '"status": "ok"' "$work/crash/points/p0001.json" || fail "crash: p0001 did not run after the crash"
# --resume keeps the ok point and would run the failed one again: shard 2/2 holds only p0001.
out=$("$headroom" sweep tests/cli/data/slow.yaml --set duration=1000000s,1s --hosts m3-max-128 --quiet --resume \
  --shard 2/2 --out "$work/crash")
[[ $out == "sweep: ran 0 of 2 points (shard 2/2): 0 ok, 0 failed, 1 already ok; results in $work/crash" ]] ||
  fail "crash: resume of shard 2/2: '$out'"

[[ $failures -eq 0 ]] && echo "sweep_signals: all checks passed"
exit $((failures > 0))
