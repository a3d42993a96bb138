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
// Refaults at run level. nonresident_age = victims so far (turn_) + activations so far (act_). A
// shadow run stores, in closed form, the age of its page i as base + mult * turn(k0 + i), turn being
// consecutive victim numbers (single-kind victims) or the k0-th, k0+1-th, ... anon (file) turn of the
// swappiness interleave (victims split between kinds; a round stops before either kind would run
// short, so the interleave is exact). Plain victims: base = act_, mult 1. Victims of a batched
// activation (below) each follow one activation: mult 2 (ages two apart). A gap (pages not resident)
// is cut into pieces with a uniform outcome:
// - With A = age and W = workingset size at the piece start, a page whose shadow is below A - W can
//   not activate as long as nothing activates before it (A only grows, W only shrinks: inserted
//   inactive pages are never counted in their own kind's W). Shadow ages grow along a shadow run, so
//   the first possible activator of a gap is found in closed form per shadow run; everything before
//   it is one plain piece (inserted inactive, victims taken after it, as lru.cpp).
// - At a possible activator the test is exact (state = page-level state). It activates, with the
//   following pages of its shadow run while free frames last (no victim: age and shadow both grow by
//   one per page, W does not shrink).
// - With memory full, every page of a piece brings one victim. When the victims provably come, page
//   after page, from the tail runs the policy would pick now (one kind's, or both kinds' in the
//   swappiness interleave; the choice of kind must not flip and the anon-victim limit must stay above
//   0), the slack W - distance of page j is slack(0) - j - (victims from lists W counts) + (shadow
//   growth): an activation adds 2 to A and 1 to W, a plain miss adds 1 to A and 0 to W. Its terms
//   are linear up to the interleave's floors, so slack(j + T) - slack(j) is constant for a period T
//   <= 200 * 200 victims; scanning one period finds the first page whose outcome flips. So k
//   activations with their k victims are one batch (one missed call, one evicted call per victim
//   run), and a plain stretch runs to the exact first activator instead of the bound above (which
//   would cut it into O(log pages) pieces). Special case: a kind with no resident page that is
//   always chosen when available (anon at swappiness 200, file at 0): each activated page is its own
//   victim. Otherwise, and always in trace mode (single-page runs), a page activates alone.
// - Shadow runs merge when their stamps continue each other. A page's stamp is only a way of writing
//   its age, so the victim of a single-page activation (memory full: one activation, then one victim)
//   is written as a batch's victim (base act_ - turn_, mult 2): consecutive single activations that
//   evict consecutive pages of one tail run then leave one shadow run, and refault later as batches.
//   Written as plain victims (mult 1, base act_ changing at every activation) they left one shadow
//   run per page, which refaulted one page at a time and left single-page shadows again, for good.
// - The cyclic-scan chase (evict and re-miss in one step) is used only when W = 0: each chased page
//   then refaults at distance >= 1 > W. Otherwise the run at the cursor gives ordinary victims and
//   the pages come back through the gap path with their exact distances.
// Cost: O(runs) per call, plus O(T) per batch or stretch (T = 1 with one victim kind and shadows of
// one kind of victims, 10 to 70 at swappiness 60). Not in closed form yet, both growing about
// logarithmically with the pages touched: the two-kind chase (victims taken from the referenced run
// ahead of the cursor, or from the pages it just inserted: geometric rounds), and swappiness near but
// not at 0 or 200 when the activated page is its own victim on most turns (at 199 a 1000-page anon
// touch costs ~1200 listener calls, 10 M pages ~6000).
// Runs are the unit: where the page-level outcome itself alternates, the lists hold that many runs.
// That happens at the workingset boundary: when refaults of a region sit at slack ~ 0, activations
// and plain misses alternate every 1 to 4 pages (the swappiness interleave moves the slack by +-1),
// so the region ends up split between the active and inactive lists page by page, and every later
// touch and victim walk pays per run. Measured (tests/bench BM_MixedThrash, 4 GiB anon + 4 GiB file
// on 6 GiB, swappiness 60, ample swap): ~18,000 pieces per round of 4 x 1 M pages, where the 1 and
// 8 GiB versions of the same workload take ~14. With swap full, at swappiness 0 or 200 and with no
// swap the same workload takes at most ~500 pieces plus victim runs per round from 1 to 16 GiB,
// not growing with the size; see sim/mm/README.md.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <type_traits>
#include <vector>

