#!/usr/bin/env bash
# A real single-node Slurm runs the project's job-array script (sim/sweep/slurm/headroom-sweep.sbatch)
# and a dependent merge job; the merged directory must equal a local `headroom sweep` of the same
# grid byte for byte (diff -r).
#
#   bash tests/slurm/run.sh HEADROOM        (from the repository root, as root; ctest slurm.array_sweep)
#
# Everything is private to a temporary directory: a generated munge key and its own munged socket,
# a slurm.conf (SlurmctldHost=localhost, one node with this machine's CPUs, free ports, state, spool,
# logs and pid files inside it), slurmctld -D and slurmd -D in the background. The system's munge and
# Slurm configuration (/etc/munge, /etc/slurm) are never read or touched. On every exit (success,
# failure, Ctrl-C, SIGTERM) the trap stops every process started here (the daemons, their job step
# daemons and jobs: found by a marker in their environment) and removes the directory. A killed
# script's daemons die with it (setpriv --pdeathsig).
# Exit 77 (ctest skip) with one line when Slurm cannot start here: not root, a program missing
# (bash cmake/setup.sh installs slurm-wlm and munge), or a daemon not up within 30 s.
set -euo pipefail
(($# == 1)) || { echo "usage: $0 HEADROOM" >&2; exit 2; }
headroom=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
sbatch_script=$repo/sim/sweep/slurm/headroom-sweep.sbatch
cd "$repo"

skip() { echo "slurm test skipped: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "starting munged, slurmctld and slurmd needs root (run: sudo bash tests/slurm/run.sh $1)"
for program in munged munge slurmctld slurmd sbatch sinfo scontrol setpriv realpath timeout; do
  command -v "$program" >/dev/null || skip "'$program' not found (bash cmake/setup.sh installs slurm-wlm and munge)"
done

tmp=$(mktemp -d /tmp/headroom-slurm.XXXXXX)
chmod 711 "$tmp"  # munged wants every directory above its socket searchable by all
marker="HEADROOM_SLURM_TEST=$tmp"

# Every process whose environment holds the marker: the daemons, slurmstepd and the jobs (sbatch
# passes the environment). Never this script: it does not export the marker.
marked_pids() {
  grep -lsxzF "$marker" /proc/[0-9]*/environ | sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p' || true
}
# The processes of PIDS still alive (an exiting process's environ already reads empty: wait by id).
alive() { local pid; for pid in "$@"; do if kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi; done; }
# Sends SIGNAL to every marked process (and PIDS), then waits up to TENTHS x 0.1 s for them to be
# gone; prints those left.
stop_marked() {
  local signal=$1 tenths=$2 pids attempt
  shift 2
  pids=$(printf '%s\n' $(marked_pids) "$@" | sort -un)
  [ -n "$pids" ] || return 0
  kill "-$signal" $pids 2>/dev/null || true
  for attempt in $(seq "$tenths"); do
    pids=$(alive $pids)
    [ -n "$pids" ] || return 0
    sleep 0.1
  done
  echo $pids
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # slurmstepd blocks SIGTERM: whatever is left after 2 s gets SIGKILL.
  local left
  left=$(stop_marked TERM 20)
  if [ -n "$left" ]; then left=$(stop_marked KILL 50 $left); fi
  if [ -n "$left" ]; then echo "slurm test: processes left running: $left"; fi
  wait 2>/dev/null || true
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a Slurm program (or a daemon) against this test's configuration, with the marker.
slurm() { env SLURM_CONF="$tmp/slurm.conf" "$marker" "$@"; }
# A daemon in the foreground, in the background: killed with this script even by kill -9.
# Its stdout and stderr go to NAME.out, its pid into daemon_pids[NAME].
declare -A daemon_pids
daemon() {
  local name=$1
  shift
  slurm setpriv --pdeathsig KILL "$@" >"$tmp/$name.out" 2>&1 &
  daemon_pids[$name]=$!
}
# The last line a daemon wrote (its stderr, else its log file), for the skip message.
last_line() {
  local file
  for file in "$tmp/$1.out" "$tmp/$1.log"; do
    if [ -s "$file" ]; then tail -n 1 "$file" | tr -d '\n'; return; fi
  done
  echo "nothing logged"
}
# Skips when a daemon exited, or with WHAT and what the command DESCRIBE prints once the deadline passed.
check_daemons() {
  local name
  for name in "${!daemon_pids[@]}"; do
    kill -0 "${daemon_pids[$name]}" 2>/dev/null || skip "$name exited while starting ($name: $(last_line "$name"))"
  done
  ((SECONDS < deadline_s)) || skip "$1 within $startup_s s ($($2))"
}
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Two adjacent free ports into $port, below Linux's ephemeral range (32768-60999) so no outgoing
# connection takes one between this check and the daemons' bind.
free_port_pair() {
  local attempt
  for attempt in $(seq 50); do
    port=$((20000 + RANDOM % 12000))
    if ! listening "$port" && ! listening "$((port + 1))"; then return; fi
  done
  skip "no two free TCP ports found for slurmctld and slurmd"
}

# munge: a private key and socket.
mkdir -m 711 "$tmp/munge"
head -c 1024 /dev/urandom >"$tmp/munge/munge.key"
chmod 600 "$tmp/munge/munge.key"
socket=$tmp/munge/munge.socket
startup_s=30 deadline_s=$((SECONDS + startup_s))
daemon munged munged --foreground --socket="$socket" --key-file="$tmp/munge/munge.key" \
  --log-file="$tmp/munged.log" --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munged.seed"
until munge -S "$socket" -n 2>/dev/null | unmunge -S "$socket" >/dev/null 2>&1; do
  check_daemons "munged did not answer" "last_line munged"
  sleep 0.1
done

free_port_pair
mkdir "$tmp/state" "$tmp/spool" "$tmp/out" "$tmp/jobs"
cat >"$tmp/slurm.conf" <<EOF
# tests/slurm/run.sh: a private single-node cluster; everything lives in $tmp.
ClusterName=headroom-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
# Schedule at once on submission and on every job end (the defaults wait up to seconds).
SchedulerParameters=batch_sched_delay=0,sched_interval=1
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
NodeName=localhost CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
node_state() {
  echo "sinfo: $(slurm sinfo -h -N -o %t 2>&1 | tail -n 1); slurmctld: $(last_line slurmctld); slurmd: $(last_line slurmd)"
}
daemon slurmctld slurmctld -D -i -f "$tmp/slurm.conf"
daemon slurmd slurmd -D -N localhost -f "$tmp/slurm.conf"
until [ "$(slurm sinfo -h -N -o %t 2>/dev/null)" = idle ]; do
  check_daemons "the node did not become idle" node_state
  sleep 0.1
done

# The grid: 3 request rates x 2 hosts = 6 points in 3 shards of 2 (shard i takes points i-1, i+2).
scenario=scenarios/default.yaml
grid=(--set "workloads.chat.arrivals.poisson=1/min,2/min,4/min" --hosts m2-max-96,m3-max-128 --quiet)
shards=3 points=6

show_job_logs() {
  local log
  for log in "$tmp"/jobs/*.out; do [ -e "$log" ] && { echo "--- $log"; cat "$log"; }; done
  echo "--- slurmctld.log (last 20 lines)"; tail -n 20 "$tmp/slurmctld.log" || true
}
fail() { echo "FAIL: $*"; show_job_logs; exit 1; }
# After sbatch --wait: stopped by Ctrl-C or SIGTERM (sbatch exits 130/143: exit so, quietly), timed
# out, or a job that failed.
job_failed() {
  if (($2 == 130 || $2 == 143)); then exit "$2"; fi
  if (($2 == 124)); then fail "$1 did not end within $3 s"; fi
  fail "$1 failed (sbatch --wait exit $2)"
}

# The array, as a user submits it; sbatch --wait returns when every task has ended (its status is
# the highest of the tasks'). timeout: this script, not ctest, must end a hung job (its trap then
# stops the daemons; ctest's timeout kills without a trap). The job finds headroom in $HEADROOM.
array_job=$(slurm env HEADROOM="$headroom" timeout --foreground 90 sbatch --parsable --wait --array=1-$shards --chdir="$repo" \
              --output="$tmp/jobs/array-%A_%a.out" "$sbatch_script" "$scenario" "$tmp/out" "${grid[@]}") ||
  job_failed "the array job" $? 90
# The documented follow-up: a merge job that runs once every task has succeeded.
slurm timeout --foreground 60 sbatch --wait --dependency="afterok:$array_job" --chdir="$repo" \
  --output="$tmp/jobs/merge-%j.out" --wrap "'$headroom' merge '$tmp/out'/shard-* --out '$tmp/out/merged'" \
  >/dev/null || job_failed "the merge job" $? 60

# Each task wrote its own shard; together they hold every point once, all run.
for i in $(seq "$shards"); do
  [ -f "$tmp/out/shard-$i/sweep.json" ] || fail "task $i wrote no $tmp/out/shard-$i/sweep.json"
  n=$(find "$tmp/out/shard-$i/points" -name 'p*.json' | wc -l)
  ((n == points / shards)) || fail "shard $i holds $n points, expected $((points / shards))"
done
n=$(grep -l '"status": *"ok"' "$tmp/out/merged/points/"*.json | wc -l)
((n == points)) || fail "the merged sweep holds $n points with status ok, expected $points"

"$headroom" sweep "$scenario" "${grid[@]}" -j 2 --out "$tmp/local" >/dev/null
diff -r "$tmp/local" "$tmp/out/merged" || fail "the merged Slurm sweep differs from the local sweep"
echo "slurm: $shards array tasks + a dependent merge job = local sweep of $points points (diff -r clean)"
