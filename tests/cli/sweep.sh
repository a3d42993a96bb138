#!/usr/bin/env bash
# `headroom sweep` and `headroom merge` (sim/sweep/README.md): the files of a 2x2 grid on two hosts,
# byte-identical directories whatever -j, --shard (merged or into one directory) or --resume, and
# merge's refusals. Usage: sweep.sh HEADROOM WORKDIR (run from the repository root; ctest: cli.sweep).
set -u
headroom=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

scenario=tests/cli/data/sweep.yaml
# 10/min and 2 are the file's own values: point p0000 must equal a plain `run` of its host.
grid=(--set workloads.chat.arrivals.poisson=10/min,20/min --set workloads.chat.max_batch=2,4
      --hosts m2-max-96,m3-max-128)
sweep() { "$headroom" sweep "$scenario" "${grid[@]}" --quiet "$@"; }

# 1. The files of a 2x2 grid x 2 hosts: sweep.json, eight point files, nothing else.
out=$(sweep -j 2 --out "$work/local" 2> "$work/stderr")
status=$?
[[ $status -eq 0 ]] || fail "local sweep: exit $status: $(cat "$work/stderr")"
[[ -z $(cat "$work/stderr") ]] || fail "local sweep --quiet wrote to stderr: $(cat "$work/stderr")"
[[ $out == "sweep: ran 8 of 8 points: 8 ok, 0 failed; results in $work/local" ]] || fail "summary: '$out'"
files=$(cd "$work/local" && find . -type f | sort | tr '\n' ' ')
expected="./points/p0000.json ./points/p0001.json ./points/p0002.json ./points/p0003.json ./points/p0004.json ./points/p0005.json ./points/p0006.json ./points/p0007.json ./sweep.json "
[[ $files == "$expected" ]] || fail "files: '$files'"
grep -q '"scenario_path": "tests/cli/data/sweep.yaml"' "$work/local/sweep.json" || fail "sweep.json lacks the scenario path"
# Grid order: first --set outermost, hosts innermost.
point() {  # $1: id -> "poisson batch host status" from its file
  local f=$work/local/points/$1.json
  echo "$(grep -m1 '"workloads.chat.arrivals.poisson"' "$f" | cut -d'"' -f4) $(grep -m1 '"workloads.chat.max_batch"' "$f" |
    cut -d'"' -f4) $(grep -m1 '"host"' "$f" | cut -d'"' -f4) $(grep -m1 '"status"' "$f" | cut -d'"' -f4)"
}
[[ $(point p0000) == "10/min 2 m2-max-96 ok" ]] || fail "p0000: $(point p0000)"
[[ $(point p0001) == "10/min 2 m3-max-128 ok" ]] || fail "p0001: $(point p0001)"
[[ $(point p0002) == "10/min 4 m2-max-96 ok" ]] || fail "p0002: $(point p0002)"
[[ $(point p0007) == "20/min 4 m3-max-128 ok" ]] || fail "p0007: $(point p0007)"
# A point's result is what `run --format json` prints for its host (re-indented inside the file).
"$headroom" run "$scenario" --host m3-max-128 --format json > "$work/run.json"
sed -n '/^  "result": {/,$p' "$work/local/points/p0001.json" | sed '1s/^  "result": //; $d' > "$work/p0001.result"
diff <(tr -d ' \n' < "$work/run.json") <(tr -d ' \n' < "$work/p0001.result") > /dev/null ||
  fail "p0001's result differs from run --host m3-max-128 --format json"
# Different parameters give different results (the override reached the simulation).
[[ $(grep -c '"requests_arrived"' "$work/local/points/p0000.json") -ge 1 ]] || fail "p0000 has no request count"
cmp -s <(grep '"requests_arrived"' "$work/local/points/p0000.json") <(grep '"requests_arrived"' "$work/local/points/p0004.json") &&
  fail "10/min and 20/min arrived the same number of requests"

# 2. -j 1 writes the same bytes as -j 2.
sweep -j 1 --out "$work/j1" > /dev/null || fail "-j 1 sweep failed"
diff -r "$work/local" "$work/j1" > /dev/null || fail "-j 1 and -j 2 directories differ"

