#!/bin/bash
# headroom calibrate: refusals with their exact messages (exit 2), and cleanup when stopped: SIGINT
# during the disk measurements and SIGTERM during the swap measurement leave no test file, no swap
# file in /proc/swaps and no cgroup. Parts that need root (another user, a tmpfs, swapon) say so
# and are skipped when not root. Usage: calibrate.sh HEADROOM WORKDIR
set -u
headroom=$1
work=$2
rm -rf "$work"
mkdir -p "$work/disk" "$work/out"
chmod 755 "$work" "$work/disk" "$work/out"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect STATUS MESSAGE COMMAND...: exit status and the exact stderr.
expect() {
  local status=$1 message=$2
  shift 2
  local err
  err=$("$@" 2>&1 >/dev/null)
  local got=$?
  [ "$got" = "$status" ] || fail "$* exited $got, expected $status (stderr: $err)"
  [ "$err" = "$message" ] || fail "$*: stderr was '$err', expected '$message'"
}

nothing_left() {  # what: no file in the disk dir, no swap file, no cgroup of ours
  local what=$1 pid=$2
  [ -z "$(ls -A "$work/disk")" ] || fail "$what: files left in $work/disk: $(ls -A "$work/disk")"
  grep -q "headroom-calibrate" /proc/swaps && fail "$what: a swap file is still on: $(grep headroom-calibrate /proc/swaps)"
  for dir in /sys/fs/cgroup/headroom-calibrate-$pid /sys/fs/cgroup/memory/headroom-calibrate-$pid; do
    [ -e "$dir" ] && fail "$what: cgroup $dir is left"
  done
  [ -e "$work/out/host.yaml" ] && fail "$what: wrote $work/out/host.yaml although stopped"
}

# wait_for SECONDS TEST...: polls until the test holds.
wait_for() {
  local limit=$(( $1 * 10 ))
  shift
  for ((i = 0; i < limit; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
has_data_file() { compgen -G "$work/disk/.headroom-calibrate-*.data" >/dev/null; }
swap_is_on() { grep -q "$work/disk/.headroom-calibrate-$1.swap" /proc/swaps && [ -n "$(cat "$2/cgroup.procs" 2>/dev/null)" ]; }

# --- Refusals -----------------------------------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  expect 2 "error: calibrate: --swap needs root (it runs swapon and creates a memory cgroup); run as root or drop --swap" \
    "${as_user[@]}" "$headroom" calibrate --swap --path /tmp --out /tmp/headroom-cal-never.yaml
  # A root-owned directory the other user can reach but not write: under /tmp, since the build
  # tree may sit below a directory that user cannot even traverse (a clone in /root, a mktemp -d).
  readonly_dir=$(mktemp -d /tmp/headroom-cal-readonly.XXXXXX)
  chmod 755 "$readonly_dir"
  expect 2 "error: calibrate: --path '$readonly_dir': not writable by this user (calibrate writes its test files there)" \
    "${as_user[@]}" "$headroom" calibrate --path "$readonly_dir" --out /tmp/headroom-cal-never.yaml
  rmdir "$readonly_dir"
  mkdir -p "$work/small"
  expect 2 "error: calibrate: --path '$work/small': not enough free space: calibrate needs 320 MiB (test file, plus 64 MiB to spare), 16 MiB are free" \
    unshare --mount sh -c "mount -t tmpfs -o size=16m none '$work/small' && exec '$headroom' calibrate --path '$work/small' --out /tmp/headroom-cal-never.yaml"
else
  echo "not root: --swap is refused for this user; the not-writable and no-space refusals need root to set up (skipped)"
  expect 2 "error: calibrate: --swap needs root (it runs swapon and creates a memory cgroup); run as root or drop --swap" \
    "$headroom" calibrate --swap --path /tmp --out /tmp/headroom-cal-never.yaml
fi

# interrupt NAME STATUS ERRFILE: sends SIG<NAME> to $pid and checks calibrate's exit status, its
# one line and that it left nothing behind.
interrupt() {
  local name=$1 expected=$2 err=$3
  kill -"$name" $pid
  wait $pid
  local status=$?
  [ $status = "$expected" ] || fail "SIG$name: exit status $status, expected $expected"
  grep -qx "error: calibrate interrupted by SIG$name; every file, swap file and cgroup it created was removed" "$err" ||
    fail "SIG$name: stderr was: $(cat "$err")"
  nothing_left "SIG$name" $pid
}

# --- SIGINT during the disk measurements ----------------------------------------------------------
"$headroom" calibrate --path "$work/disk" --repeat 20 --out "$work/out/host.yaml" 2>"$work/sigint.err" &
pid=$!
if wait_for 60 has_data_file; then
  sleep 0.3
  interrupt INT 130 "$work/sigint.err"
else
  kill -KILL $pid; fail "SIGINT: the test file never appeared"
fi

# --- SIGTERM during the swap measurement (root) ---------------------------------------------------
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: the swap cleanup test needs root (swapon, memory cgroup)"
else
  "$headroom" calibrate --path "$work/disk" --swap --repeat 3 --out "$work/out/host.yaml" 2>"$work/sigterm.err" &
  pid=$!
  cgroup=/sys/fs/cgroup/memory/headroom-calibrate-$pid
  grep -q memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null && cgroup=/sys/fs/cgroup/headroom-calibrate-$pid
  if wait_for 150 swap_is_on $pid "$cgroup"; then
    sleep 0.5
    interrupt TERM 143 "$work/sigterm.err"
  else
    kill -KILL $pid; wait $pid; fail "SIGTERM: the swap file and cgroup never appeared (stderr: $(cat "$work/sigterm.err"))"
  fi
fi

rm -rf "$work"
[ $failures = 0 ] && echo "calibrate.sh: all checks passed"
exit $((failures > 0))
