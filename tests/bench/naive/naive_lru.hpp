// The naive baseline for `headroom cache --policy lru` (tests/bench/README.md): a textbook LRU in
// a few lines (std::list + std::unordered_map), reading the same one-id-per-line file with
// iostreams. Used by the naive_lru executable (whole-process comparison) and by headroom_bench
// (in-process comparison).
#pragma once

#include <cstdint>
#include <fstream>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

namespace headroom::bench {

// {requests, misses} of LRU with `frames` frames over the trace at `path`.
inline std::pair<std::uint64_t, std::uint64_t> naive_lru(const std::string& path, std::uint64_t frames) {
  std::ifstream in(path);
  std::list<std::uint64_t> order;  // most recent first
  std::unordered_map<std::uint64_t, std::list<std::uint64_t>::iterator> where;
  std::uint64_t id = 0, requests = 0, misses = 0;
  while (in >> id) {
    ++requests;
    if (auto it = where.find(id); it != where.end()) {
      order.splice(order.begin(), order, it->second);
      continue;
    }
    ++misses;
    if (order.size() == frames) {
      where.erase(order.back());
      order.pop_back();
    }
    order.push_front(id);
    where[id] = order.begin();
  }
  return {requests, misses};
}

}  // namespace headroom::bench
