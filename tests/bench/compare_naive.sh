#!/usr/bin/env bash
# Whole-process comparison of `headroom cache --policy lru` with the naive LRU loop
# (tests/bench/naive/naive_lru.hpp) on the same file, interleaved runs, medians.
#   bash tests/bench/compare_naive.sh [RUNS] [FRAMES]     (from the repository root, after building
#   the targets headroom and naive_lru)
# Traces: the CloudPhysics block trace when ../shared/traces has it (or $BLOCK_TRACE), and a generated 1 M-request
# LLM page trace (every token scans 30,000 weight pages, then a KV cache of 1,000 pages growing by
# 64 a token; the same as headroom_bench's llm_1m). Two programs per trace (headroom's cache
# command does not load SimGrid: only run and compare load the engine module):
#   naive       build/tests/naive_lru TRACE FRAMES
#   headroom    build/headroom cache TRACE --policy lru --frames FRAMES --threads 1
# Prints the median wall and CPU (user + system) seconds of each, and the ratios to naive.
set -euo pipefail
runs=${1:-11}
frames=${2:-1000}
build=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

llm="$tmp/llm_1m.txt"
awk 'BEGIN { n = 0; for (t = 0; n < 1000000; ++t) {
       for (p = 0; p < 30000 && n < 1000000; ++p) { print p; ++n }
       kv = 1000 + 64 * t
       for (p = 0; p < kv && n < 1000000; ++p) { print 1000000 + p; ++n } } }' > "$llm"
traces=("$llm")
block=${BLOCK_TRACE:-../shared/traces/cloudphysics_block_io.txt}
[[ -f $block ]] && traces=("$block" "${traces[@]}")

TIMEFORMAT='%3R %3U %3S'
measure() {  # prints "wall cpu" of one run of "$@"
  local t
  t=$( { time "$@" > /dev/null; } 2>&1 )
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' <<< "$t"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for trace in "${traces[@]}"; do
  # Same answer first: requests and misses must agree.
  naive_out=$("$build/tests/naive_lru" "$trace" "$frames")
  hr_out=$("$build/headroom" cache "$trace" --policy lru --frames "$frames" --threads 1 --format csv | tail -1)
  [[ $(cut -d, -f3,4 <<< "$hr_out" | tr , ' ') == "$naive_out" ]] || { echo "misses differ: $naive_out vs $hr_out"; exit 1; }
  : > "$tmp/naive"; : > "$tmp/headroom"
  for ((i = 0; i < runs; ++i)); do
    measure "$build/tests/naive_lru" "$trace" "$frames" >> "$tmp/naive"
    measure "$build/headroom" cache "$trace" --policy lru --frames "$frames" --threads 1 >> "$tmp/headroom"
  done
  echo "$(basename "$trace") ($naive_out requests misses, $frames frames, $runs runs, medians)"
  nw=$(cut -d' ' -f1 "$tmp/naive" | median); nc=$(cut -d' ' -f2 "$tmp/naive" | median)
  for prog in naive headroom; do
    w=$(cut -d' ' -f1 "$tmp/$prog" | median); c=$(cut -d' ' -f2 "$tmp/$prog" | median)
    awk -v p="$prog" -v w="$w" -v c="$c" -v nw="$nw" -v nc="$nc" \
      'BEGIN { printf "  %-9s wall %.3f s (%.2fx)  cpu %.3f s (%.2fx)\n", p, w, w / nw, c, (nc > 0 ? c / nc : 0) }'
  done
done
