// ARC, Adaptive Replacement Cache (Megiddo & Modha, FAST'03, Fig. 4). Resident pages seen once
// recently are in T1, pages seen at least twice in T2; the ghost lists B1 and B2 remember the keys
// (not the data) recently evicted from T1 and T2. A miss that hits a ghost in B1 means T1 was too
// small: the target size p of T1 grows by max(1, |B2|/|B1|); a ghost hit in B2 shrinks it by
// max(1, |B1|/|B2|). REPLACE evicts from T1 when |T1| > p (or == p on a B2 ghost hit), else from T2.
// Invariants: |T1|+|T2| <= c, |T1|+|B1| <= c, |T1|+|T2|+|B1|+|B2| <= 2c.
//
// Adaptations to the EvictionPolicy interface (they change nothing when pages are never erased
// and the capacity never changes, which is the paper's setting and the trace mode's):
// - REPLACE evicts only when the cache is full, so pages freed by erase() leave room first;
// - evict() (background reclaim) runs REPLACE as for a miss outside the ghost lists;
// - set_capacity() evicts with REPLACE, then trims B1 and B2 to the new bounds and clamps p.
// p is a real number, as in the paper.
//
// Runs: the four lists live on two run stores (sim/mm/run_store.hpp), T1/T2 on one (so that its
// per-kind totals are the resident pages by kind) and B1/B2 on the other, so memory is O(runs)
// with no per-page node. A reference is walked as hit segments (moved to T2's head in one piece)
// and miss chunks: a chunk is the longest stretch of pages for which the page-at-a-time algorithm
// takes the same branch (same ghost list dropped from, same list evicted from) within one victim
// run and one dropped ghost run; the lists then change once per chunk. Cold misses and REPLACE
// leave p alone, so their chunk length is found by bisection over the list sizes (O(log pages) per
// chunk: O(runs) overall). A ghost hit moves p by a ratio of the ghost sizes; to keep p the exact
// floating-point sum a page-level replay makes, ghost-hit chunks replay the sizes and p page by
// page (a few arithmetic operations per page, no list work).
#include <algorithm>

#include "sim/mm/policies/arc.hpp"
#include "sim/mm/policy_registry.hpp"
#include "sim/mm/run_store.hpp"

