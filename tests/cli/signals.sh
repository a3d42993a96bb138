#!/usr/bin/env bash
# `headroom compare` stopped by a signal: SIGINT to the parent alone, SIGINT to its whole process
# group (a terminal's Ctrl-C), SIGTERM, and kill -9 of the parent; then `run` and SIGINT. Each must leave no simulation
# running, no report and no temporary file; the first three must exit 128 + signal with one line.
# Usage: signals.sh HEADROOM WORKDIR (run from the repository root; ctest: cli.compare_signals).
set -u -m  # -m: job control, so a background job keeps SIGINT (a non-interactive shell ignores it)
headroom=$1
work=$2
rm -rf "$work" && mkdir -p "$work/tmp" "$work/out"
export TMPDIR=$work/tmp
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# children_of PID, alive PID
source "$(dirname "${BASH_SOURCE[0]}")/process_helpers.sh"

# Starts compare on the slow scenario and waits until both children simulate; sets $parent, $kids.
start_compare() {
  "$headroom" compare tests/cli/data/slow.yaml --jobs 2 --out "$work/out/report.json" 2> "$work/stderr" &
  parent=$!
  kids=""
  for _ in $(seq 100); do
    kids=$(children_of "$parent")
    [[ $(wc -w <<< "$kids") -eq 2 ]] && break
    sleep 0.1
  done
  [[ $(wc -w <<< "$kids") -eq 2 ]] || fail "compare did not start two children (found: $kids)"
  sleep 0.5  # past fork: inside the simulation
}

check_clean() {  # $1: case name
  local kid
  for _ in $(seq 50); do
    local left=""
    for kid in $kids; do alive "$kid" && left+=" $kid"; done
    [[ -z $left ]] && break
    sleep 0.1
  done
  for kid in $kids; do alive "$kid" && { fail "$1: child $kid still runs"; kill -9 "$kid"; }; done
  [[ -z $(ls -A "$work/out") ]] || fail "$1: files left in the output directory: $(ls -A "$work/out")"
  [[ -z $(ls -A "$work/tmp") ]] || fail "$1: files left in TMPDIR: $(ls -A "$work/tmp")"
}

check_stopped() {  # $1: case name, $2: expected status, $3: expected stderr
  local status=$4
  [[ $status -eq $2 ]] || fail "$1: exit status $status, expected $2"
  [[ $(cat "$work/stderr") == "$3" ]] || fail "$1: stderr '$(cat "$work/stderr")', expected '$3'"
  check_clean "$1"
}

start_compare
kill -INT "$parent"
wait "$parent"
check_stopped "SIGINT to the parent" 130 "error: interrupted by SIGINT; every simulation was stopped" $?

start_compare
kill -INT -- "-$parent"  # the job's process group: parent and children, as Ctrl-C does
wait "$parent"
check_stopped "SIGINT to the process group" 130 "error: interrupted by SIGINT; every simulation was stopped" $?

start_compare
kill -TERM "$parent"
wait "$parent"
check_stopped "SIGTERM" 143 "error: interrupted by SIGTERM; every simulation was stopped" $?

start_compare
kill -KILL "$parent"
wait "$parent" 2>/dev/null
check_clean "kill -9 of the parent"

# `run` simulates in-process, where SimGrid would turn SIGINT into exit(1) without a word.
kids=""
"$headroom" run tests/cli/data/slow.yaml --out "$work/out/report.json" 2> "$work/stderr" &
parent=$!
# Past start-up (a loaded machine or a sanitizer build can take seconds): SimGrid's module is
# loaded once the scenario is validated, right before the simulation, whose handler is then set.
for _ in $(seq 300); do
  grep -q simgrid "/proc/$parent/maps" 2>/dev/null && break
  sleep 0.1
done
sleep 0.5
kill -INT "$parent"
wait "$parent"
check_stopped "run and SIGINT" 130 "error: interrupted by SIGINT; the simulation was stopped" $?

rm -rf "$work"
[[ $failures -eq 0 ]] && echo "compare and run stop cleanly on SIGINT, SIGTERM and kill -9"
exit $((failures > 0))
