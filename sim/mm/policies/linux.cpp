// linux (the default): the kernel's two-list LRU per kind (anon, file), with swappiness, O(runs).
//
// Page-level rules (tests/unit/mm checks the run-level code against a page-at-a-time brute force):
// - Lists per kind: inactive and active; head = newest, tail = next victim.
// - A miss inserts the page at the head of its kind's inactive list; a hit (second reference while
//   inactive, or any reference while active) moves the page to the head of its kind's active list.
//   Then, while more pages are resident than the capacity, one victim is evicted.
// - Victim kind: victims are numbered by a counter that persists across calls; victim number p is
//   anon when floor((p+1) s / 200) > floor(p s / 200), s = swappiness, i.e. anon and file victims
//   interleave in the proportion s : (200 - s) (the kernel's scan balance in get_scan_count). When
//   the chosen kind has nothing evictable the other kind gives the victim: so swappiness 0 takes no
//   anon page while file pages remain, and anon pages are never victims once the anon-victim limit
//   (the manager's free swap slots; 0 without swap) is spent.
// - Victim page: the tail of the kind's inactive list, or of its active list when inactive is empty.
// - Refill: at the start of each call (reference, evict, set_capacity), for each kind, pages move
//   from the active tail to the inactive head while inactive * ratio < active, ratio =
//   int_sqrt(10 * GiB of that kind) or 1 below 1 GiB (mm/vmscan.c inactive_is_low).
//
// Simplifications of the kernel, and why:
// - Accessed bits are not sampled by a clock scan: a reference is seen at once (mark_page_accessed
//   semantics), so a hit while inactive activates immediately, and active pages are kept in
//   recency order; a scan model would need per-page state, i.e. O(pages) per touch.
// - Refill runs once per call with the call's starting sizes instead of per 32-page batch; within one
//   touch the inactive list always holds the pages just faulted in, so the victim order is the same.
// - No workingset refault detection, no MGLRU (a separate policy), no per-cgroup or per-node lists.
//
// Run-level algorithm: as in lru.cpp (hit segments and miss gaps, victims owed per gap), plus:
// when only one kind can give victims for the rest of the call, victims are taken a run at a time and
// a victim run at the cursor is evicted and missed again at once (the cyclic-scan chase); when both
// kinds can, the owed victims of a gap are split between kinds in closed form from the counter, then
// taken a run at a time from each kind; pages of the referenced run evicted that way are missed when
// the cursor reaches them, owing fewer victims each round.
#include <algorithm>
#include <limits>

#include "sim/mm/policy_registry.hpp"
#include "sim/mm/run_store.hpp"

namespace headroom::mm {
namespace {

constexpr PageKind kKinds[] = {PageKind::file, PageKind::anon};
int inactive_list(PageKind kind) { return 2 * static_cast<int>(kind); }
int active_list(PageKind kind) { return 2 * static_cast<int>(kind) + 1; }
PageKind other(PageKind kind) { return kind == PageKind::file ? PageKind::anon : PageKind::file; }

std::uint64_t int_sqrt(std::uint64_t x) {
  std::uint64_t r = 0;
  while ((r + 1) * (r + 1) <= x) ++r;  // x is at most 10 * (GiB of RAM): a few hundred steps at most
  return r;
}

template <class Index>
class LinuxPolicy final : public EvictionPolicy {
 public:
  LinuxPolicy(const PolicyOptions& options, std::uint64_t capacity_pages)
      : capacity_(capacity_pages),
        key_space_(options.key_space),
        page_bytes_(options.page_bytes),
        swappiness_(static_cast<std::uint64_t>(std::clamp(options.swappiness, 0, 200))),
        store_(4, options.key_space) {}

  std::string_view name() const override { return "linux"; }
  std::uint64_t capacity_pages() const override { return capacity_; }
  std::uint64_t resident_pages() const override { return store_.total_pages(); }
  std::uint64_t resident_pages(PageKind kind) const override { return store_.pages(kind); }
  bool contains(PageKey key) const override {
    if (key_space_ > 0 && key >= key_space_) return false;
    return store_.find(key) != kNoNode;
  }
  void set_anon_victim_limit(std::uint64_t pages) override { anon_left_ = pages; }
  void erase(PageRun run) override {
    check_key_space(run, key_space_);
    store_.erase_range(run);
  }

