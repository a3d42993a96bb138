// What every policy built on one RunStore shares: the capacity, the key-space guard, residency
// queries, erase() and the anonymous-victim budget. A policy derives from it (passing how many
// lists its store keeps) and implements name(), reference(), evict() and set_capacity().
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "sim/mm/policy.hpp"
#include "sim/mm/run_store.hpp"

namespace headroom::mm {

template <class Index>
class RunPolicyBase : public EvictionPolicy {
 public:
  std::uint64_t capacity_pages() const override { return capacity_; }
  std::uint64_t resident_pages() const override { return store_.total_pages(); }
  std::uint64_t resident_pages(PageKind kind) const override { return store_.pages(kind); }
  bool contains(PageKey key) const override {
    if (key_space_ > 0 && key >= key_space_) return false;
    return store_.find(key) != kNoNode;
  }
  std::uint64_t resident_in(PageRun run) const override {
    if (key_space_ > 0) run.count = run.first >= key_space_ ? 0 : std::min(run.count, key_space_ - run.first);
    return store_.pages_in(run);
  }
  void set_anon_victim_limit(std::uint64_t pages) override { anon_left_ = pages; }
  void erase(PageRun run) override {
    check_key_space(run, key_space_);
    store_.erase_range(run);
  }

 protected:
  RunPolicyBase(const PolicyOptions& options, std::uint64_t capacity_pages, int lists)
      : capacity_(capacity_pages), key_space_(options.key_space), store_(lists, options.key_space) {}

  // Pages of `n` that may be victims now (anonymous ones only while swap slots remain).
  std::uint64_t evictable(const RunNode& n) const {
    return n.kind == PageKind::anon ? std::min(n.count, anon_left_) : n.count;
  }

  // The walk every queue-like reference() makes: the run's pages in key order, each resident
  // stretch [from, to) of node `at` handed to on_hit(at, from, to), each gap to on_gap(from, to).
  template <class OnHit, class OnGap>
  ReferenceResult walk(PageRun run, OnHit&& on_hit, OnGap&& on_gap) {
    check_key_space(run, key_space_);
    ReferenceResult result;
    PageKey cursor = run.first;
    while (cursor < run.end()) {
      const NodeId at = store_.next_at_or_after(cursor, run.end());
      if (at != kNoNode && store_[at].first <= cursor) {
        const PageKey to = std::min(store_[at].end(), run.end());
        on_hit(at, cursor, to);
        result.hit_pages += to - cursor;
        cursor = to;
        continue;
      }
      const PageKey gap_end = at == kNoNode ? run.end() : store_[at].first;
      result.miss_pages += gap_end - cursor;
      on_gap(cursor, gap_end);
      cursor = gap_end;
    }
    return result;
  }

  // Evicts up to `pages` of the oldest pages of run `id` (as many as may be victims); returns how many.
  std::uint64_t evict_front(NodeId id, std::uint64_t pages, PolicyListener& listener) {
    const RunNode& v = store_[id];
    const PageKind kind = v.kind;
    const PageRun victims{v.first, std::min(pages, evictable(v))};
    store_.trim_front(id, victims.count);
    if (kind == PageKind::anon) anon_left_ -= victims.count;
    listener.evicted(victims, kind);
    return victims.count;
  }

  std::uint64_t capacity_;
  std::uint64_t key_space_;
  std::uint64_t anon_left_ = std::numeric_limits<std::uint64_t>::max();  // anon victims still allowed
  RunStore<Index> store_;
};

}  // namespace headroom::mm
