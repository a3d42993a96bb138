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
// - Workingset refault detection (mm/workingset.c): a counter `nonresident_age` grows by one on
//   every eviction and every activation (a hit on an inactive page, or a refault activation below).
//   An evicted page leaves a shadow holding the counter's value before its own increment. A miss on a
//   page with a shadow consumes it: refault_distance = nonresident_age - shadow; workingset_size =
//   active file, plus inactive file for an anon refault, plus (when anon victims are still allowed,
//   i.e. free swap > 0) active anon, plus inactive anon for a file refault; all sizes exclude the
//   refaulting page. If refault_distance <= workingset_size the page goes to the head of its kind's
//   ACTIVE list (an activation: the counter grows), else to the inactive head as a plain miss. The
//   kind is the reference's kind. Shadows live until the refault or until erase() forgets the range:
//   the kernel's shadow-node shrinker is not modelled.
//
// Simplifications of the kernel, and why:
// - Accessed bits are not sampled by a clock scan: a reference is seen at once (mark_page_accessed
//   semantics), so a hit while inactive activates immediately, and active pages are kept in
//   recency order; a scan model would need per-page state, i.e. O(pages) per touch.
// - Refill runs once per call with the call's starting sizes instead of per 32-page batch; within one
//   touch the inactive list always holds the pages just faulted in, so the victim order is the same.
// - No MGLRU (a separate policy), no per-cgroup or per-node lists, no shadow shrinker, no eviction
//   timestamp bucketing (the kernel drops low bits of old ages; ours are exact).
// - set_anon_victim_limit called from a listener in the middle of a gap does not change the refault
//   decisions already made for that gap (the manager only raises the limit after a swap-in).
//
// Run-level algorithm: as in lru.cpp (hit segments and miss gaps, victims owed per gap), plus:
// when only one kind can give victims for the rest of the call, victims are taken a run at a time and
// a victim run at the cursor is evicted and missed again at once (the cyclic-scan chase); when both
// kinds can, the owed victims of a gap are split between kinds in closed form from the counter, then
// taken a run at a time from each kind; pages of the referenced run evicted that way are missed when
// the cursor reaches them, owing fewer victims each round.
//
// Refaults at run level. nonresident_age = victims so far (turn_) + activations so far (act_), so a
// shadow run stores act_ at its eviction and the victims' turn numbers in closed form: consecutive
// turns (single-kind victims), or the k0-th, k0+1-th, ... anon (file) turn of the swappiness
// interleave (victims split between kinds; a round stops before either kind would run short, so the
// interleave is exact). A gap (pages not resident) is cut into pieces with a uniform outcome:
// - With A = age and W = workingset size at the piece start, a page whose shadow is below A - W can
//   not activate as long as nothing activates before it (A only grows, W only shrinks: inserted
//   inactive pages are never counted in their own kind's W). Shadow ages grow along a shadow run, so
//   the first possible activator of a gap is found in closed form per shadow run; everything before
//   it is one plain piece (inserted inactive, victims taken after it, as lru.cpp).
// - At a possible activator the test is exact (state = page-level state). It activates, with the
//   following pages of its shadow run while free frames last (no victim: age and shadow both grow by
//   one per page, W does not shrink), else alone.
// - The cyclic-scan chase (evict and re-miss in one step) is used only when W = 0: each chased page
//   then refaults at distance >= 1 > W. Otherwise the run at the cursor gives ordinary victims and
//   the pages come back through the gap path with their exact distances.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <type_traits>
#include <vector>

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

// The victim-number sequence of a shadow run: page i was victim number turn(k0 + i).
enum class TurnSeq : std::uint8_t { consecutive, anon_turns, file_turns };

