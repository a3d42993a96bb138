#!/usr/bin/env bash
# The validation suite (tests/validation/README.md): every case of tests/validation/cases/ run for
# real in a memory cgroup (and with a temporary swap file where it needs swap), and as a headroom
# scenario; then one table of measured vs predicted.
#
#   sudo tests/validation/run.sh [--calibrate] [--smoke] [--reps N] [--cases a,b,...] [--build DIR]
#
# --calibrate: first re-measure the cases' host (headroom calibrate --swap --name this-vm into
#          tests/validation/hosts/this-vm.yaml, in the work directory on /var/tmp's disk; ~40 s),
#          then run the cases on it. Do it on a quiet machine: the file is committed.
# --smoke: the 2 cases .ci/run runs (mmap-rand-madv, smoke-swap; 2 reps unless --reps; < 2 min);
#          each figure is the smallest over the reps (a busy machine only adds time and, machine-wide,
#          swap traffic); exit 1 when a time per pass, a swap count or the OOM outcome is off by more
#          than 2x (the full suite always exits 0: it is a report)
# --reps N: repetitions per case (default 3); --cases: a comma list (default: every case except
#          the swap-cost experiments swapexp-* and smoke-swap); --build: the build dir (default build/)
# Exit 2 on bad arguments; 3 when the machine cannot run it (not root, no memory cgroup, no swapon),
# with one line saying why. Everything it creates (cgroups, swap file, test files) is removed on
# exit, INT and TERM. Needs jq, awk and the build's headroom and headroom-load.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CASES_DIR=$ROOT/tests/validation/cases
BUILD=$ROOT/build
REPS=3
SMOKE=0
CALIBRATE=0
REPS_GIVEN=0
SMOKE_CASES=mmap-rand-madv,smoke-swap
ONLY=

die() { echo "run.sh: $1" >&2; exit "${2:-2}"; }
while (($#)); do
  case $1 in
    --smoke) SMOKE=1 ;;
    --calibrate) CALIBRATE=1 ;;
    --reps) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--reps needs a positive count, found '${2:-}'"; REPS=$2; REPS_GIVEN=1; shift ;;
    --cases) [[ -n ${2:-} ]] || die "--cases needs a comma list of case names"; ONLY=$2; shift ;;
    --build) [[ -d ${2:-} ]] || die "--build needs a build directory, found '${2:-}'"; BUILD=$(cd "$2" && pwd); shift ;;
    -h|--help) sed -n 2,18p "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
if ((SMOKE)); then [[ -z $ONLY ]] && ONLY=$SMOKE_CASES; ((REPS_GIVEN)) || REPS=2; fi
HEADROOM=$BUILD/headroom LOAD=$BUILD/headroom-load
[[ -x $HEADROOM && -x $LOAD ]] || die "build headroom and headroom-load first (ninja -C $BUILD headroom headroom-load)"
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"

# --- what the machine allows ---------------------------------------------------------------------
[[ $(id -u) == 0 ]] || die "needs root (cgroups, swapon, dropping caches): run it with sudo" 3
if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
  CG_VERSION=2 CG_ROOT=/sys/fs/cgroup
elif [[ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]]; then
  CG_VERSION=1 CG_ROOT=/sys/fs/cgroup/memory
else
  die "no memory cgroup controller (neither cgroup v2 with memory nor v1 at /sys/fs/cgroup/memory)" 3
fi