namespace headroom::mm {
namespace {

enum ResidentList : int { T1 = 0, T2 = 1 };
enum GhostList : int { B1 = 0, B2 = 1 };

// Where a referenced page was found (hits in T1/T2 are handled apart).
enum class Source : std::uint8_t { cold, b1, b2 };
enum class Victim : std::uint8_t { none, t1_to_b1, t2_to_b2, t1_dropped };
enum class Drop : std::uint8_t { none, b1, b2 };

// The branch one page takes; consecutive pages with equal branches form one chunk.
struct Branch {
  Victim victim = Victim::none;
  Drop drop = Drop::none;
  bool operator==(const Branch&) const = default;
};

// The list sizes and p: the only inputs of ARC's decisions.
struct Sizes {
  std::uint64_t t1 = 0, t2 = 0, b1 = 0, b2 = 0;
  double p = 0;
  std::uint64_t resident() const { return t1 + t2; }
  std::uint64_t total() const { return t1 + t2 + b1 + b2; }
};

// REPLACE(x, p) on sizes: which list gives the victim. Only when full unless reclaiming.
Victim plan_replace(const Sizes& s, std::uint64_t c, bool hit_in_b2, bool reclaiming) {
  if (s.resident() < c && !reclaiming) return Victim::none;
  if (s.resident() == 0) return Victim::none;
  const double t1 = static_cast<double>(s.t1);
  const bool from_t1 = s.t1 > 0 && ((hit_in_b2 && t1 == s.p) || t1 > s.p);
  return from_t1 || s.t2 == 0 ? Victim::t1_to_b1 : Victim::t2_to_b2;
}

void apply_victim(Sizes& s, Victim v) {
  switch (v) {
    case Victim::t1_to_b1: --s.t1, ++s.b1; break;
    case Victim::t2_to_b2: --s.t2, ++s.b2; break;
    case Victim::t1_dropped: --s.t1; break;
    case Victim::none: break;
  }
}

// One missed page, from `where`, exactly as Fig. 4 (cases II, III, IV); updates `s`.
Branch plan_miss(Sizes& s, std::uint64_t c, Source where) {
  Branch b;
  const double cap = static_cast<double>(c);
  if (where == Source::b1) {  // case II
    s.p = std::min(cap, s.p + std::max(1.0, static_cast<double>(s.b2) / static_cast<double>(s.b1)));
    b.victim = plan_replace(s, c, false, false);
    apply_victim(s, b.victim);
    --s.b1, ++s.t2;
    return b;
  }
  if (where == Source::b2) {  // case III
    s.p = std::max(0.0, s.p - std::max(1.0, static_cast<double>(s.b1) / static_cast<double>(s.b2)));
    b.victim = plan_replace(s, c, true, false);
    apply_victim(s, b.victim);
    --s.b2, ++s.t2;
    return b;
  }
  if (s.t1 + s.b1 >= c) {  // case IV.A
    if (s.t1 < c) {
      if (s.b1 > 0) b.drop = Drop::b1, --s.b1;
      b.victim = plan_replace(s, c, false, false);
    } else {  // T1 fills the cache: its LRU page leaves without a ghost
      b.victim = Victim::t1_dropped;
    }
  } else if (s.total() >= c) {  // case IV.B
    if (s.total() >= 2 * c && s.b2 > 0) b.drop = Drop::b2, --s.b2;
    b.victim = plan_replace(s, c, false, false);
  }
  apply_victim(s, b.victim);
  ++s.t1;
  return b;
}

// Every comparison a cold miss or a REPLACE makes. Along a stretch where p is fixed and the sizes
// change by the same step per page, each comparison flips at most once, so the pages whose
// signature equals the first page's form a prefix: its length is found by bisection, and equal
// signatures mean equal branches.
std::uint32_t signature(const Sizes& s, std::uint64_t c) {
  const bool bits[] = {s.t1 + s.b1 >= c, s.t1 < c,       s.b1 > 0,          s.b2 > 0,
                       s.resident() >= c, s.resident() == 0, s.t1 > 0,     static_cast<double>(s.t1) > s.p,
                       s.t2 == 0,         s.total() >= c, s.total() >= 2 * c};
  std::uint32_t out = 0;
  for (bool b : bits) out = out << 1 | (b ? 1U : 0U);
  return out;
}

// The sizes `pages` steps after `s`, when each step changes them as `from` -> `to` did.
Sizes advance(const Sizes& from, const Sizes& to, std::uint64_t pages) {
  auto step = [pages](std::uint64_t a, std::uint64_t b) { return a + (b - a) * pages; };  // wraps as signed
  return {step(from.t1, to.t1), step(from.t2, to.t2), step(from.b1, to.b1), step(from.b2, to.b2), from.p};
}

// How many pages (1..limit) starting at `s` keep `s`'s signature when each changes the sizes as the
// first did (`after_one` = the sizes after the first page). p must not change.
std::uint64_t same_signature_pages(const Sizes& s, const Sizes& after_one, std::uint64_t c, std::uint64_t limit) {
  if (limit <= 1) return 1;  // trace mode: single pages, no search
  const std::uint32_t want = signature(s, c);
  std::uint64_t good = 1, bad = limit + 1;  // page index good-1 keeps it; page bad-1 does not (or is beyond)
  while (bad - good > 1) {
    const std::uint64_t mid = good + (bad - good) / 2;
    if (signature(advance(s, after_one, mid - 1), c) == want) good = mid;
    else bad = mid;
  }
  return good;
}

template <class Index>
class ArcPolicy final : public EvictionPolicy {
 public:
  ArcPolicy(const PolicyOptions& options, std::uint64_t capacity_pages)
      : c_(capacity_pages), key_space_(options.key_space), resident_(2, options.key_space),
        ghosts_(2, options.key_space) {}