// Closed forms of the swappiness interleave (victim p is anon when floor((p+1)s/200) > floor(ps/200)).
struct Interleave {
  std::uint64_t s;  // swappiness 0..200
  std::uint64_t anon_before(std::uint64_t p) const { return p * s / 200; }  // anon turns in [0, p)
  // Victim number of the k-th (0-based) turn of `seq`.
  std::uint64_t turn(TurnSeq seq, std::uint64_t k) const {
    if (seq == TurnSeq::consecutive) return k;
    if (seq == TurnSeq::anon_turns) return ((k + 1) * 200 + s - 1) / s - 1;
    return 200 * k / (200 - s);
  }
  // Index of the first turn of `seq` at or after victim number p.
  std::uint64_t index_at_or_after(TurnSeq seq, std::uint64_t p) const {
    if (seq == TurnSeq::consecutive) return p;
    return seq == TurnSeq::anon_turns ? anon_before(p) : p - anon_before(p);
  }
};

// How a batch of victims is numbered: act_ at the eviction, and where it sits in the turn sequence.
struct ShadowStamp {
  std::uint64_t act = 0;
  TurnSeq seq = TurnSeq::consecutive;
  std::uint64_t k0 = 0;
};

// Engine mode: shadow runs ordered by first key; contiguous stamps merge.
class ShadowRuns {
 public:
  ShadowRuns(std::uint64_t, Interleave il) : il_(il) {}

  void record(PageRun victims, ShadowStamp stamp) {
    auto it = map_.lower_bound(victims.first);
    if (it != map_.begin()) {
      auto prev = std::prev(it);
      Run& p = prev->second;
      if (prev->first + p.count == victims.first && p.stamp.act == stamp.act && p.stamp.seq == stamp.seq &&
          p.stamp.k0 + p.count == stamp.k0) {
        p.count += victims.count;
        return;
      }
    }
    map_.emplace_hint(it, victims.first, Run{victims.count, stamp});
  }

  void forget(PageRun range) {
    if (map_.empty()) return;
    auto it = map_.upper_bound(range.first);
    if (it != map_.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second.count > range.first) {  // keep its part before the range
        Run tail = prev->second;
        std::uint64_t keep = range.first - prev->first;
        prev->second.count = keep;
        if (prev->first + tail.count > range.end()) cut_from(range.end(), prev->first, tail);
        if (keep == 0) map_.erase(prev);
      }
    }
    while (it != map_.end() && it->first < range.end()) {
      Run run = it->second;
      PageKey first = it->first;
      it = map_.erase(it);
      if (first + run.count > range.end()) cut_from(range.end(), first, run);
    }
  }

  // The first key in [from, to) whose shadow age is >= threshold, else `to`.
  PageKey first_at_or_above(PageKey from, PageKey to, std::int64_t threshold) const {
    auto it = map_.upper_bound(from);
    if (it != map_.begin() && std::prev(it)->first + std::prev(it)->second.count > from) --it;
    for (; it != map_.end() && it->first < to; ++it) {
      const Run& r = it->second;
      std::uint64_t i = first_index_at_or_above(r.stamp, threshold);
      PageKey key = std::max(from, it->first + std::min(i, r.count));
      if (key < it->first + r.count) return std::min(key, to);
    }
    return to;
  }

  // Shadow age of `key` (which must have a shadow) and the end of its shadow run.
  std::pair<std::uint64_t, PageKey> age_and_run_end(PageKey key) const {
    auto it = std::prev(map_.upper_bound(key));
    const Run& r = it->second;
    return {age(r.stamp, key - it->first), it->first + r.count};
  }

 private:
  struct Run {
    std::uint64_t count;
    ShadowStamp stamp;
  };
  std::uint64_t age(const ShadowStamp& st, std::uint64_t i) const { return st.act + il_.turn(st.seq, st.k0 + i); }
  std::uint64_t first_index_at_or_above(const ShadowStamp& st, std::int64_t threshold) const {
    if (threshold <= static_cast<std::int64_t>(age(st, 0))) return 0;
    std::uint64_t p = static_cast<std::uint64_t>(threshold) - st.act;  // victim number wanted
    return il_.index_at_or_after(st.seq, p) - st.k0;
  }
  // Re-adds the part of `run` (starting at `first`) from key `at` on.
  void cut_from(PageKey at, PageKey first, Run run) {
    std::uint64_t skip = at - first;
    map_.emplace(at, Run{run.count - skip, {run.stamp.act, run.stamp.seq, run.stamp.k0 + skip}});
  }

  Interleave il_;
  std::map<PageKey, Run> map_;
};

