#!/bin/bash
# headroom capture against real processes (sim/capture/README.md):
#   1. a child (capture_child) that reaches known states (+ANON MiB anonymous, + a FILE MiB file
#      mmap'd and read, the anonymous memory freed), each held for HOLD s: the --pid capture shows
#      each state within one interval of the child reaching it, within the tolerance of RSS
#      accounting (TOL: per-CPU counter batching, the child's own stack and libc), and ends on its
#      own when the child exits, saying so, exit 0, no FILE.tmp left;
#   2. the same child inside a memory cgroup (v1 or v2, nested under this test's own cgroup; root
#      only, else skipped with a message): --cgroup shows anon and the file's page cache;
#   3. SIGINT and SIGTERM mid-capture: exit 0, every row complete, no FILE.tmp;
#   4. a vanishing pid: the capture stops with the samples so far and names the exit.
# Usage: capture.sh HEADROOM CAPTURE_CHILD WORKDIR
set -u -m  # -m: job control, so a background capture keeps SIGINT (a non-interactive shell ignores it)
headroom=$1
child=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
interval=0.2 # seconds, = --interval 200ms
hold=1.2
anon_mib=256
file_mib=128
tol_mib=8

# check_states CSV LOG WHAT: every sample read while the child held a state (from its log line
# to HOLD s later; then it moves on, and samples taken while it allocates are in between) shows that phase's anon and file levels (relative to the base phase, +-TOL MiB), and the
# first such sample came within one interval (+100 ms of scheduling slack on a loaded machine) of the phase.
check_states() {
  local csv=$1 log=$2 what=$3
  awk -F, -v interval=$interval -v hold=$hold -v anon_mib=$anon_mib -v file_mib=$file_mib -v tol_mib=$tol_mib -v what="$what" '
    FNR == NR { split($0, w, " "); phase[++phases] = w[1]; at[phases] = w[2]; next }
    /^# headroom capture:/ { match($0, /monotonic_start_s=[0-9.]+/); start = substr($0, RSTART + 18, RLENGTH - 18); next }
    /^time,/ { next }
    {
      t = start + $1
      p = 0
      for (i = 1; i <= phases; i++) if (t >= at[i]) p = i
      if (p == 0 || t >= at[p] + hold) next  # before the child started, or moving to the next state
      if (!(p in first)) first[p] = t
      anon[p, ++n[p]] = $3; file[p, n[p]] = $4; rss[p, n[p]] = $2
    }
    function near(value, expected) { return value >= expected - tol_mib * 1048576 && value <= expected + tol_mib * 1048576 }
    END {
      bad = 0
      if (phases != 4) { print "FAIL: " what ": child logged " phases " phases"; exit 1 }
      base_anon = anon[1, 1]; base_file = file[1, 1]
      want_anon[1] = base_anon; want_file[1] = base_file
      want_anon[2] = base_anon + anon_mib * 1048576; want_file[2] = base_file
      want_anon[3] = want_anon[2]; want_file[3] = base_file + file_mib * 1048576
      want_anon[4] = base_anon; want_file[4] = want_file[3]
      for (p = 1; p <= 4; p++) {
        if (!(p in first)) { print "FAIL: " what ": no sample during phase " phase[p]; bad = 1; continue }
        if (first[p] - at[p] > interval + 0.1) {
          printf "FAIL: %s: first sample of phase %s came %.3f s after it (interval %s s)\n", what, phase[p], first[p] - at[p], interval; bad = 1 }
        for (k = 1; k <= n[p]; k++) {
          if (!near(anon[p, k], want_anon[p]) || !near(file[p, k], want_file[p])) {
            printf "FAIL: %s: phase %s sample %d: anon %d file %d, expected %d and %d (+-%d MiB)\n", what, phase[p], k, anon[p, k], file[p, k], want_anon[p], want_file[p], tol_mib; bad = 1 }
          if (rss[p, k] != "" && rss[p, k] + 0 < anon[p, k] + file[p, k] - tol_mib * 1048576) {
            printf "FAIL: %s: phase %s sample %d: rss %d below anon + file\n", what, phase[p], k, rss[p, k]; bad = 1 }
        }
        printf "%s: phase %s: %d samples, first %.3f s after it\n", what, phase[p], n[p], first[p] - at[p]
      }
      exit bad
    }' "$log" "$csv" || failures=$((failures + 1))
}