  std::string_view name() const override { return "arc"; }
  std::uint64_t capacity_pages() const override { return c_; }
  std::uint64_t resident_pages() const override { return resident_.total_pages(); }
  std::uint64_t resident_pages(PageKind kind) const override { return resident_.pages(kind); }
  bool contains(PageKey key) const override {
    if (key_space_ > 0 && key >= key_space_) return false;
    return resident_.find(key) != kNoNode;
  }
  std::uint64_t resident_in(PageRun run) const override {
    if (key_space_ > 0) run.count = run.first >= key_space_ ? 0 : std::min(run.count, key_space_ - run.first);
    return resident_.pages_in(run);
  }

  ReferenceResult reference(PageRun run, PageKind kind, PolicyListener& listener) override {
    check_key_space(run, key_space_);
    ReferenceResult result;
    PageKey cursor = run.first;
    const PageKey end = run.end();
    while (cursor < end) {
      const NodeId r = resident_.next_at_or_after(cursor, end);
      if (r != kNoNode && resident_[r].first <= cursor) {  // case I: hits move to T2's head
        const PageKey to = std::min(resident_[r].end(), end);
        resident_.move_to_head(resident_.isolate(r, cursor, to), T2);
        result.hit_pages += to - cursor;
        cursor = to;
        continue;
      }
      const NodeId g = ghosts_.next_at_or_after(cursor, end);
      PageKey to = end;
      Source where = Source::cold;
      if (g != kNoNode && ghosts_[g].first <= cursor) {
        to = std::min(ghosts_[g].end(), end);
        where = ghosts_[g].list == B1 ? Source::b1 : Source::b2;
      } else {
        if (r != kNoNode) to = std::min(to, resident_[r].first);
        if (g != kNoNode) to = std::min(to, ghosts_[g].first);
      }
      const std::uint64_t pages = c_ == 0 ? to - cursor : miss_chunk(cursor, to - cursor, where, kind, listener);
      result.miss_pages += pages;
      cursor += pages;
    }
    return result;
  }

  std::uint64_t evict(std::uint64_t pages, PolicyListener& listener) override {
    std::uint64_t done = 0;
    while (done < pages && resident_pages() > 0) done += replace_chunk(pages - done, true, listener);
    return done;
  }

  void set_capacity(std::uint64_t pages, PolicyListener& listener) override {
    c_ = pages;
    p_ = std::min(p_, static_cast<double>(c_));
    while (resident_pages() > c_) replace_chunk(resident_pages() - c_, false, listener);
    const Sizes s = sizes();
    if (s.t1 + s.b1 > c_) drop_oldest(B1, std::min(s.b1, s.t1 + s.b1 - c_));
    while (sizes().total() > 2 * c_) drop_oldest(ghosts_.pages(B2) > 0 ? B2 : B1, sizes().total() - 2 * c_);
  }

  void erase(PageRun run) override {
    check_key_space(run, key_space_);
    resident_.erase_range(run);
    ghosts_.erase_range(run);
  }

  ArcState state() const {
    const Sizes s = sizes();
    return {s.t1, s.t2, s.b1, s.b2, s.p};
  }

 private:
  Sizes sizes() const { return {resident_.pages(T1), resident_.pages(T2), ghosts_.pages(B1), ghosts_.pages(B2), p_}; }

  // Pages the branch `b` may take in one piece: the oldest run of the victim list and of the
  // dropped ghost list bound it, so that each piece removes a prefix of one run.
  std::uint64_t run_limit(Branch b, std::uint64_t limit) const {
    if (b.victim == Victim::t1_to_b1 || b.victim == Victim::t1_dropped) limit = std::min(limit, resident_[resident_.tail(T1)].count);
    if (b.victim == Victim::t2_to_b2) limit = std::min(limit, resident_[resident_.tail(T2)].count);
    if (b.drop == Drop::b1) limit = std::min(limit, ghosts_[ghosts_.tail(B1)].count);
    if (b.drop == Drop::b2) limit = std::min(limit, ghosts_[ghosts_.tail(B2)].count);
    return limit;
  }