#include "sim/mm/policies/linux.hpp"
#include "sim/mm/policy_registry.hpp"
#include "sim/mm/policies/run_policy_base.hpp"
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

// How a batch of victims is aged: victim i of the batch has shadow age base + mult * turn(seq, k0 + i).
// Plain victims: base = act_ at the eviction, mult 1. Victims of a batched refault activation
// (each victim follows one activation): mult 2, base = act_ + 1 - turn_ at the batch start.
struct ShadowStamp {
  std::int64_t base = 0;
  std::uint64_t mult = 1;
  TurnSeq seq = TurnSeq::consecutive;
  std::uint64_t k0 = 0;
  bool continues(const ShadowStamp& next, std::uint64_t count) const {
    return base == next.base && mult == next.mult && seq == next.seq && k0 + count == next.k0;
  }
};

// Engine mode: shadow runs ordered by first key; contiguous stamps merge.
class ShadowRuns {
 public:
  ShadowRuns(std::uint64_t, Interleave il) : il_(il) {}

  std::uint64_t runs() const { return map_.size(); }
  void record(PageRun victims, ShadowStamp stamp) {
    auto it = map_.lower_bound(victims.first);
    if (it != map_.begin()) {
      auto prev = std::prev(it);
      Run& p = prev->second;
      if (prev->first + p.count == victims.first && p.stamp.continues(stamp, p.count)) {
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

  // The stamp of `key` (which must have a shadow) as the first page of its shadow run's rest, and the
  // end of that run.
  std::pair<ShadowStamp, PageKey> stamp_at(PageKey key) const {
    auto it = std::prev(map_.upper_bound(key));
    ShadowStamp st = it->second.stamp;
    st.k0 += key - it->first;
    return {st, it->first + it->second.count};
  }
  // stamp_at(key) when `key` has a shadow, else nullopt.
  std::optional<std::pair<ShadowStamp, PageKey>> find(PageKey key) const {
    auto it = map_.upper_bound(key);
    if (it == map_.begin() || std::prev(it)->first + std::prev(it)->second.count <= key) return std::nullopt;
    return stamp_at(key);
  }

 private:
  struct Run {
    std::uint64_t count;
    ShadowStamp stamp;
  };
  std::int64_t age(const ShadowStamp& st, std::uint64_t i) const {
    return st.base + static_cast<std::int64_t>(st.mult * il_.turn(st.seq, st.k0 + i));
  }
  std::uint64_t first_index_at_or_above(const ShadowStamp& st, std::int64_t threshold) const {
    if (threshold <= age(st, 0)) return 0;
    // The smallest victim number p with base + mult * p >= threshold (threshold > base here).
    const auto above = static_cast<std::uint64_t>(threshold - st.base);
    std::uint64_t p = (above + st.mult - 1) / st.mult;
    return il_.index_at_or_after(st.seq, p) - st.k0;
  }
  // Re-adds the part of `run` (starting at `first`) from key `at` on.
  void cut_from(PageKey at, PageKey first, Run run) {
    std::uint64_t skip = at - first;
    ShadowStamp st = run.stamp;
    st.k0 += skip;
    map_.emplace(at, Run{run.count - skip, st});
  }

  Interleave il_;
  std::map<PageKey, Run> map_;
};

// Trace mode: one slot per dense key holding age + 1 (0 = no shadow); O(1) per single-page run. The
// slots grow with the largest key recorded (a streamed trace declares a key space it never fills).
class ShadowSlots {
 public:
  ShadowSlots(std::uint64_t key_space, Interleave il)
      : il_(il), slots_(static_cast<std::size_t>(std::min<std::uint64_t>(key_space, std::uint64_t{1} << 12)), 0) {}

  void record(PageRun victims, ShadowStamp st) {
    if (victims.end() > slots_.size()) slots_.resize(std::max<std::size_t>(victims.end(), 2 * slots_.size()), 0);
    for (std::uint64_t i = 0; i < victims.count; ++i)
      slots_[victims.first + i] = static_cast<std::uint64_t>(st.base) + st.mult * il_.turn(st.seq, st.k0 + i) + 1;
  }
  void forget(PageRun range) {
    const PageKey end = std::min<PageKey>(range.end(), slots_.size());
    if (range.first < end) std::fill(slots_.begin() + range.first, slots_.begin() + end, 0);
  }
  PageKey first_at_or_above(PageKey from, PageKey to, std::int64_t threshold) const {
    const PageKey end = std::min<PageKey>(to, slots_.size());
    for (PageKey k = from; k < end; ++k)
      if (slots_[k] != 0 && static_cast<std::int64_t>(slots_[k] - 1) >= threshold) return k;
    return to;
  }
  std::pair<ShadowStamp, PageKey> stamp_at(PageKey key) const {
    return {{static_cast<std::int64_t>(slots_[key] - 1), 1, TurnSeq::consecutive, 0}, key + 1};
  }
  std::optional<std::pair<ShadowStamp, PageKey>> find(PageKey key) const {
    if (key >= slots_.size() || slots_[key] == 0) return std::nullopt;
    return stamp_at(key);
  }

 private:
  Interleave il_;
  std::vector<std::uint64_t> slots_;
};

template <class Index>
class LinuxPolicy final : public RunPolicyBase<Index> {
  using Shadows = std::conditional_t<Index::kMerges, ShadowRuns, ShadowSlots>;
  using Base = RunPolicyBase<Index>;
  using Base::anon_left_;
  using Base::capacity_;
  using Base::evictable;
  using Base::key_space_;
  using Base::resident_pages;
  using Base::store_;

 public:
  LinuxPolicy(const PolicyOptions& options, std::uint64_t capacity_pages)
      : Base(options, capacity_pages, 4),
        page_bytes_(options.page_bytes),
        swappiness_(static_cast<std::uint64_t>(std::clamp(options.swappiness, 0, 200))),
        shadows_(options.key_space, Interleave{swappiness_}) {}

  std::string_view name() const override { return "linux"; }
  LinuxStats stats() const {
    LinuxStats s = stats_;
    if constexpr (Index::kMerges) s.shadow_runs = shadows_.runs();
    return s;
  }
  void erase(PageRun run) override {
    Base::erase(run);
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
        if (owed == 0) after_single_activation_ = false;
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
      const auto [stamp, run_end] = shadows_.stamp_at(cur.at);
      if (free == 0) {
        if (batch_activations(cur, std::min(run_end, gap_end), stamp, result, listener)) return 0;
        ++stats_.single_pages;
      }
      until = free > 1 ? std::min({run_end, gap_end, cur.at + free}) : cur.at + 1;
      list = active_list(cur.kind);
    } else if (free == 0 && until < gap_end) {
      const PageKey stretch_end = plain_stretch_end(cur, gap_end);
      if (stretch_end > until) {
        until = stretch_end;
        ++stats_.plain_stretches;
      }
    }
    PageRun piece{cur.at, until - cur.at};
    // One page activated with memory full owes exactly one victim (see victim_stamp).
    after_single_activation_ = list == active_list(cur.kind) && free == 0;
    shadows_.forget(piece);
    listener.missed(piece, cur.kind);
    store_.insert_head(piece, cur.kind, list);
    if (list == active_list(cur.kind)) act_ += piece.count;
    result.miss_pages += piece.count;
    cur.at = until;
    return piece.count - std::min(piece.count, free);
  }

  // Batched refault activation with memory full (see the header): pages cur.at.. of one shadow run,
  // each activated and followed by one victim, as long as the page-level outcome is provably the same.
  // Returns false (nothing done) when fewer than two pages qualify or the victim plan is not stable.
  bool batch_activations(Cursor& cur, PageKey limit_key, const ShadowStamp& stamp, ReferenceResult& result,
                         PolicyListener& listener) {
    if constexpr (!Index::kMerges) {
      return false;  // trace mode: every run is one page, nothing to batch
    } else {
      BatchPlan plan;
      if (!plan_victims(cur.kind, plan)) return false;
      const std::uint64_t k = uniform_length(cur, limit_key - cur.at, stamp, plan, true);
      if (k < 2) return false;
      PageRun piece{cur.at, k};
      shadows_.forget(piece);
      listener.missed(piece, cur.kind);
      if (!plan.self_evicting) store_.insert_head(piece, cur.kind, active_list(cur.kind));
      // Victim j follows activation j: its shadow is act_ + 1 + j + (turn_ + j) = base + 2 * turn.
      const std::int64_t base = signed_act() + 1 - static_cast<std::int64_t>(turn_);
      if (plan.self_evicting) {
        // Each page is its kind's only page, hence its own victim: nothing stays resident.
        shadows_.record(piece, {base, 2, TurnSeq::consecutive, turn_});
        if (cur.kind == PageKind::anon) anon_left_ -= k;
        listener.evicted(piece, cur.kind);
      } else if (plan.two_kinds) {
        const Interleave il = interleave();
        const std::uint64_t a0 = il.anon_before(turn_), f0 = turn_ - a0;
        const std::uint64_t anon = il.anon_before(turn_ + k) - a0;
        take_plain(PageKind::anon, anon, {base, 2, TurnSeq::anon_turns, a0}, listener);
        take_plain(PageKind::file, k - anon, {base, 2, TurnSeq::file_turns, f0}, listener);
      } else {
        take_plain(plan.only, k, {base, 2, TurnSeq::consecutive, turn_}, listener);
      }
      turn_ += k;
      act_ += k;
      result.miss_pages += k;
      cur.at += k;
      ++stats_.batches;
      stats_.batched_pages += k;
      return true;
    }
  }

  // With memory full, the end of the plain misses from cur.at on within cur.at's shadow run, in
  // closed form (the bound first_at_or_above gives ignores the victims' effect on age and
  // workingset, so it alone would cut a long plain stretch into O(log pages) pieces); cur.at if
  // there is no such closed form. The caller knows cur.at itself does not activate.
  PageKey plain_stretch_end(const Cursor& cur, PageKey gap_end) const {
    if constexpr (!Index::kMerges) {
      return cur.at;
    } else {
      const auto found = shadows_.find(cur.at);
      BatchPlan plan;
      if (!found || !plan_victims(cur.kind, plan) || plan.self_evicting) return cur.at;
      // A victim of the reference's own kind must come from its inactive list's old tail run, not
      // from the pages this stretch inserts there.
      const bool own_kind_victims = plan.two_kinds || plan.only == cur.kind;
      if (own_kind_victims && store_.pages(inactive_list(cur.kind)) == 0) return cur.at;
      const PageKey limit = std::min(found->second, gap_end);
      return cur.at + uniform_length(cur, limit - cur.at, found->first, plan, false);
    }
  }

  // Who gives the victims of a batch: the same choice take_victims makes for one victim, required
  // to stay the same for every page of the batch.
  struct BatchPlan {
    bool two_kinds = false;             // victims follow the swappiness interleave
    bool self_evicting = false;         // every page is its own victim (see plan_victims)
    PageKind only = PageKind::file;     // else: all victims of this kind
    std::uint64_t most[2] = {0, 0};     // victims each kind's tail run can give
    std::int64_t shrinks[2] = {0, 0};   // 1 when a victim of that kind leaves a list the workingset counts
  };

  bool plan_victims(PageKind kind, BatchPlan& plan) const {
    // An anon refault's swap-in may raise the anon-victim limit mid-batch: only batch when the limit
    // already leaves anon victims possible, so a raise changes no decision.
    if (kind == PageKind::anon && anon_left_ == 0) return false;
    const std::uint64_t avail[2] = {available(PageKind::file), available(PageKind::anon)};
    if (avail[0] == 0 && avail[1] == 0) return false;
    plan.two_kinds = true;
    for (PageKind v : kKinds) {
      PageKind rest = other(v);
      if (avail[static_cast<int>(v)] > 0 && (avail[static_cast<int>(rest)] == 0 || !ever_chosen(rest))) {
        plan.two_kinds = false;
        plan.only = v;
        if (ever_chosen(rest) && rest == kind) {
          // The activated pages make `rest` available: unless `v` is never chosen against it and
          // `rest` has no page yet (swappiness 200 with no anon page resident, or 0 with no file
          // page), when each activated page is at once the only victim candidate, the choice flips.
          if (ever_chosen(v) || store_.pages(kind) > 0) return false;
          plan.self_evicting = true;
          plan.only = kind;
          plan.most[static_cast<int>(kind)] = kind == PageKind::anon ? anon_left_ - 1 : std::uint64_t{1} << 62;
          plan.shrinks[static_cast<int>(kind)] = 1;  // its own active list, counted while anon_left_ > 0
          return true;
        }
        break;
      }
    }
    for (PageKind v : kKinds) {
      if (!plan.two_kinds && v != plan.only) continue;
      const int i = static_cast<int>(v);
      const NodeId id = victim_run(v);
      plan.most[i] = evictable(store_[id]);
      // Anon victims must leave the limit above 0 for every page's workingset test.
      if (v == PageKind::anon) plan.most[i] = std::min(plan.most[i], anon_left_ - 1);
      plan.shrinks[i] = counted_in_workingset(store_[id].list, kind) ? 1 : 0;
    }
    return true;
  }

  // Whether the pages of `list` count in the workingset size of a refault of `kind` (anon_left_ > 0).
  bool counted_in_workingset(int list, PageKind kind) const {
    if (list == active_list(PageKind::file)) return true;
    if (list == inactive_list(PageKind::file)) return kind == PageKind::anon;
    if (anon_left_ == 0) return false;
    return list == active_list(PageKind::anon) || kind == PageKind::file;
  }

  // The number of leading pages of [cur.at, cur.at + pages) (one shadow run, memory full) whose
  // outcome is `activating` (activate, else plain miss), each with one victim by `plan`. slack(j) =
  // workingset size - refault distance of page j, and page j activates iff slack(j) >= 0. Either
  // way a page ages the counter by one more than it adds to the workingset (an activation: +2 and its
  // kind's active list; a plain miss: +1 and its kind's inactive list, never counted for its kind),
  // and its victim leaves the workingset if its list counts there. So every term is linear in j up to
  // floors of the swappiness interleave, and slack(j + T) - slack(j) is one constant D for a period
  // T: the first period is scanned exactly and later flips are extrapolated per residue.
  std::uint64_t uniform_length(const Cursor& cur, std::uint64_t pages, const ShadowStamp& stamp,
                               const BatchPlan& plan, bool activating) const {
    const Interleave il = interleave();
    const std::uint64_t a0 = il.anon_before(turn_);
    std::uint64_t most = pages;
    if (plan.two_kinds) {
      most = std::min({most, il.turn(TurnSeq::anon_turns, a0 + plan.most[1]) - turn_,
                       il.turn(TurnSeq::file_turns, turn_ - a0 + plan.most[0]) - turn_});
    } else {
      most = std::min(most, plan.most[static_cast<int>(plan.only)]);
    }
    const std::int64_t start = static_cast<std::int64_t>(workingset_pages(cur.kind)) -
                               static_cast<std::int64_t>(nonresident_age());
    auto slack = [&](std::uint64_t j) {
      const std::uint64_t anon =
          plan.two_kinds ? il.anon_before(turn_ + j) - a0 : (plan.only == PageKind::anon ? j : 0);
      const auto sj = static_cast<std::int64_t>(j), sa = static_cast<std::int64_t>(anon);
      const std::int64_t shadow = stamp.base + static_cast<std::int64_t>(stamp.mult * il.turn(stamp.seq, stamp.k0 + j));
      return start + shadow - sj - plan.shrinks[1] * sa - plan.shrinks[0] * (sj - sa);
    };
    const std::uint64_t period = slack_period(plan, stamp.seq);
    const std::uint64_t scan = std::min(period, most);
    const std::int64_t drift = slack(period) - slack(0);
    std::uint64_t k = most;
    for (std::uint64_t r = 0; r < scan; ++r) {
      const std::int64_t sr = slack(r);
      if ((sr >= 0) != activating) return r;
      if (most <= period) continue;
      // Periods until residue r flips: slack falls below 0 (activating), or reaches 0 (plain).
      std::uint64_t periods = 0;
      if (activating && drift < 0) periods = static_cast<std::uint64_t>(sr / -drift) + 1;
      if (!activating && drift > 0) periods = static_cast<std::uint64_t>((-sr + drift - 1) / drift);
      if (periods > 0 && periods <= (most - r) / period) k = std::min(k, r + periods * period);
    }
    return k;
  }

  // A period T of the slack: the victim interleave repeats every 200 / gcd(s, 200) victims, and an
  // anon (file) turn sequence advances by a whole number of victims every s / g (200 - s) / g turns.
  std::uint64_t slack_period(const BatchPlan& plan, TurnSeq seq) const {
    const std::uint64_t g = std::gcd(swappiness_, std::uint64_t{200});
    std::uint64_t p = plan.two_kinds ? 200 / g : 1;
    std::uint64_t q = 1;
    if (seq == TurnSeq::anon_turns) q = std::max<std::uint64_t>(swappiness_ / g, 1);
    if (seq == TurnSeq::file_turns) q = std::max<std::uint64_t>((200 - swappiness_) / g, 1);
    return std::lcm(p, q);
  }

  std::int64_t signed_act() const { return static_cast<std::int64_t>(act_); }

  // The stamp of plain victims numbered from k0 along `seq`: age = act_ + victim number. The victim
  // of a single-page refault activation (memory full) gets the same ages written as a batch's,
  // base act_ - turn_ and mult 2: a run of such activations, each evicting the next page of one tail
  // run, then leaves one shadow run instead of one per page, and the pages refault later as one
  // batch. Without this the shadows of a thrashing region stay cut into single pages forever, each
  // refaulting alone and leaving a single-page shadow again (a 4 GiB anon + 4 GiB file thrash at
  // swappiness 60: 38,000 pieces per round instead of 14).
  ShadowStamp victim_stamp(TurnSeq seq, std::uint64_t k0) const {
    if (after_single_activation_) return {signed_act() - static_cast<std::int64_t>(turn_), 2, seq, k0};
    return {signed_act(), 1, seq, k0};
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
    take_plain(PageKind::anon, anon, victim_stamp(TurnSeq::anon_turns, a0), listener);
    take_plain(PageKind::file, round - anon, victim_stamp(TurnSeq::file_turns, f0), listener);
    turn_ += round;
    owed -= round;
    return true;
  }

  NodeId victim_run(PageKind kind) const {
    NodeId id = store_.tail(inactive_list(kind));
    return id != kNoNode ? id : store_.tail(active_list(kind));
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
    shadows_.record({v.first, pages}, victim_stamp(TurnSeq::consecutive, turn_));
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

  std::uint64_t page_bytes_;
  std::uint64_t swappiness_;
  std::uint64_t turn_ = 0;  // victims taken so far: the counter that interleaves anon and file
  std::uint64_t act_ = 0;   // activations so far; nonresident_age = turn_ + act_
  bool after_single_activation_ = false;  // the owed victim follows a single-page activation
  LinuxStats stats_;
  Shadows shadows_;
};

std::unique_ptr<EvictionPolicy> make_linux(std::uint64_t capacity_pages, const PolicyOptions& options) {
  return make_run_policy<LinuxPolicy>(options, capacity_pages);
}

}  // namespace

std::optional<LinuxStats> linux_stats(const EvictionPolicy& policy) {
  if (const auto* p = dynamic_cast<const LinuxPolicy<TreeIndex>*>(&policy)) return p->stats();
  if (const auto* p = dynamic_cast<const LinuxPolicy<FlatIndex>*>(&policy)) return p->stats();
  return std::nullopt;
}

HEADROOM_REGISTER_POLICY({"linux",
                          "kernel-like active/inactive lists per kind (anon, file), balanced by swappiness, "
                          "with refault-distance activation",
                          false, make_linux});

}  // namespace headroom::mm
