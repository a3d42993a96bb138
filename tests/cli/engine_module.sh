#!/usr/bin/env bash
# Only simulation loads SimGrid: `--help`, `hosts`, `models`, `cache` never map libsimgrid, `run`
# does (through headroom-engine.so, sim/cli/engine_loader.hpp). The module is found beside the
# executable or at ENGINE_RELDIR from it (the install layout), and its absence is one clear error.
# Usage: engine_module.sh HEADROOM ENGINE_MODULE ENGINE_RELDIR WORKDIR (from the repository root).
set -u
headroom=$1
module=$2
reldir=$3
work=$4
rm -rf "$work" && mkdir -p "$work/bin"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
trace=tests/data/traces/belady_anomaly.txt

loads_simgrid() { LD_DEBUG=libs "$@" 2>&1 >/dev/null | grep -q 'calling init: .*libsimgrid'; }
for args in "--help" "hosts" "models" "run --help" "cache $trace --policy lru --frames 4"; do
  # shellcheck disable=SC2086
  if loads_simgrid "$headroom" $args; then fail "headroom $args loads libsimgrid"; fi
done
loads_simgrid "$headroom" run scenarios/default.yaml --host m3-max-128 || fail "headroom run does not load libsimgrid"

# A copy of the executable alone: everything but simulation works; simulation says what is missing.
cp "$headroom" "$work/bin/headroom"
"$work/bin/headroom" hosts > /dev/null || fail "hosts needs the engine module"
message=$("$work/bin/headroom" run scenarios/default.yaml 2>&1 >/dev/null)
status=$?
lib=$(cd "$work/bin" && realpath -m "$reldir")
expected="error: cannot load the simulation engine: headroom-engine.so is missing (looked for $work/bin/headroom-engine.so or $lib/headroom-engine.so); rebuild or reinstall headroom"
[[ $status -eq 1 ]] || fail "run without the module exited $status, expected 1"
[[ $message == "$expected" ]] || fail "run without the module said: $message"$'\n'"expected: $expected"

# The install layout: bin/headroom finds ../lib/headroom/headroom-engine.so (CMAKE_INSTALL_LIBDIR).
mkdir -p "$lib" && cp "$module" "$lib/"
"$work/bin/headroom" compare scenarios/default.yaml --format csv > "$work/installed.csv" || fail "installed compare failed"
"$headroom" compare scenarios/default.yaml --format csv | cmp -s - "$work/installed.csv" || fail "installed compare differs"

rm -rf "$work"
[[ $failures -eq 0 ]] && echo "SimGrid is loaded by run and compare only; the module is found in both layouts"
exit $((failures > 0))
