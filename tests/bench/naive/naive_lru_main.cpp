// naive_lru TRACE FRAMES: prints "requests misses" of the naive LRU loop (naive_lru.hpp), as a
// process of its own, for the whole-process comparison in tests/bench/compare_naive.sh.
#include <cstdio>
#include <string>

#include "naive_lru.hpp"

int main(int argc, char** argv) {
  if (argc != 3) return std::fprintf(stderr, "usage: naive_lru TRACE FRAMES\n"), 2;
  const auto [requests, misses] = headroom::bench::naive_lru(argv[1], std::stoull(argv[2]));
  std::printf("%llu %llu\n", static_cast<unsigned long long>(requests), static_cast<unsigned long long>(misses));
}