# well_formed CSV WHAT: the header comment, the column line, and rows of 10 fields each.
well_formed() {
  local csv=$1 what=$2
  [ -e "$csv.tmp" ] && fail "$what: $csv.tmp left behind"
  [ "$(sed -n 2p "$csv")" = "time,rss,anon,file,swap,pgmajfault,pswpin,pswpout,psi_some_us,psi_full_us" ] ||
    fail "$what: column line is '$(sed -n 2p "$csv")'"
  awk -F, -v what="$what" 'NR > 2 && NF != 10 { print "FAIL: " what ": row " NR " has " NF " fields"; bad = 1 } END { exit bad }' "$csv" ||
    failures=$((failures + 1))
  [ -z "$(tail -c1 "$csv")" ] || fail "$what: last line is not complete"
}

# wait_for_line FILE SECONDS: until FILE has a line.
wait_for_line() {
  for ((i = 0; i < $2 * 20; i++)); do
    [ -s "$1" ] && return 0
    sleep 0.05
  done
  return 1
}

# --- 1. a process through known states -----------------------------------------------------------
"$child" $hold $anon_mib $file_mib "$work/child.data" >"$work/pid.log" &
child_pid=$!
wait_for_line "$work/pid.log" 30 || fail "the child did not start"
"$headroom" capture --pid $child_pid --interval 200ms --out "$work/pid.csv" 2>"$work/pid.err"
status=$?
wait $child_pid || fail "the child failed"
[ $status = 0 ] || fail "--pid capture exited $status: $(cat "$work/pid.err")"
[ "$(cat "$work/pid.err")" = "capture: process $child_pid exited; wrote $(($(wc -l <"$work/pid.csv") - 2)) samples to $work/pid.csv" ] ||
  fail "--pid capture said '$(cat "$work/pid.err")'"
well_formed "$work/pid.csv" "--pid"
check_states "$work/pid.csv" "$work/pid.log" "--pid"

# --- 2. the same in a memory cgroup --------------------------------------------------------------
own=$(awk -F: '$2 == "memory" { print $3 } $1 == "0" && $2 == "" { v2 = $3 } END { if (v2 != "") print "v2:" v2 }' /proc/self/cgroup | head -1)
cgroup=""
if [ "$(id -u)" != 0 ]; then
  echo "skipped: the cgroup capture needs root (it creates a memory cgroup)"
elif [ -d /sys/fs/cgroup/memory ] && [ -n "$own" ] && [ "${own#v2:}" = "$own" ]; then
  cgroup=/sys/fs/cgroup/memory${own%/}/headroom-capture-test-$$
