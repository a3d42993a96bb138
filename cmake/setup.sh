#!/usr/bin/env bash
# Installs headroom's Debian packages (only those missing), then configures and builds into build/.
# Usage: bash cmake/setup.sh [extra cmake args]. Quick when everything is already there.
# HEADROOM_SETUP=sanitize (tests/sanitize/run.sh): also clang and its sanitizer/libFuzzer runtimes,
# and stop after the packages (that script configures its own build dir).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake ninja-build pkg-config libsimgrid-dev libboost-graph-dev nlohmann-json3-dev
          libyaml-cpp-dev doctest-dev libcli11-dev libfmt-dev libbenchmark-dev zlib1g-dev libzstd-dev
          jq)  # jq: tests/validation/run.sh reads the load program's JSON
packages+=(chromium)  # tests/chromium: the HTML report checked in headless Chromium
if [ "${HEADROOM_SETUP:-}" = sanitize ]; then packages+=(clang-14 libclang-rt-14-dev); fi
packages+=(slurm-wlm munge)  # tests/slurm/run.sh starts its own single-node Slurm (never the system's)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  # The munge and slurm packages start their daemons from postinst (invoke-rc.d). headroom needs only
  # the binaries (tests/slurm starts private ones), and on a machine without systemd a start can fail
  # the install: deny service starts for this install, as Docker's Debian images do, unless a
  # policy-rc.d is already there (then it decides).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$(trap -p EXIT)" ]; then $sudo rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
fi
if [ "${HEADROOM_SETUP:-}" = sanitize ]; then exit 0; fi

if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
fi
cmake --build build --parallel "$(nproc)"