  ReferenceResult reference(PageRun run, PageKind kind, PolicyListener& listener) override {
    check_key_space(run, key_space_);
    refill();
    ReferenceResult result;
    Cursor cur{run.first, run.end(), kind};
    std::uint64_t owed = 0;
    for (;;) {
      if (owed > 0) {
        if (!take_victims(owed, cur, result, listener)) owed = 0;  // stays over capacity
        continue;
      }
      if (cur.at >= cur.end) break;
      NodeId at = store_.next_at_or_after(cur.at, cur.end);
      if (at != kNoNode && store_[at].first <= cur.at) {
        PageKey to = std::min(store_[at].end(), cur.end);
        NodeId piece = store_.isolate(at, cur.at, to);
        store_.move_to_head(piece, active_list(store_[piece].kind));
        result.hit_pages += to - cur.at;
        cur.at = to;
        continue;
      }
      PageKey gap_end = at == kNoNode ? cur.end : store_[at].first;
      std::uint64_t pages = gap_end - cur.at;
      std::uint64_t free = capacity_ > resident_pages() ? capacity_ - resident_pages() : 0;
      listener.missed({cur.at, pages}, kind);
      store_.insert_head({cur.at, pages}, kind, inactive_list(kind));
      result.miss_pages += pages;
      owed = pages - std::min(pages, free);
      cur.at = gap_end;
    }
    return result;
  }

  std::uint64_t evict(std::uint64_t pages, PolicyListener& listener) override {
    refill();
    ReferenceResult unused;
    Cursor none{0, 0, PageKind::file};  // no reference in progress: nothing to chase
    std::uint64_t left = pages;
    while (left > 0 && take_victims(left, none, unused, listener)) {
    }
    return pages - left;
  }

  void set_capacity(std::uint64_t pages, PolicyListener& listener) override {
    capacity_ = pages;
    if (resident_pages() > capacity_) evict(resident_pages() - capacity_, listener);
  }

 private:
  struct Cursor {
    PageKey at;    // next page the reference will reach
    PageKey end;   // end of the referenced run
    PageKind kind; // kind of the referenced pages
  };

  std::uint64_t available(PageKind kind) const {
    return kind == PageKind::anon ? std::min(store_.pages(kind), anon_left_) : store_.pages(kind);
  }
  bool ever_chosen(PageKind kind) const {
    return kind == PageKind::anon ? swappiness_ > 0 : swappiness_ < 200;
  }
  // Anon victims among victim numbers [0, p).
  std::uint64_t anon_turns(std::uint64_t p) const { return p * swappiness_ / 200; }

  // Takes some of the `owed` victims and lowers `owed`; false when no page can be evicted.
  bool take_victims(std::uint64_t& owed, Cursor& cur, ReferenceResult& result, PolicyListener& listener) {
    std::uint64_t avail[2] = {available(PageKind::file), available(PageKind::anon)};
    if (avail[0] == 0 && avail[1] == 0) return false;
    for (PageKind kind : kKinds) {
      // Only `kind` can give victims for the rest of this call: take them a run at a time.
      PageKind rest = other(kind);
      if (avail[static_cast<int>(kind)] > 0 && (avail[static_cast<int>(rest)] == 0 || !ever_chosen(rest))) {
        take_run(kind, owed, cur, result, listener);
        return true;
      }
    }
    // Both kinds can: split this round's victims in closed form, then take them from each kind.
    std::uint64_t want_anon = anon_turns(turn_ + owed) - anon_turns(turn_);
    std::uint64_t anon = std::min(want_anon, avail[1]);
    std::uint64_t file = std::min(owed - anon, avail[0]);
    anon = std::min(owed - file, avail[1]);
    take_plain(PageKind::anon, anon, listener);
    take_plain(PageKind::file, file, listener);
    owed -= anon + file;  // what is left cannot be evicted: the next call reports it
    return true;
  }