// Trace mode: one slot per dense key holding age + 1 (0 = no shadow); O(1) per single-page run.
class ShadowSlots {
 public:
  ShadowSlots(std::uint64_t key_space, Interleave il) : il_(il), slots_(key_space, 0) {}

  void record(PageRun victims, ShadowStamp st) {
    for (std::uint64_t i = 0; i < victims.count; ++i) slots_[victims.first + i] = st.act + il_.turn(st.seq, st.k0 + i) + 1;
  }
  void forget(PageRun range) { std::fill(slots_.begin() + range.first, slots_.begin() + range.end(), 0); }
  PageKey first_at_or_above(PageKey from, PageKey to, std::int64_t threshold) const {
    for (PageKey k = from; k < to; ++k)
      if (slots_[k] != 0 && static_cast<std::int64_t>(slots_[k] - 1) >= threshold) return k;
    return to;
  }
  std::pair<std::uint64_t, PageKey> age_and_run_end(PageKey key) const { return {slots_[key] - 1, key + 1}; }

 private:
  Interleave il_;
  std::vector<std::uint64_t> slots_;
};

template <class Index>
class LinuxPolicy final : public EvictionPolicy {
  using Shadows = std::conditional_t<Index::kMerges, ShadowRuns, ShadowSlots>;

 public:
  LinuxPolicy(const PolicyOptions& options, std::uint64_t capacity_pages)
      : capacity_(capacity_pages),
        key_space_(options.key_space),
        page_bytes_(options.page_bytes),
        swappiness_(static_cast<std::uint64_t>(std::clamp(options.swappiness, 0, 200))),
        store_(4, options.key_space),
        shadows_(options.key_space, Interleave{swappiness_}) {}

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
    shadows_.forget(run);
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
        if (store_[piece].list == inactive_list(store_[piece].kind)) act_ += to - cur.at;  // promotions
        store_.move_to_head(piece, active_list(store_[piece].kind));
        result.hit_pages += to - cur.at;
        cur.at = to;
        continue;
      }
      owed = miss_piece(cur, at == kNoNode ? cur.end : store_[at].first, result, listener);
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

  std::uint64_t nonresident_age() const { return turn_ + act_; }

  // The kernel's workingset_size for a refault of `kind` (mm/workingset.c, workingset_test_recent).
  std::uint64_t workingset_pages(PageKind kind) const {
    std::uint64_t size = store_.pages(active_list(PageKind::file));
    if (kind == PageKind::anon) size += store_.pages(inactive_list(PageKind::file));
    if (anon_left_ > 0) {
      size += store_.pages(active_list(PageKind::anon));
      if (kind == PageKind::file) size += store_.pages(inactive_list(PageKind::anon));
    }
    return size;
  }

  // Inserts the next piece of the miss gap [cur.at, gap_end) with one outcome (see the header);
  // returns the victims it owes.
  std::uint64_t miss_piece(Cursor& cur, PageKey gap_end, ReferenceResult& result, PolicyListener& listener) {
    const std::uint64_t free = capacity_ > resident_pages() ? capacity_ - resident_pages() : 0;
    const std::int64_t threshold =
        static_cast<std::int64_t>(nonresident_age()) - static_cast<std::int64_t>(workingset_pages(cur.kind));
    PageKey until = shadows_.first_at_or_above(cur.at, gap_end, threshold);
    int list = inactive_list(cur.kind);
    if (until == cur.at) {  // refault distance <= workingset size: activate
      PageKey run_end = shadows_.age_and_run_end(cur.at).second;
      until = free > 1 ? std::min({run_end, gap_end, cur.at + free}) : cur.at + 1;
      list = active_list(cur.kind);
    }
    PageRun piece{cur.at, until - cur.at};
    shadows_.forget(piece);
    listener.missed(piece, cur.kind);
    store_.insert_head(piece, cur.kind, list);
    if (list == active_list(cur.kind)) act_ += piece.count;
    result.miss_pages += piece.count;
    cur.at = until;
    return piece.count - std::min(piece.count, free);
  }

  std::uint64_t available(PageKind kind) const {
    return kind == PageKind::anon ? std::min(store_.pages(kind), anon_left_) : store_.pages(kind);
  }
  bool ever_chosen(PageKind kind) const {
    return kind == PageKind::anon ? swappiness_ > 0 : swappiness_ < 200;
  }
  Interleave interleave() const { return Interleave{swappiness_}; }

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
    // Both kinds can: a round of victims split in closed form, ending before either kind runs short
    // (so that every victim's number follows the interleave, which the shadows rely on).
    const Interleave il = interleave();
    const std::uint64_t a0 = il.anon_before(turn_), f0 = turn_ - a0;
    std::uint64_t round = std::min({owed, il.turn(TurnSeq::anon_turns, a0 + avail[1]) - turn_,
                                    il.turn(TurnSeq::file_turns, f0 + avail[0]) - turn_});
    std::uint64_t anon = il.anon_before(turn_ + round) - a0;
    take_plain(PageKind::anon, anon, {act_, TurnSeq::anon_turns, a0}, listener);
    take_plain(PageKind::file, round - anon, {act_, TurnSeq::file_turns, f0}, listener);
    turn_ += round;
    owed -= round;
    return true;
  }

  NodeId victim_run(PageKind kind) const {
    NodeId id = store_.tail(inactive_list(kind));
    return id != kNoNode ? id : store_.tail(active_list(kind));
  }
  std::uint64_t evictable(const RunNode& n) const {
    return n.kind == PageKind::anon ? std::min(n.count, anon_left_) : n.count;
  }

  // One run's worth of victims of `kind`, chasing the cursor as lru.cpp explains when no chased page
  // can activate (workingset size 0).
  void take_run(PageKind kind, std::uint64_t& owed, Cursor& cur, ReferenceResult& result, PolicyListener& listener) {
    NodeId id = victim_run(kind);
    const RunNode& v = store_[id];
    if (v.first == cur.at && cur.at < cur.end && workingset_pages(cur.kind) == 0) {
      PageKey to = std::min({v.end(), cur.end, cur.at + evictable(v)});
      PageRun chased{cur.at, to - cur.at};
      remove_victims(id, chased.count, listener);  // their shadows are consumed at once: none kept
      turn_ += chased.count;
      listener.missed(chased, cur.kind);
      store_.insert_head(chased, cur.kind, inactive_list(cur.kind));
      result.miss_pages += chased.count;
      cur.at = to;
      return;
    }
    std::uint64_t pages = std::min(owed, evictable(v));
    shadows_.record({v.first, pages}, {act_, TurnSeq::consecutive, turn_});
    remove_victims(id, pages, listener);
    turn_ += pages;
    owed -= pages;
  }

  // `pages` victims of `kind`, numbered from `stamp` along its turn sequence.
  void take_plain(PageKind kind, std::uint64_t pages, ShadowStamp stamp, PolicyListener& listener) {
    while (pages > 0) {
      NodeId id = victim_run(kind);
      std::uint64_t n = std::min(pages, evictable(store_[id]));
      shadows_.record({store_[id].first, n}, stamp);
      remove_victims(id, n, listener);
      stamp.k0 += n;
      pages -= n;
    }
  }

  void remove_victims(NodeId id, std::uint64_t pages, PolicyListener& listener) {
    const PageKind kind = store_[id].kind;
    PageRun victims{store_[id].first, pages};
    store_.trim_front(id, pages);
    if (kind == PageKind::anon) anon_left_ -= pages;
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
  std::uint64_t act_ = 0;   // activations so far; nonresident_age = turn_ + act_
  RunStore<Index> store_;
  Shadows shadows_;
};

std::unique_ptr<EvictionPolicy> make_linux(std::uint64_t capacity_pages, const PolicyOptions& options) {
  return make_run_policy<LinuxPolicy>(options, capacity_pages);
}

}  // namespace

HEADROOM_REGISTER_POLICY({"linux",
                          "kernel-like active/inactive lists per kind (anon, file), balanced by swappiness, "
                          "with refault-distance activation",
                          false, make_linux});

}  // namespace headroom::mm