  // Misses the first pages of [first, first + pages) (all from `where`) that take one branch;
  // returns how many.
  std::uint64_t miss_chunk(PageKey first, std::uint64_t pages, Source where, PageKind kind, PolicyListener& listener) {
    const Sizes before = sizes();
    Sizes s = before;
    const Branch branch = plan_miss(s, c_, where);
    const std::uint64_t limit = run_limit(branch, pages);
    std::uint64_t k = 1;
    if (where == Source::cold) {  // p stays: bisect
      k = same_signature_pages(before, s, c_, limit);
      if (k > 1) s = advance(before, s, k);
    } else {  // a ghost hit moves p by a ratio of the ghost sizes: replay it page by page, exactly
      for (Sizes next = s; k < limit; ++k, s = next)
        if (!(plan_miss(next, c_, where) == branch)) break;
    }
    if (branch.drop != Drop::none) drop_oldest(branch.drop == Drop::b1 ? B1 : B2, k);
    take_victims(branch.victim, k, listener);
    const PageRun chunk{first, k};
    if (where != Source::cold) {
      const NodeId g = ghosts_.find(first);
      ghosts_.destroy(ghosts_.isolate(g, first, chunk.end()));
    }
    listener.missed(chunk, kind);
    resident_.insert_head(chunk, kind, where == Source::cold ? T1 : T2);
    p_ = s.p;
    return k;
  }

  // Evicts up to `pages` victims by REPLACE while its choice stays the same; returns how many.
  std::uint64_t replace_chunk(std::uint64_t pages, bool reclaiming, PolicyListener& listener) {
    const Sizes before = sizes();
    const Victim victim = plan_replace(before, c_, false, reclaiming);
    if (victim == Victim::none) return pages;  // unreachable while pages are resident
    Sizes after_one = before;
    apply_victim(after_one, victim);
    const std::uint64_t k =
        same_signature_pages(before, after_one, c_, run_limit(Branch{victim, Drop::none}, pages));
    take_victims(victim, k, listener);
    return k;
  }

  // The `pages` oldest pages of the victim list's oldest run leave (to a ghost list or not at all).
  void take_victims(Victim victim, std::uint64_t pages, PolicyListener& listener) {
    if (victim == Victim::none) return;
    const int from = victim == Victim::t2_to_b2 ? T2 : T1;
    const NodeId id = resident_.tail(from);
    const PageRun gone{resident_[id].first, pages};
    const PageKind kind = resident_[id].kind;
    resident_.trim_front(id, pages);
    listener.evicted(gone, kind);
    // A ghost's kind is irrelevant (a ghost hit takes the referencing kind): one kind merges more.
    if (victim != Victim::t1_dropped) ghosts_.insert_head(gone, PageKind::file, from == T1 ? B1 : B2);
  }

  // Forgets the `pages` oldest ghosts of `list` (fewer if it holds fewer).
  void drop_oldest(int list, std::uint64_t pages) {
    while (pages > 0 && ghosts_.tail(list) != kNoNode) {
      const NodeId id = ghosts_.tail(list);
      const std::uint64_t n = std::min(pages, ghosts_[id].count);
      ghosts_.trim_front(id, n);
      pages -= n;
    }
  }

  std::uint64_t c_;
  std::uint64_t key_space_;
  double p_ = 0;  // target size of T1
  RunStore<Index> resident_;
  RunStore<Index> ghosts_;
};

std::unique_ptr<EvictionPolicy> make_arc(std::uint64_t capacity_pages, const PolicyOptions& options) {
  return make_run_policy<ArcPolicy>(options, capacity_pages);
}

}  // namespace

std::optional<ArcState> arc_state(const EvictionPolicy& policy) {
  if (const auto* arc = dynamic_cast<const ArcPolicy<TreeIndex>*>(&policy)) return arc->state();
  if (const auto* arc = dynamic_cast<const ArcPolicy<FlatIndex>*>(&policy)) return arc->state();
  return std::nullopt;
}

HEADROOM_REGISTER_POLICY({"arc", "ARC (Megiddo & Modha): recency and frequency lists with ghost lists and an adaptive target", false, make_arc});

}  // namespace headroom::mm