WORK=$(mktemp -d /var/tmp/headroom-val.XXXXXX) || die "cannot create a work directory in /var/tmp" 3
SWAPFILE=$WORK/swapfile
SWAP_ON=0
CGROUPS=()
cleanup() {
  local cg
  for cg in "${CGROUPS[@]}"; do
    [[ -d $cg ]] || continue
    while read -r pid; do kill -9 "$pid" 2>/dev/null; done <"$cg/cgroup.procs"
    for _ in 1 2 3 4 5; do rmdir "$cg" 2>/dev/null && break; sleep 0.2; done
  done
  ((SWAP_ON)) && swapoff "$SWAPFILE"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the host (before the suite's own swap file: calibrate reads SwapTotal and counts pswpin/out) --
HOST_FILE=$ROOT/tests/validation/hosts/this-vm.yaml
if ((CALIBRATE)); then
  echo "calibrating this-vm into $HOST_FILE (CPU pressure now: $(head -1 /proc/pressure/cpu))"
  "$HEADROOM" calibrate --path "$WORK" --swap --name this-vm --out "$HOST_FILE" ||
    die "headroom calibrate failed (see above); $HOST_FILE is unchanged" 3
fi

# --- cases ---------------------------------------------------------------------------------------
val() { sed -n "s/^# val-$2: *//p" "$CASES_DIR/$1.yaml"; }
if [[ -n $ONLY ]]; then IFS=, read -ra CASES <<<"$ONLY"
else CASES=(); for f in "$CASES_DIR"/*.yaml; do n=$(basename "$f" .yaml); [[ $n == swapexp-* || $n == smoke-* ]] || CASES+=("$n"); done; fi
for c in "${CASES[@]}"; do [[ -f $CASES_DIR/$c.yaml ]] || die "no case '$c' in $CASES_DIR"; done

bytes() { numfmt --from=iec "$1"; }
NEED_SWAP=0
declare -A FILES=()
for c in "${CASES[@]}"; do
  [[ $(val "$c" swap) == yes ]] && NEED_SWAP=1
  for f in $(val "$c" files); do FILES[${f%%=*}]=${f#*=}; done
done
for f in "${!FILES[@]}"; do
  # Random bytes (not zeros or holes, which a virtual disk or the filesystem may not read at all).
  head -c "$(bytes "${FILES[$f]}")" /dev/urandom >"$WORK/$f" || die "cannot write the test file $WORK/$f" 3
done
sync
if ((NEED_SWAP)); then
  # 1 GiB: the largest case keeps at most 512 MiB in swap.
  dd if=/dev/zero of="$SWAPFILE" bs=1M count=1024 status=none && chmod 600 "$SWAPFILE" &&
    mkswap "$SWAPFILE" >/dev/null || die "cannot make a swap file in $WORK" 3
  swapon "$SWAPFILE" 2>/dev/null || die "swapon does not work here (filesystem of $WORK or no swap support)" 3
  SWAP_ON=1
fi

# --- one repetition ------------------------------------------------------------------------------
vmstat() { awk -v k="$1" '$1 == k {print $2}' /proc/vmstat; }
psi_total_us() { sed -n 's/^some .*total=\([0-9]*\)/\1/p' /proc/pressure/cpu; }
make_cgroup() {  # name limit swap(yes|no); sets CG (not in a subshell: cleanup must know it)
  local cg=$CG_ROOT/$1 limit
  limit=$(bytes "$2")
  mkdir "$cg" || die "cannot create the cgroup $cg" 3
  CGROUPS+=("$cg")
  CG=$cg
  if ((CG_VERSION == 2)); then
    echo "$limit" >"$cg/memory.max"
    [[ $3 == yes ]] && echo max >"$cg/memory.swap.max" || echo 0 >"$cg/memory.swap.max"
  else
    echo "$limit" >"$cg/memory.limit_in_bytes"
    # Without swap: memory+swap = memory. With swap it stays unlimited (the swap file bounds it).
    [[ $3 == no && -f $cg/memory.memsw.limit_in_bytes ]] && echo "$limit" >"$cg/memory.memsw.limit_in_bytes"
  fi
}
cg_stat() {  # cgroup key: v1 total_<key> (the group and its children), v2 <key>
  local k=$2; ((CG_VERSION == 1)) && k=total_$2
  awk -v k="$k" '$1 == k {print $2}' "$1/memory.stat"
}
cg_oom_kills() {
  if ((CG_VERSION == 2)); then awk '$1 == "oom_kill" {print $2}' "$1/memory.events"
  else awk '$1 == "oom_kill" {print $2}' "$1/memory.oom_control"; fi
}
# Runs case $1 once (rep $2); writes one JSON object to $WORK/rep.json: time/pass, faults, swap,
# OOM, CPU pressure (the share of the run some task waited for a CPU, /proc/pressure/cpu).
run_rep() {
  local c=$1 rep=$2 cg i pids=() loads=() in0 out0 psi0 t0 t1 statuses=()
  mapfile -t loads < <(val "$c" load)
  local files=(); for f in $(val "$c" files); do files+=("$WORK/${f%%=*}"); done
  ((${#files[@]})) && "$LOAD" drop "${files[@]}"
  make_cgroup "headroom-val-$$-$c-$rep" "$(val "$c" limit)" "$(val "$c" swap)"
  cg=$CG
  in0=$(vmstat pswpin) out0=$(vmstat pswpout) psi0=$(psi_total_us) t0=$(date +%s.%N)
  for i in "${!loads[@]}"; do
    # shellcheck disable=SC2086  # the case's argument line, split on spaces; file names made absolute
    (cd "$WORK" && echo $BASHPID >"$cg/cgroup.procs" && exec "$LOAD" ${loads[$i]}) >"$WORK/out.$i" 2>"$WORK/err.$i" &
    pids+=($!)
  done
  # (wait's stderr: bash's own "Killed" line for an OOM-killed load; the table says it)
  for i in "${!pids[@]}"; do wait "${pids[$i]}" 2>/dev/null; statuses+=($?); done
  t1=$(date +%s.%N)
  local pswpin=$(($(vmstat pswpin) - in0)) pswpout=$(($(vmstat pswpout) - out0))
  local psi_pct; psi_pct=$(awk -v a="$psi0" -v b="$(psi_total_us)" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.0f", (b - a) / 1e4 / (t1 - t0)}')
  local killed=0 s; for s in "${statuses[@]}"; do ((s == 137)) && killed=1; done
  local pass_s majflt
  pass_s=$(cat "$WORK"/out.* | jq -s 'if length == 0 then null else (map(.total_s / .passes) | add / length) end')
  majflt=$(cat "$WORK"/out.* | jq -s 'map(.majflt) | add // 0')
  local sys_s; sys_s=$(cat "$WORK"/out.* | jq -s 'map(.sys_s) | add // 0')
  jq -n --argjson pass_s "$pass_s" --argjson pgmaj "$(cg_stat "$cg" pgmajfault)" --argjson majflt "$majflt" \
    --argjson pswpin "$pswpin" --argjson pswpout "$pswpout" --argjson oom "$(cg_oom_kills "$cg")" \
    --argjson killed "$killed" --argjson psi "$psi_pct" --argjson sys_s "$sys_s" --argjson wall_s "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" \
    '{pass_s: $pass_s, pgmajfault: $pgmaj, majflt: $majflt, pswpin: $pswpin, pswpout: $pswpout,
      oom: ($oom > 0 or $killed == 1), cpu_some_pct: $psi, sys_s: $sys_s, wall_s: $wall_s}' >"$WORK/rep.json"
  # Every repetition's raw figures, for the experiments (swap cost per page: sys_s / pages moved).
  echo "rep $c $rep $(cat "$WORK/rep.json" | jq -c .)" >>"${HEADROOM_VAL_LOG:-/dev/null}"
  for i in "${!loads[@]}"; do [[ -s $WORK/err.$i ]] && sed "s/^/  $c: /" "$WORK/err.$i" >&2; done
  rm -f "$WORK"/out.* "$WORK"/err.*
  rmdir "$cg" 2>/dev/null || { sleep 0.5; rmdir "$cg"; }
}

# What headroom predicts for the case: time per pass (mean over the workloads), faults, swap, OOM.
predict() {
  "$HEADROOM" run "$CASES_DIR/$1.yaml" --format json --out - | jq -c '.hosts[0] |
    {pass_s: ([.workloads[] | select(.metrics.steps_done > 0 and .metrics.time_to_finish_s != null)
               | .metrics.time_to_finish_s / .metrics.steps_done] | if length == 0 then null else add / length end),
     major_faults: .memory.major_faults, swap_in: (.memory.swap_in_bytes / .page_bytes),
     swap_out: (.memory.swap_out_bytes / .page_bytes), oom: (.memory.oom_kills > 0)}'
}

# --- the table -----------------------------------------------------------------------------------
echo "headroom validation: $(uname -r), cgroup v$CG_VERSION, $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GiB," \
  "$REPS reps per case; CPU pressure now: $(head -1 /proc/pressure/cpu)"
echo
echo "| case | measured s/pass (median, spread) | predicted | error | pgmajfault (kernel) | major_faults (model) | pswpin/out measured | swap in/out predicted | OOM real/pred | CPU some % |"
echo "|---|---|---|---|---|---|---|---|---|---|"
RESULTS=()
for c in "${CASES[@]}"; do
  reps=()
  for ((r = 1; r <= REPS; ++r)); do run_rep "$c" "$r"; reps+=("$(cat "$WORK/rep.json")"); done
  pred=$(predict "$c") || pred='{"pass_s":null,"major_faults":null,"swap_in":null,"swap_out":null,"oom":null}'
  row=$(printf '%s\n' "${reps[@]}" | jq -sc --arg case "$c" --argjson pred "$pred" --argjson smoke "$SMOKE" '
    # The smoke takes the smallest rep (noise only adds), the report the median.
    def median: sort | if length == 0 then null elif $smoke == 1 then .[0] else .[(length - 1) / 2 | floor] end;
    (map(select(.pass_s != null) | .pass_s)) as $t |
    {case: $case, pass_s: ($t | median), spread: (if ($t | length) > 0 and ($t | median) > 0 then (($t | max) - ($t | min)) / ($t | median) else null end),
     pgmajfault: (map(.pgmajfault) | median), pswpin: (map(.pswpin) | median), pswpout: (map(.pswpout) | median),
     oom: (map(.oom) | any), cpu: (map(.cpu_some_pct) | median), pred: $pred}
    | .error = (if .pass_s != null and .pred.pass_s != null then (.pred.pass_s - .pass_s) / .pass_s else null end)')
  RESULTS+=("$row")
  echo "$row" | jq -r '
    def f: if . == null then "-" elif . >= 100 then (. | round | tostring) else ((. * 1000 | round) / 1000 | tostring) end;
    def pct: if . == null then "-" else ((. * 100 | round | tostring) + "%") end;
    "| \(.case) | \(.pass_s | f) (±\(if .spread == null then null else .spread / 2 end | pct)) | \(.pred.pass_s | f) | \(.error | pct) | \(.pgmajfault) | \(.pred.major_faults) | \(.pswpin)/\(.pswpout) | \(.pred.swap_in | f)/\(.pred.swap_out | f) | \(.oom)/\(.pred.oom) | \(.cpu) |"'
done
echo
SUMMARY=$(printf '%s\n' "${RESULTS[@]}" | jq -sr '
  # The worst case by factor (a 40x-too-fast prediction is -98%, a 40x-too-slow one +3900%).
  (map(select(.error != null) | {case, e: (.error | fabs), r: (.pred.pass_s / .pass_s)}
       | .f = (if .r >= 1 then .r else 1 / .r end))) as $e |
  if ($e | length) == 0 then "no timed case" else
  "median |time error| \((($e | map(.e) | sort | .[(length - 1) / 2 | floor]) * 100 | round))% over \($e | length) timed cases; worst: \(($e | max_by(.f)).case) (predicted/measured \((($e | max_by(.f)).r * 1000 | round) / 1000))" end')
echo "$SUMMARY"
((SMOKE)) || exit 0

# Smoke: a time per pass off by more than 2x, swapped pages off by more than 2x (when either side
# moved more than 1000 pages), or the OOM outcome disagreeing, fails.
BAD=$(printf '%s\n' "${RESULTS[@]}" | jq -sr '
  def ratio(a; b): if a > b then a / b else b / a end;
  def off_time: .pass_s != null and .pred.pass_s != null and ratio(.pass_s; .pred.pass_s) > 2;
  def off_count(a; b): (a > 1000 or b > 1000) and ratio(a + 1; b + 1) > 2;
  .[] | select(off_time or off_count(.pswpin; .pred.swap_in) or off_count(.pswpout; .pred.swap_out) or (.oom != .pred.oom)) | .case')
[[ -z $BAD ]] && { echo "smoke: every figure within 2x"; exit 0; }
echo "smoke: off by more than 2x: $(echo $BAD)"
exit 1
