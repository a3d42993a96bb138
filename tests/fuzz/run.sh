#!/usr/bin/env bash
# Fuzzes every harness (or those named) for SECONDS each, two at a time (the CI machine has 2
# cores), in the sanitizer build dir build-asan/ (tests/sanitize/run.sh builds it). New coverage is
# kept in build-asan/fuzz/corpus/<name>/, never in the source tree; a crash leaves its input in
# build-asan/fuzz/artifacts/<name>/ and makes this script fail. See tests/fuzz/README.md.
# Usage: bash tests/fuzz/run.sh SECONDS [harness...]   (default: every headroom_fuzzer() of
# tests/fuzz/CMakeLists.txt, today units scenario trace azure requests cli memory)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:?usage: run.sh SECONDS [harness...]}
shift
harnesses=("$@")
# The default list is read from CMakeLists.txt, so a new harness is fuzzed without editing this file.
if ((${#harnesses[@]} == 0)); then
  mapfile -t harnesses < <(sed -n 's/^headroom_fuzzer(\([a-z0-9_]*\).*/\1/p' tests/fuzz/CMakeLists.txt)
  ((${#harnesses[@]} > 0)) || { echo "fuzz: no headroom_fuzzer(...) line in tests/fuzz/CMakeLists.txt" >&2; exit 2; }
fi
for name in "${harnesses[@]}"; do
  [ -x "build-asan/tests/fuzz/hr_fuzz_$name" ] ||
    { echo "fuzz: no harness build-asan/tests/fuzz/hr_fuzz_$name (run tests/sanitize/run.sh first; harnesses: $(
      sed -n 's/^headroom_fuzzer(\([a-z0-9_]*\).*/\1/p' tests/fuzz/CMakeLists.txt | paste -sd' '))" >&2; exit 2; }
done
out=build-asan/fuzz

fuzz_one() {
  local name=$1 dirs=(tests/fuzz/corpus/$1)
  [ -d "tests/fuzz/regressions/$name" ] && dirs+=("tests/fuzz/regressions/$name")
  mkdir -p "$out/corpus/$name" "$out/artifacts/$name"
  # cli prints a message for each bad command line: close its stderr too (-close_fd_mask=3;
  # sanitizer reports still come through, a failed check's text shows when its input is replayed).
  local mask=1 extra=()
  [ "$name" = cli ] && mask=3
  [ -f "tests/fuzz/$name.dict" ] && extra+=(-dict="tests/fuzz/$name.dict")
  # Memory: ASan's hard_rss_limit_mb (set below) instead of libFuzzer's -rss_limit_mb, whose report
  # walks every heap chunk first (measured: over 10 minutes at 2 GB under ASan, before the input is
  # saved). timeout: a fuzzer that does not stop fails this script instead of holding CI.
  timeout --signal=KILL $((seconds + 300)) \
    "build-asan/tests/fuzz/hr_fuzz_$name" "$out/corpus/$name" "${dirs[@]}" -max_total_time="$seconds" \
    -timeout=30 -rss_limit_mb=0 -max_len=4096 -close_fd_mask=$mask "${extra[@]}" -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/$name/" >"$out/$name.log" 2>&1
}

# Waits for one fuzzer; prints its result and the log tail on a crash.
finish() {
  local pid=$1 name=$2
  if wait "$pid"; then
    echo "fuzz: $name: no crash in ${seconds}s, $(grep -o 'number_of_executed_units: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$') runs"
  else
    status=1
    echo "fuzz: $name: FAILED, see $out/$name.log and $out/artifacts/$name/"
    tail -40 "$out/$name.log"
  fi
}

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:hard_rss_limit_mb=2048${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
mkdir -p "$out"
status=0
pids=() names=()
for name in "${harnesses[@]}"; do
  fuzz_one "$name" &
  pids+=($!) names+=("$name")
  if ((${#pids[@]} == 2)); then
    finish "${pids[0]}" "${names[0]}"; finish "${pids[1]}" "${names[1]}"
    pids=() names=()
  fi
done
if ((${#pids[@]})); then finish "${pids[0]}" "${names[0]}"; fi
exit $status