elif [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
  cgroup=/sys/fs/cgroup${own#v2:}
  cgroup=${cgroup%/}/headroom-capture-test-$$
else
  echo "skipped: no memory cgroup hierarchy to create a test cgroup in"
fi
if [ -n "$cgroup" ] && mkdir "$cgroup" 2>/dev/null; then
  # The child enters the cgroup before it writes its file (a subshell moves itself, then execs).
  (echo $BASHPID >"$cgroup/cgroup.procs" && exec "$child" $hold $anon_mib $file_mib "$work/cg.data") >"$work/cg.log" &
  cg_pid=$!
  wait_for_line "$work/cg.log" 30 || fail "the cgroup child did not start"
  "$headroom" capture --cgroup "$cgroup" --interval 200ms --out "$work/cg.csv" 2>"$work/cg.err" &
  cap_pid=$!
  wait $cg_pid || fail "the cgroup child failed"
  sleep 0.5
  kill -INT $cap_pid
  wait $cap_pid
  status=$?
  [ $status = 0 ] || fail "--cgroup capture exited $status: $(cat "$work/cg.err")"
  well_formed "$work/cg.csv" "--cgroup"
  head -1 "$work/cg.csv" | grep -q "source=cgroup v[12] $cgroup" || fail "--cgroup header: $(head -1 "$work/cg.csv")"
  # anon: base + ANON at its peak, back at the base at the end; file: the FILE MiB written at base.
  awk -F, -v anon_mib=$anon_mib -v file_mib=$file_mib -v tol_mib=$tol_mib '
    NR > 2 { if ($3 + 0 > max_anon) max_anon = $3; if (NR == 3) base = $3; last = $3; if ($4 + 0 > max_file) max_file = $4 }
    END {
      mib = 1048576
      if (max_anon < base + (anon_mib - tol_mib) * mib) { printf "FAIL: --cgroup: anon peaked at %d, expected base %d + %d MiB\n", max_anon, base, anon_mib; exit 1 }
      if (max_file < (file_mib - tol_mib) * mib) { printf "FAIL: --cgroup: file peaked at %d, expected at least %d MiB\n", max_file, file_mib; exit 1 }
      if (last > base + tol_mib * mib) { printf "FAIL: --cgroup: anon ended at %d, expected back at the base %d\n", last, base; exit 1 }
      printf "--cgroup: anon base %d peak %d last %d, file peak %d\n", base, max_anon, last, max_file
    }' "$work/cg.csv" || failures=$((failures + 1))
  rmdir "$cgroup" || fail "could not remove $cgroup"
fi

# --- 3. SIGINT and SIGTERM mid-capture -----------------------------------------------------------
for signal in INT TERM; do
  sleep 30 &
  sleeper=$!
  "$headroom" capture --pid $sleeper --interval 100ms --out "$work/sig$signal.csv" 2>"$work/sig$signal.err" &
  cap_pid=$!
  sleep 0.7
  [ -e "$work/sig$signal.csv.tmp" ] || fail "SIG$signal: no $work/sig$signal.csv.tmp while capturing"
  kill -$signal $cap_pid
  wait $cap_pid
  status=$?
  kill $sleeper
  wait $sleeper 2>/dev/null
  [ $status = 0 ] || fail "SIG$signal: capture exited $status"
  rows=$(($(wc -l <"$work/sig$signal.csv") - 2))
  [ "$(cat "$work/sig$signal.err")" = "capture: stopped by SIG$signal; wrote $rows samples to $work/sig$signal.csv" ] ||
    fail "SIG$signal: capture said '$(cat "$work/sig$signal.err")'"
  [ $rows -ge 4 ] || fail "SIG$signal: only $rows samples in 0.7 s at 100 ms"
  well_formed "$work/sig$signal.csv" "SIG$signal"
done

# --- 4. a pid that vanishes ----------------------------------------------------------------------
sleep 0.5 &
short=$!
"$headroom" capture --pid $short --interval 100ms --out "$work/gone.csv" 2>"$work/gone.err"
status=$?
rows=$(($(wc -l <"$work/gone.csv") - 2))
[ $status = 0 ] || fail "vanishing pid: capture exited $status"
[ "$(cat "$work/gone.err")" = "capture: process $short exited; wrote $rows samples to $work/gone.csv" ] ||
  fail "vanishing pid: capture said '$(cat "$work/gone.err")'"
[ $rows -ge 3 ] && [ $rows -le 7 ] || fail "vanishing pid: $rows samples of a 0.5 s process at 100 ms"
well_formed "$work/gone.csv" "vanishing pid"
# ...and once gone, it is refused.
wait $short
err=$("$headroom" capture --pid $short --out "$work/never.csv" 2>&1)
[ $? = 2 ] && [ "$err" = "error: capture: no process with pid $short (cannot read /proc/$short/status: No such file or directory)" ] ||
  fail "a gone pid: '$err'"
[ -e "$work/never.csv" ] || [ -e "$work/never.csv.tmp" ] && fail "a refused capture wrote a file"

rm -rf "$work"
[ $failures = 0 ] && echo "capture: all checks passed"
exit $((failures > 0))
