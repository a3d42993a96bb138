#!/usr/bin/env bash
# sim/sweep/slurm/headroom-sweep.sbatch without Slurm: the array task variables Slurm sets are given
# by hand and $HEADROOM is a stand-in that prints the arguments it gets, so this runs anywhere (no
# root, no daemons). Checks the shard each task runs, --out, -j, --resume on a second run, and the
# refusals (exit 2, one line).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
script=$repo/sim/sweep/slurm/headroom-sweep.sbatch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\nprintf "%%s|" "$@"\n' >"$tmp/headroom"
chmod +x "$tmp/headroom"
failures=0

# expect NAME STATUS OUTPUT ENV... -- ARGS...: the script's exit status and its stdout + stderr.
expect() {
  local name=$1 status=$2 output=$3 envs=() got got_status=0
  shift 3
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  got=$(env -i PATH="$PATH" HEADROOM="$tmp/headroom" "${envs[@]}" bash "$script" "$@" 2>&1) || got_status=$?
  got=$(printf '%s\n' "$got" | grep -v '^headroom-sweep: job ')  # the task's banner line
  if [ "$got_status" != "$status" ] || [ "$got" != "$output" ]; then
    echo "FAIL $name: expected exit $status and"; echo "  $output"
    echo "got exit $got_status and"; echo "  $got"
    failures=$((failures + 1))
  fi
}
array() { echo SLURM_ARRAY_JOB_ID=7 SLURM_ARRAY_TASK_ID="$1" SLURM_ARRAY_TASK_MIN="$2" SLURM_ARRAY_TASK_MAX="$3" SLURM_ARRAY_TASK_COUNT="$4"; }

# Task 2 of --array=1-3: shard 2/3, one point at a time unless -c gave CPUs.
expect first_task_of_three 0 "sweep|s.yaml|--set|a=1,2|--shard|2/3|--out|$tmp/o/shard-2|-j|1|" \
  $(array 2 1 3 3) -- s.yaml "$tmp/o" --set a=1,2
expect cpus_per_task 0 "sweep|s.yaml|--shard|3/3|--out|$tmp/o/shard-3|-j|4|" \
  $(array 3 1 3 3) SLURM_CPUS_PER_TASK=4 -- s.yaml "$tmp/o"
# --array=0-7: task 0 is shard 1/8, task 7 shard 8/8; the directory keeps the task id.
expect zero_based_first 0 "sweep|s.yaml|--shard|1/8|--out|$tmp/o/shard-0|-j|1|" $(array 0 0 7 8) -- s.yaml "$tmp/o"
expect zero_based_last 0 "sweep|s.yaml|--shard|8/8|--out|$tmp/o/shard-7|-j|1|" $(array 7 0 7 8) -- s.yaml "$tmp/o"
# A task run again (requeued) over its own earlier shard resumes it.
mkdir -p "$tmp/o/shard-1" && echo '{}' >"$tmp/o/shard-1/sweep.json"
expect requeued_resumes 0 "sweep|s.yaml|--shard|1/2|--out|$tmp/o/shard-1|-j|1|--resume|" $(array 1 1 2 2) -- s.yaml "$tmp/o"
# Refusals: one line, exit 2, headroom never started.
expect stepped_array 2 "headroom-sweep.sbatch: error: the array must be a contiguous range (e.g. --array=1-5), found tasks 1..9 with 5 tasks" \
  $(array 3 1 9 5) -- s.yaml "$tmp/o"
expect not_an_array 2 "headroom-sweep.sbatch: error: not a job array task: submit with sbatch --array=1-N" \
  SLURM_JOB_ID=5 -- s.yaml "$tmp/o"
expect missing_outdir 2 "headroom-sweep.sbatch: error: expected SCENARIO OUTDIR [sweep arguments...], found 1 argument(s)" \
  $(array 1 1 2 2) -- s.yaml

if ((failures)); then exit 1; fi
echo "headroom-sweep.sbatch: 8 cases ok"
