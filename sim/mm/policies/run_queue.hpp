// FIFO and CLOCK on the run store (sim/mm/run_store.hpp): O(runs) per reference, so a sequential
// touch of millions of pages costs a handful of operations in the engine, and O(1) per reference
// with the flat index of trace mode.
//
// One queue: head = newest, tail = next victim; inside a run the first key is the oldest page.
// FIFO: a hit changes nothing. CLOCK (second chance): the queue's tail is the clock hand; a hit sets
// the reference bit (the node's tag) of the pages it touches; looking for a victim, the hand clears
// the bit of a referenced run and moves it to the head (every page of the run gets its second chance
// in order, exactly as page by page), and takes the first unreferenced run.
//
// Page-level rule (checked against naive replays in tests/unit/trace): pages of a run are referenced
// in ascending key order; a missing page is inserted at the head after one victim is evicted when the
// cache is full. Run-level algorithm: hit segments are handled in one piece; a miss gap is inserted in
// chunks, each chunk as large as the free frames or as the evictable part of the current victim run,
// so that CLOCK's second-chance moves land between the chunks exactly where page-level replay puts
// them. Victims may include pages later in the same reference: the gap/hit walk re-reads the store
// after each gap, so they come back as misses, as page by page.
//
// Anonymous pages are passed over once the limit from set_anon_victim_limit is spent; when nothing
// can be evicted the policy stays over capacity (the memory manager reports that as OOM).
#pragma once

#include <algorithm>
#include <limits>

#include "sim/mm/policies/run_policy_base.hpp"
#include "sim/mm/run_store.hpp"

namespace headroom::mm {

template <class Index, bool kSecondChance>
class RunQueuePolicy final : public RunPolicyBase<Index> {
  using Base = RunPolicyBase<Index>;
  using Base::anon_left_;
  using Base::capacity_;
  using Base::evict_front;
  using Base::evictable;
  using Base::key_space_;
  using Base::resident_pages;
  using Base::store_;

 public:
  RunQueuePolicy(const PolicyOptions& options, std::uint64_t capacity_pages) : Base(options, capacity_pages, 1) {}

  std::string_view name() const override { return kSecondChance ? "clock" : "fifo"; }

  ReferenceResult reference(PageRun run, PageKind kind, PolicyListener& listener) override {
    return this->walk(
        run,
        [&](NodeId at, PageKey from, PageKey to) {
          if (kSecondChance && store_[at].tag == 0) store_[store_.isolate(at, from, to)].tag = 1;
        },
        [&](PageKey from, PageKey to) { insert_gap(from, to, kind, listener); });
  }

  std::uint64_t evict(std::uint64_t pages, PolicyListener& listener) override {
    std::uint64_t done = 0;
    while (done < pages) {
      const NodeId v = victim_run();
      if (v == kNoNode) break;
      done += evict_front(v, pages - done, listener);
    }
    return done;
  }

  void set_capacity(std::uint64_t pages, PolicyListener& listener) override {
    capacity_ = pages;
    if (resident_pages() > capacity_) evict(resident_pages() - capacity_, listener);
  }

 private:
  // The run the hand stops at (second-chance moves made on the way), or kNoNode.
  NodeId victim_run() {
    NodeId id = store_.tail(0);
    while (id != kNoNode) {
      RunNode& n = store_[id];
      const NodeId newer = n.newer;
      if (kSecondChance && n.tag != 0) {
        n.tag = 0;
        const NodeId moved = store_.move_to_head(id, 0);
        id = newer != kNoNode ? newer : moved;  // the head itself: the hand comes back to it
        continue;
      }
      if (evictable(n) > 0) return id;
      id = newer;  // anonymous pages without swap: passed over
    }
    return kNoNode;
  }

  void insert_gap(PageKey from, PageKey to, PageKind kind, PolicyListener& listener) {
    if (capacity_ == 0) return;  // nothing can be cached: the pages are used and dropped
    while (from < to) {
      std::uint64_t chunk = to - from;
      const std::uint64_t resident = resident_pages();
      if (resident < capacity_) {
        chunk = std::min(chunk, capacity_ - resident);
      } else if (const NodeId v = victim_run(); v != kNoNode) {
        chunk = evict_front(v, chunk, listener);
      }  // else nothing is evictable: insert the rest and stay over capacity
      listener.missed({from, chunk}, kind);
      store_.insert_head({from, chunk}, kind, 0);
      from += chunk;
    }
  }

};

}  // namespace headroom::mm
