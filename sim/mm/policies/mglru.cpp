// mglru: an MGLRU-like generational policy, after Linux's multi-generational LRU (mm/vmscan.c, 6.1+),
// much simplified. Resident pages belong to generations numbered by a sequence: min_seq is the
// oldest, max_seq the youngest, at most four exist (MAX_NR_GENS = 4), each a FIFO list.
// - A miss inserts the page into the youngest generation.
// - A hit records max_seq in the page (the kernel learns this by scanning accessed bits during
//   aging; recording it at the reference is the simplification: no page-table walk, O(1) per hit).
// - Eviction takes the oldest page of the oldest generation. A page whose recorded sequence is
//   younger than its generation was used since it was placed there: it moves to that generation
//   instead (the kernel's sort_folio) and the scan goes on; otherwise it is the victim.
// - Aging: each eviction step that finds fewer than four generations opens a new youngest one
//   (max_seq + 1), so pages referenced from then on are protected against the older ones; an empty
//   oldest generation is retired (min_seq + 1).
// - Anonymous pages that may not be evicted (set_anon_victim_limit) move up one generation, as the
//   kernel does with folios it cannot reclaim now.
// Not modelled: tiers and refault-distance feedback (PID controller), separate anon/file
// generations and swappiness, the bloom filters.
//
// On the run store (O(runs) per reference; see run_queue.hpp for the chunked miss gaps): list g
// holds the generation whose sequence is g modulo 4; a run's `age` is the sequence (low 32 bits)
// of its latest use. Promoting a whole run at once equals page by page: its pages are consecutive
// in the oldest list and share their last-use sequence, and promotions never trigger aging.
#include <algorithm>
#include <limits>

#include "sim/mm/policy_registry.hpp"
#include "sim/mm/policies/run_policy_base.hpp"
#include "sim/mm/run_store.hpp"

namespace headroom::mm {
namespace {

constexpr std::uint64_t kGenerations = 4;

template <class Index>
class MglruPolicy final : public RunPolicyBase<Index> {
  using Base = RunPolicyBase<Index>;
  using Base::anon_left_;
  using Base::capacity_;
  using Base::evict_front;
  using Base::evictable;
  using Base::key_space_;
  using Base::resident_pages;
  using Base::store_;

 public:
  MglruPolicy(const PolicyOptions& options, std::uint64_t capacity_pages)
      : Base(options, capacity_pages, kGenerations) {}

  std::string_view name() const override { return "mglru"; }

  ReferenceResult reference(PageRun run, PageKind kind, PolicyListener& listener) override {
    return this->walk(
        run,
        [&](NodeId at, PageKey from, PageKey to) {
          const auto youngest = static_cast<std::uint32_t>(max_seq_);  // aging may happen mid-call
          if (store_[at].age != youngest) store_[store_.isolate(at, from, to)].age = youngest;
        },
        [&](PageKey from, PageKey to) { insert_gap(from, to, kind, listener); });
  }

  std::uint64_t evict(std::uint64_t pages, PolicyListener& listener) override {
    std::uint64_t done = 0;
    while (done < pages) {
      const NodeId v = victim_run();
      if (v == kNoNode) break;
      done += evict_front(v, std::min(pages - done, pages_before_aging()), listener);
    }
    return done;
  }

  void set_capacity(std::uint64_t pages, PolicyListener& listener) override {
    capacity_ = pages;
    if (resident_pages() > capacity_) evict(resident_pages() - capacity_, listener);
  }

 private:
  static int list_of(std::uint64_t seq) { return static_cast<int>(seq % kGenerations); }

  // The oldest unreferenced evictable run, after the promotions and aging on the way; kNoNode when
  // no resident page may be evicted.
  NodeId victim_run() {
    if (store_.pages(PageKind::file) + std::min(store_.pages(PageKind::anon), anon_left_) == 0) return kNoNode;
    while (true) {
      if (max_seq_ - min_seq_ + 1 < kGenerations) ++max_seq_;  // aging
      const NodeId id = store_.tail(list_of(min_seq_));
      if (id == kNoNode) {
        ++min_seq_;  // the oldest generation is empty: retire it
        continue;
      }
      const RunNode& n = store_[id];
      if (n.age != static_cast<std::uint32_t>(min_seq_)) {  // used since listed: promote
        store_.move_to_head(id, list_of(n.age));
      } else if (evictable(n) == 0) {
        store_.move_to_head(id, list_of(min_seq_ + 1));  // cannot go now: one generation up
        store_[store_.head(list_of(min_seq_ + 1))].age = static_cast<std::uint32_t>(min_seq_ + 1);
      } else {
        return id;
      }
    }
  }

  // Page by page, every eviction step ages while fewer than four generations exist, and pages
  // inserted after it go to the new generation: so a chunk takes one page until there are four.
  std::uint64_t pages_before_aging() const {
    return max_seq_ - min_seq_ + 1 < kGenerations ? 1 : std::numeric_limits<std::uint64_t>::max();
  }

  void insert_gap(PageKey from, PageKey to, PageKind kind, PolicyListener& listener) {
    if (capacity_ == 0) return;  // nothing can be cached: the pages are used and dropped
    while (from < to) {
      std::uint64_t chunk = to - from;
      const std::uint64_t resident = resident_pages();
      if (resident < capacity_) {
        chunk = std::min(chunk, capacity_ - resident);
      } else if (const NodeId v = victim_run(); v != kNoNode) {
        chunk = evict_front(v, std::min(chunk, pages_before_aging()), listener);
      }  // else nothing is evictable: insert the rest and stay over capacity
      listener.missed({from, chunk}, kind);
      // Aging in victim_run may have opened a new youngest generation: read max_seq after it.
      store_.insert_head({from, chunk}, kind, list_of(max_seq_), 0, static_cast<std::uint32_t>(max_seq_));
      from += chunk;
    }
  }

  std::uint64_t min_seq_ = 0, max_seq_ = 0;
};

std::unique_ptr<EvictionPolicy> make_mglru(std::uint64_t capacity_pages, const PolicyOptions& options) {
  return make_run_policy<MglruPolicy>(options, capacity_pages);
}

}  // namespace

HEADROOM_REGISTER_POLICY({"mglru", "MGLRU-like: four generations, aging on demand, eviction from the oldest (simplified)", false, make_mglru});

}  // namespace headroom::mm
