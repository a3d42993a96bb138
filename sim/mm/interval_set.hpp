// A set of page numbers kept as disjoint half-open intervals (swapped-out pages, dirty pages), so
// that a 40 GiB region swapped out by one reclaim is one entry, not ten million.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>

namespace headroom::mm {

class IntervalSet {
 public:
  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::map<std::uint64_t, std::uint64_t>& intervals() const { return map_; }  // start -> end

  // Adds [from, to); adjacent and overlapping intervals merge.
  void add(std::uint64_t from, std::uint64_t to) {
    if (from >= to) return;
    remove(from, to);
    size_ += to - from;
    auto next = map_.lower_bound(from);
    if (next != map_.begin()) {
      auto prev = std::prev(next);
      if (prev->second == from) {
        from = prev->first;
        map_.erase(prev);
      }
    }
    if (next != map_.end() && next->first == to) {
      to = next->second;
      map_.erase(next);
    }
    map_[from] = to;
  }

  // Removes [from, to) and calls on_piece(start, end) for each removed piece in ascending order;
  // returns the number of pages removed.
  template <class OnPiece>
  std::uint64_t remove(std::uint64_t from, std::uint64_t to, OnPiece&& on_piece) {
    if (from >= to) return 0;
    std::uint64_t removed = 0;
    auto it = map_.upper_bound(from);
    if (it != map_.begin()) --it;
    while (it != map_.end() && it->first < to) {
      std::uint64_t s = it->first, e = it->second;
      if (e <= from) {
        ++it;
        continue;
      }
      std::uint64_t cut_from = std::max(s, from), cut_to = std::min(e, to);
      on_piece(cut_from, cut_to);
      removed += cut_to - cut_from;
      it = map_.erase(it);
      if (s < cut_from) map_.emplace(s, cut_from);
      if (cut_to < e) it = map_.emplace(cut_to, e).first;
    }
    size_ -= removed;
    return removed;
  }
  std::uint64_t remove(std::uint64_t from, std::uint64_t to) {
    return remove(from, to, [](std::uint64_t, std::uint64_t) {});
  }

  void clear() {
    map_.clear();
    size_ = 0;
  }

 private:
  std::map<std::uint64_t, std::uint64_t> map_;
  std::uint64_t size_ = 0;
};

}  // namespace headroom::mm
