// lru: plain least-recently-used over all pages, one queue, O(runs) per reference.
//
// Page-level rule (what a page-at-a-time replay does, and what tests/unit/mm checks against a brute
// force): pages of a run are referenced in ascending key order; a hit moves the page to the head; a
// miss inserts the page at the head and then, while more pages are resident than the capacity,
// evicts the least recent page (anonymous pages are passed over once the anon-victim limit is spent).
//
// Run-level algorithm: walk the referenced run as alternating hit segments (moved to the head in one
// piece) and miss gaps (inserted in one piece, owing one victim per page beyond the free frames).
// Owed victims come from the tail in order, which equals the page-level order because the pieces
// inserted by this call are the newest. The case that needs care is the tail run starting exactly at
// the cursor (the next page to reference): a page-level replay would evict those pages and miss them
// right after, each miss owing one more victim, so the whole run (up to the end of the reference) is
// evicted and re-missed at once while the owed count stays the same. That is why a cyclic scan larger
// than the capacity costs a few runs per pass and still faults every page.
#include <algorithm>
#include <limits>

#include "sim/mm/policy_registry.hpp"
#include "sim/mm/policies/run_policy_base.hpp"
#include "sim/mm/run_store.hpp"

namespace headroom::mm {
namespace {

template <class Index>
class LruPolicy final : public RunPolicyBase<Index> {
  using Base = RunPolicyBase<Index>;
  using Base::anon_left_;
  using Base::capacity_;
  using Base::evictable;
  using Base::key_space_;
  using Base::resident_pages;
  using Base::store_;

 public:
  LruPolicy(const PolicyOptions& options, std::uint64_t capacity_pages) : Base(options, capacity_pages, 1) {}

  std::string_view name() const override { return "lru"; }

  ReferenceResult reference(PageRun run, PageKind kind, PolicyListener& listener) override {
    check_key_space(run, key_space_);
    ReferenceResult result;
    PageKey cursor = run.first;
    const PageKey end = run.end();
    std::uint64_t owed = 0;
    for (;;) {
      if (owed > 0) {
        if (!take_victims(owed, cursor, end, kind, result, listener)) owed = 0;  // stays over capacity
        continue;
      }
      if (cursor >= end) break;
      NodeId at = store_.next_at_or_after(cursor, end);
      if (at != kNoNode && store_[at].first <= cursor) {
        PageKey to = std::min(store_[at].end(), end);
        store_.move_to_head(store_.isolate(at, cursor, to), 0);
        result.hit_pages += to - cursor;
        cursor = to;
        continue;
      }
      PageKey gap_end = at == kNoNode ? end : store_[at].first;
      std::uint64_t pages = gap_end - cursor;
      std::uint64_t free = capacity_ > resident_pages() ? capacity_ - resident_pages() : 0;
      listener.missed({cursor, pages}, kind);
      store_.insert_head({cursor, pages}, kind, 0);
      result.miss_pages += pages;
      owed = pages - std::min(pages, free);
      cursor = gap_end;
    }
    return result;
  }

  std::uint64_t evict(std::uint64_t pages, PolicyListener& listener) override {
    ReferenceResult unused;
    std::uint64_t left = pages;
    PageKey no_cursor = 0;  // no reference in progress: nothing to chase
    while (left > 0 && take_victims(left, no_cursor, 0, PageKind::file, unused, listener)) {
    }
    return pages - left;
  }

  void set_capacity(std::uint64_t pages, PolicyListener& listener) override {
    capacity_ = pages;
    if (resident_pages() > capacity_) evict(resident_pages() - capacity_, listener);
  }

 private:
  NodeId victim_run() const {
    NodeId id = store_.tail(0);
    while (id != kNoNode && evictable(store_[id]) == 0) id = store_[id].newer;
    return id;
  }

  // Evicts some of the `owed` victims (one run's worth) and lowers `owed`; false when nothing can be
  // evicted (the policy then stays over capacity).
  bool take_victims(std::uint64_t& owed, PageKey& cursor, PageKey end, PageKind kind,
                             ReferenceResult& result, PolicyListener& listener) {
    NodeId id = victim_run();
    if (id == kNoNode) return false;
    RunNode& v = store_[id];
    const PageKind victim_kind = v.kind;
    if (v.first == cursor && cursor < end) {
      // The chase: evict what the cursor is about to reach, then miss it again; still `owed`.
      PageKey to = std::min({v.end(), end, cursor + evictable(v)});
      PageRun chased{cursor, to - cursor};
      remove_victims(id, chased.count, victim_kind, listener);
      listener.missed(chased, kind);
      store_.insert_head(chased, kind, 0);
      result.miss_pages += chased.count;
      cursor = to;
      return true;
    }
    std::uint64_t pages = std::min(owed, evictable(v));
    remove_victims(id, pages, victim_kind, listener);
    owed -= pages;
    return true;
  }

  void remove_victims(NodeId id, std::uint64_t pages, PageKind kind, PolicyListener& listener) {
    PageRun victims{store_[id].first, pages};
    store_.trim_front(id, pages);
    if (kind == PageKind::anon) anon_left_ -= pages;
    listener.evicted(victims, kind);
  }

};

std::unique_ptr<EvictionPolicy> make_lru(std::uint64_t capacity_pages, const PolicyOptions& options) {
  return make_run_policy<LruPolicy>(options, capacity_pages);
}

}  // namespace

HEADROOM_REGISTER_POLICY({"lru", "least recently used over all pages (one queue)", false, make_lru});

}  // namespace headroom::mm
