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
// Page-at-a-time (O(pages) per run). p is a real number, as in the paper.
#include <algorithm>

#include "sim/mm/policies/arc.hpp"
#include "sim/mm/policies/keyed_lists.hpp"
#include "sim/mm/policy_registry.hpp"

namespace headroom::mm {
namespace {

enum ArcList : int { T1 = 0, T2 = 1, B1 = 2, B2 = 3 };

class ArcPolicy final : public EvictionPolicy {
 public:
  ArcPolicy(std::uint64_t capacity_pages, const PolicyOptions& options)
      : c_(capacity_pages), lists_(4, options.key_space) {}

  std::string_view name() const override { return "arc"; }
  std::uint64_t capacity_pages() const override { return c_; }
  std::uint64_t resident_pages() const override { return resident_.total(); }
  std::uint64_t resident_pages(PageKind kind) const override { return resident_[kind]; }

  ReferenceResult reference(PageRun run, PageKind kind, PolicyListener& listener) override {
    ReferenceResult result;
    RunReporter report(listener);
    for (PageKey key = run.first; key < run.end(); ++key) {
      if (reference_one(key, kind, report)) ++result.hit_pages;
      else ++result.miss_pages;
    }
    return result;
  }

  std::uint64_t evict(std::uint64_t pages, PolicyListener& listener) override {
    RunReporter report(listener);
    std::uint64_t done = 0;
    reclaiming_ = true;  // background reclaim evicts from a cache that is not full
    for (; done < pages && resident_.total() > 0; ++done) replace(false, report);
    reclaiming_ = false;
    return done;
  }

  void set_capacity(std::uint64_t pages, PolicyListener& listener) override {
    c_ = pages;
    p_ = std::min(p_, static_cast<double>(c_));
    RunReporter report(listener);
    while (resident_.total() > c_) replace(false, report);
    while (lists_.size(T1) + lists_.size(B1) > c_ && lists_.size(B1) > 0) drop_lru(B1);
    while (total() > 2 * c_) drop_lru(lists_.size(B2) > 0 ? B2 : B1);
  }

  void erase(PageRun run) override {
    for (PageKey key = run.first; key < run.end(); ++key) {
      const auto n = lists_.find(key);
      if (n == KeyedLists::kNone) continue;
      if (lists_.list_of(n) == T1 || lists_.list_of(n) == T2) --resident_[lists_.kind(n)];
      lists_.remove(n);
    }
  }

  bool contains(PageKey key) const override {
    const auto n = lists_.find(key);
    return n != KeyedLists::kNone && (lists_.list_of(n) == T1 || lists_.list_of(n) == T2);
  }

  ArcState state() const { return {lists_.size(T1), lists_.size(T2), lists_.size(B1), lists_.size(B2), p_}; }

 private:
  std::uint64_t total() const { return lists_.size(T1) + lists_.size(T2) + lists_.size(B1) + lists_.size(B2); }

  // True on a hit.
  bool reference_one(PageKey key, PageKind kind, RunReporter& report) {
    const auto n = lists_.find(key);
    const int where = n == KeyedLists::kNone ? -1 : lists_.list_of(n);
    if (where == T1 || where == T2) {  // case I
      lists_.move_to_back(n, T2);
      return true;
    }
    if (c_ == 0) return false;
    if (where == B1) {  // case II
      const double delta = std::max(1.0, static_cast<double>(lists_.size(B2)) / static_cast<double>(lists_.size(B1)));
      p_ = std::min(static_cast<double>(c_), p_ + delta);
      replace(false, report);
      lists_.remove(n);
    } else if (where == B2) {  // case III
      const double delta = std::max(1.0, static_cast<double>(lists_.size(B1)) / static_cast<double>(lists_.size(B2)));
      p_ = std::max(0.0, p_ - delta);
      replace(true, report);
      lists_.remove(n);
    } else {  // case IV
      make_room_for_new(report);
    }
    lists_.push_back(where == -1 ? T1 : T2, key, kind);
    ++resident_[kind];
    report.missed(key, kind);
    return false;
  }

  void make_room_for_new(RunReporter& report) {
    const std::uint64_t l1 = lists_.size(T1) + lists_.size(B1);
    if (l1 >= c_) {  // case IV.A
      if (lists_.size(T1) < c_) {
        drop_lru(B1);
        replace(false, report);
      } else {  // T1 fills the cache: its LRU page leaves without a ghost
        evict_lru(T1, -1, report);
      }
    } else if (total() >= c_) {  // case IV.B
      if (total() >= 2 * c_) drop_lru(B2);
      replace(false, report);
    }
  }

  // REPLACE(x, p): only when the cache is full (see the header comment).
  void replace(bool hit_in_b2, RunReporter& report) {
    if (resident_.total() < c_ && !reclaiming_) return;
    const double t1 = static_cast<double>(lists_.size(T1));
    const bool from_t1 = lists_.size(T1) > 0 && ((hit_in_b2 && t1 == p_) || t1 > p_);
    if (from_t1 || lists_.size(T2) == 0) evict_lru(T1, B1, report);
    else evict_lru(T2, B2, report);
  }

  void evict_lru(int from, int ghost, RunReporter& report) {
    const auto n = lists_.front(from);
    const PageKind kind = lists_.kind(n);
    report.evicted(lists_.key(n), kind);
    --resident_[kind];
    if (ghost >= 0) lists_.move_to_back(n, ghost);
    else lists_.remove(n);
  }

  void drop_lru(int ghost) {
    const auto n = lists_.front(ghost);
    if (n != KeyedLists::kNone) lists_.remove(n);
  }

  std::uint64_t c_;
  double p_ = 0;  // target size of T1
  bool reclaiming_ = false;
  KeyedLists lists_;
  KindCounts resident_;
};

std::unique_ptr<EvictionPolicy> make_arc(std::uint64_t capacity_pages, const PolicyOptions& options) {
  return std::make_unique<ArcPolicy>(capacity_pages, options);
}

}  // namespace

std::optional<ArcState> arc_state(const EvictionPolicy& policy) {
  const auto* arc = dynamic_cast<const ArcPolicy*>(&policy);
  if (arc == nullptr) return std::nullopt;
  return arc->state();
}

HEADROOM_REGISTER_POLICY({"arc", "ARC (Megiddo & Modha): recency and frequency lists with ghost lists and an adaptive target", false, make_arc});

}  // namespace headroom::mm