  NodeId victim_run(PageKind kind) const {
    NodeId id = store_.tail(inactive_list(kind));
    return id != kNoNode ? id : store_.tail(active_list(kind));
  }
  std::uint64_t evictable(const RunNode& n) const {
    return n.kind == PageKind::anon ? std::min(n.count, anon_left_) : n.count;
  }

  // One run's worth of victims of `kind`, chasing the cursor as lru.cpp explains.
  void take_run(PageKind kind, std::uint64_t& owed, Cursor& cur, ReferenceResult& result, PolicyListener& listener) {
    NodeId id = victim_run(kind);
    const RunNode& v = store_[id];
    if (v.first == cur.at && cur.at < cur.end) {
      PageKey to = std::min({v.end(), cur.end, cur.at + evictable(v)});
      PageRun chased{cur.at, to - cur.at};
      remove_victims(id, chased.count, listener);
      listener.missed(chased, cur.kind);
      store_.insert_head(chased, cur.kind, inactive_list(cur.kind));
      result.miss_pages += chased.count;
      cur.at = to;
      return;
    }
    std::uint64_t pages = std::min(owed, evictable(v));
    remove_victims(id, pages, listener);
    owed -= pages;
  }

  void take_plain(PageKind kind, std::uint64_t pages, PolicyListener& listener) {
    while (pages > 0) {
      NodeId id = victim_run(kind);
      std::uint64_t n = std::min(pages, evictable(store_[id]));
      remove_victims(id, n, listener);
      pages -= n;
    }
  }

  void remove_victims(NodeId id, std::uint64_t pages, PolicyListener& listener) {
    const PageKind kind = store_[id].kind;
    PageRun victims{store_[id].first, pages};
    store_.trim_front(id, pages);
    if (kind == PageKind::anon) anon_left_ -= pages;
    turn_ += pages;
    listener.evicted(victims, kind);
  }

  // Kernel inactive_ratio for `pages` of one kind: int_sqrt(10 * GiB), 1 below 1 GiB.
  std::uint64_t inactive_ratio(std::uint64_t pages) const {
    std::uint64_t gib = pages * page_bytes_ >> 30;
    return gib == 0 ? 1 : int_sqrt(10 * gib);
  }

  void refill() {
    for (PageKind kind : kKinds) {
      const std::uint64_t inactive = store_.pages(inactive_list(kind));
      const std::uint64_t active = store_.pages(active_list(kind));
      const std::uint64_t ratio = inactive_ratio(inactive + active);
      if (inactive * ratio >= active) continue;
      // Page by page the kernel would move one page while inactive * ratio < active, i.e. the
      // smallest d with (inactive + d) * ratio >= active - d.
      std::uint64_t move = (active - inactive * ratio + ratio) / (ratio + 1);
      while (move > 0) {
        NodeId tail = store_.tail(active_list(kind));
        std::uint64_t n = std::min(move, store_[tail].count);
        NodeId piece = store_.isolate(tail, store_[tail].first, store_[tail].first + n);
        store_.move_to_head(piece, inactive_list(kind));
        move -= n;
      }
    }
  }

  std::uint64_t capacity_;
  std::uint64_t key_space_;
  std::uint64_t page_bytes_;
  std::uint64_t swappiness_;
  std::uint64_t anon_left_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t turn_ = 0;  // victims taken so far: the counter that interleaves anon and file
  RunStore<Index> store_;
};

std::unique_ptr<EvictionPolicy> make_linux(std::uint64_t capacity_pages, const PolicyOptions& options) {
  return make_run_policy<LinuxPolicy>(options, capacity_pages);
}

}  // namespace

HEADROOM_REGISTER_POLICY({"linux",
                          "kernel-like active/inactive lists per kind (anon, file), balanced by swappiness",
                          false, make_linux});

}  // namespace headroom::mm
