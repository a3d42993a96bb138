#!/usr/bin/env bash
# What `--out` does to what is already at the path (analysis/output_file.hpp): a device stays a
# device, a symbolic link stays a link while its target is replaced with its mode kept, a new file
# follows the umask, and nothing else is left in the directory.
# Usage: out_targets.sh HEADROOM WORKDIR (run from the repository root; ctest: cli.out_targets).
set -u
headroom=$1
work=$2
rm -rf "$work" && mkdir -p "$work/real"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
report() { "$headroom" run scenarios/default.yaml --host m3-max-128 --format csv "$@"; }
expected=$(report) || { echo "FAIL: headroom run failed"; exit 1; }

report --out /dev/null || fail "--out /dev/null exited $?"
[[ -c /dev/null ]] || fail "/dev/null is no longer a character device"

echo old > "$work/real/report.csv"
chmod 0640 "$work/real/report.csv"
ln -s real/report.csv "$work/link.csv"
report --out "$work/link.csv" || fail "--out through a link exited $?"
[[ -L $work/link.csv ]] || fail "the link was replaced by a file"
[[ $(readlink "$work/link.csv") == real/report.csv ]] || fail "the link points elsewhere: $(readlink "$work/link.csv")"
[[ $(cat "$work/real/report.csv") == "$expected" ]] || fail "the link's target does not hold the report"
[[ $(stat -c %a "$work/real/report.csv") == 640 ]] || fail "target mode $(stat -c %a "$work/real/report.csv"), expected 640"

(umask 027 && report --out "$work/new-027.csv") || fail "--out with umask 027 exited $?"
(umask 002 && report --out "$work/new-002.csv") || fail "--out with umask 002 exited $?"
[[ $(stat -c %a "$work/new-027.csv") == 640 ]] || fail "umask 027 gave mode $(stat -c %a "$work/new-027.csv"), expected 640"
[[ $(stat -c %a "$work/new-002.csv") == 664 ]] || fail "umask 002 gave mode $(stat -c %a "$work/new-002.csv"), expected 664"
[[ $(cat "$work/new-027.csv") == "$expected" ]] || fail "--out wrote something else than stdout"

left=$(cd "$work" && ls -A . real | tr '\n' ' ')
[[ $left == ".: link.csv new-002.csv new-027.csv real  real: report.csv " ]] || fail "unexpected files: $left"
rm -rf "$work"
[[ $failures -eq 0 ]] && echo "--out keeps devices, links, modes and the umask"
exit $((failures > 0))
