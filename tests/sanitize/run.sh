#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (clang), in build-asan/.
# The same build has libFuzzer coverage, so it also builds the fuzzers of tests/fuzz and their
# replay tests (fuzz.*) run with the suite. Why each setting: tests/sanitize/README.md.
# Usage: bash tests/sanitize/run.sh [ctest args, e.g. -R golden]
set -euo pipefail
cd "$(dirname "$0")/../.."
HEADROOM_SETUP=sanitize bash cmake/setup.sh

dir=build-asan
if [ ! -f "$dir/CMakeCache.txt" ]; then
  # -O2 with assertions on (no NDEBUG) and debug info for readable reports.
  cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" -DHEADROOM_FUZZ=ON >/dev/null
fi
cmake --build "$dir" --parallel 2

# halt_on_error/abort_on_error: a report fails the test that triggered it (no recovery);
# suppressions: third-party leaks only, each justified in the file.
export ASAN_OPTIONS="abort_on_error=1:halt_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:report_error_type=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# use_tls=0: LeakSanitizer's exit scan crashes on a bogus dynamic-TLS range (README, "Dynamic TLS").
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitize/lsan.supp:print_suppressions=0:use_tls=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ctest --test-dir "$dir" --output-on-failure -j2 "$@"