# 3. Shards: 1/2 and 2/2 in two directories, merged, equal the local sweep; so do both shards
# written into one directory.
sweep --shard 1/2 --out "$work/s1" > "$work/s1.out" || fail "shard 1/2 failed"
sweep --shard 2/2 --out "$work/s2" > /dev/null || fail "shard 2/2 failed"
[[ $(cat "$work/s1.out") == "sweep: ran 4 of 8 points (shard 1/2): 4 ok, 0 failed; results in $work/s1" ]] ||
  fail "shard summary: $(cat "$work/s1.out")"
[[ $(ls "$work/s1/points" | tr '\n' ' ') == "p0000.json p0002.json p0004.json p0006.json " ]] ||
  fail "shard 1/2 ran $(ls "$work/s1/points" | tr '\n' ' ')"
out=$("$headroom" merge "$work/s1" "$work/s2" --out "$work/merged" 2> "$work/stderr") || fail "merge: $(cat "$work/stderr")"
[[ $out == "merge: 8 points (0 failed) from 2 directories into $work/merged" ]] || fail "merge summary: '$out'"
diff -r "$work/local" "$work/merged" > /dev/null || fail "merged shards differ from the local sweep"
sweep --shard 1/2 --out "$work/shared" > /dev/null && sweep --shard 2/2 --out "$work/shared" > /dev/null ||
  fail "shards into one directory failed"
diff -r "$work/local" "$work/shared" > /dev/null || fail "shards written into one directory differ from the local sweep"
# A point in two inputs: identical copies are fine.
"$headroom" merge "$work/s1" "$work/local" --out "$work/merged2" > /dev/null || fail "merge with duplicates failed"
diff -r "$work/local" "$work/merged2" > /dev/null || fail "merge with duplicates differs"

# 4. merge refuses a missing point and directories of different sweeps.
"$headroom" merge "$work/s1" --out "$work/bad" 2> "$work/stderr" > /dev/null
status=$?
[[ $status -eq 2 ]] || fail "merge of one shard: exit $status"
[[ $(cat "$work/stderr") == "error: point p0001 (index 1) is missing from every input: run its shard again (or \`headroom sweep --resume\`)" ]] ||
  fail "merge of one shard: $(cat "$work/stderr")"
"$headroom" sweep "$scenario" --set seed=1,2 --quiet --out "$work/other" > /dev/null || fail "other sweep failed"
"$headroom" merge "$work/local" "$work/other" --out "$work/bad" 2> "$work/stderr" > /dev/null
status=$?
[[ $status -eq 2 ]] || fail "merge of two sweeps: exit $status"
# (paths in messages are cut at 60 bytes by shown(), so a long build path is checked by its end only)
[[ $(cat "$work/stderr") == "error: "*" differs from "*": the directories are not parts of one sweep" ]] ||
  fail "merge of two sweeps: $(cat "$work/stderr")"
[[ ! -e $work/bad ]] || fail "a refused merge created its output directory"

# 5. --resume after one point file is removed runs that point alone; the others are not rewritten.
cp -r "$work/local" "$work/resumed"
rm "$work/resumed/points/p0003.json"
touch -d '2001-01-01' "$work/resumed/points/"*.json
out=$(sweep --resume --out "$work/resumed") || fail "resume failed"
[[ $out == "sweep: ran 1 of 8 points: 1 ok, 0 failed, 7 already ok; results in $work/resumed" ]] || fail "resume summary: '$out'"
[[ $(find "$work/resumed/points" -newermt '2002-01-01' -type f | sort | tr '\n' ' ') == "$work/resumed/points/p0003.json " ]] ||
  fail "resume rewrote: $(find "$work/resumed/points" -newermt '2002-01-01' -type f | tr '\n' ' ')"
diff -r "$work/local" "$work/resumed" > /dev/null || fail "resumed directory differs from the local sweep"
# A file that is not the point's (truncated, another point's) is run again.
echo '{"point": ' > "$work/resumed/points/p0005.json"
out=$(sweep --resume --out "$work/resumed") || fail "resume over a truncated file failed"
[[ $out == "sweep: ran 1 of 8 points: 1 ok, 0 failed, 7 already ok; results in $work/resumed" ]] ||
  fail "resume over a truncated file: '$out'"
diff -r "$work/local" "$work/resumed" > /dev/null || fail "resumed directory differs after a truncated file"

# No temporary file anywhere.
[[ -z $(find "$work" -name '*.tmp*') ]] || fail "temporary files left: $(find "$work" -name '*.tmp*')"

[[ $failures -eq 0 ]] && echo "sweep: all checks passed"
exit $((failures > 0))
