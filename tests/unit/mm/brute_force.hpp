// Page-at-a-time reference models of the run-based policies, written for clarity, not speed: each
// reference walks its pages one by one exactly as the rules in sim/mm/policies/<name>.cpp state them.
// The property tests replay random operations on both and demand identical observable behaviour.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <vector>

#include "sim/mm/policy.hpp"

namespace headroom::mm::test {

// What a listener saw, expanded to pages.
struct Recorded : PolicyListener {
  std::vector<std::pair<PageKey, PageKind>> missed_pages, evicted_pages;
  void missed(PageRun run, PageKind kind) override {
    for (PageKey k = run.first; k < run.end(); ++k) missed_pages.emplace_back(k, kind);
  }
  void evicted(PageRun run, PageKind kind) override {
    for (PageKey k = run.first; k < run.end(); ++k) evicted_pages.emplace_back(k, kind);
  }
  void clear() {
    missed_pages.clear();
    evicted_pages.clear();
  }
  static std::vector<std::pair<PageKey, PageKind>> sorted(std::vector<std::pair<PageKey, PageKind>> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
};

// Queues of keys, front = tail (oldest, next victim), back = head (newest).
class PageQueues {
 public:
  explicit PageQueues(int lists) : lists_(static_cast<std::size_t>(lists)) {}
  bool has(PageKey k) const { return where_.count(k) != 0; }
  int list_of(PageKey k) const { return where_.at(k).first; }
  PageKind kind_of(PageKey k) const { return where_.at(k).second; }
  void push_head(int l, PageKey k, PageKind kind) {
    lists_[l].push_back(k);
    where_[k] = {l, kind};
  }
  void remove(PageKey k) {
    auto& q = lists_[where_.at(k).first];
    q.erase(std::find(q.begin(), q.end(), k));
    where_.erase(k);
  }
  const std::deque<PageKey>& list(int l) const { return lists_[l]; }
  std::uint64_t size() const { return where_.size(); }
  std::uint64_t count(PageKind kind) const {
    std::uint64_t n = 0;
    for (const auto& [k, w] : where_) n += w.second == kind;
    return n;
  }

 private:
  std::vector<std::deque<PageKey>> lists_;
  std::map<PageKey, std::pair<int, PageKind>> where_;
};

class BruteLru {
 public:
  explicit BruteLru(std::uint64_t capacity) : capacity_(capacity) {}
  ReferenceResult reference(PageRun run, PageKind kind, PolicyListener& l) {
    ReferenceResult r;
    for (PageKey k = run.first; k < run.end(); ++k) {
      if (q_.has(k)) {
        PageKind kk = q_.kind_of(k);
        q_.remove(k);
        q_.push_head(0, k, kk);
        ++r.hit_pages;
        continue;
      }
      ++r.miss_pages;
      l.missed({k, 1}, kind);
      q_.push_head(0, k, kind);
      if (q_.size() > capacity_) evict_one(l);
    }
    return r;
  }
  std::uint64_t evict(std::uint64_t n, PolicyListener& l) {
    std::uint64_t done = 0;
    while (done < n && evict_one(l)) ++done;
    return done;
  }
  void set_capacity(std::uint64_t c, PolicyListener& l) {
    capacity_ = c;
    if (q_.size() > c) evict(q_.size() - c, l);
  }
  void erase(PageRun run) {
    for (PageKey k = run.first; k < run.end(); ++k)
      if (q_.has(k)) q_.remove(k);
  }
  void set_anon_victim_limit(std::uint64_t n) { anon_left_ = n; }
  bool contains(PageKey k) const { return q_.has(k); }
  std::uint64_t resident() const { return q_.size(); }
  std::uint64_t resident(PageKind kind) const { return q_.count(kind); }

 private:
  bool evict_one(PolicyListener& l) {
    for (PageKey k : q_.list(0)) {
      PageKind kind = q_.kind_of(k);
      if (kind == PageKind::anon && anon_left_ == 0) continue;
      if (kind == PageKind::anon) --anon_left_;
      q_.remove(k);
      l.evicted({k, 1}, kind);
      return true;
    }
    return false;
  }
  std::uint64_t capacity_;
  std::uint64_t anon_left_ = std::numeric_limits<std::uint64_t>::max();
  PageQueues q_{1};
};

}  // namespace headroom::mm::test

namespace headroom::mm::test {

// The rules stated at the top of sim/mm/policies/linux.cpp, one page at a time.
class BruteLinux {
 public:
  // workingset = false turns refault detection off (every refault is a plain miss), to show what it buys.
  BruteLinux(std::uint64_t capacity, const PolicyOptions& o, bool workingset = true)
      : capacity_(capacity), page_bytes_(o.page_bytes), s_(static_cast<std::uint64_t>(o.swappiness)),
        workingset_(workingset) {}
  ReferenceResult reference(PageRun run, PageKind kind, PolicyListener& l) {
    refill();
    ReferenceResult r;
    for (PageKey k = run.first; k < run.end(); ++k) {
      if (q_.has(k)) {
        PageKind kk = q_.kind_of(k);
        if (q_.list_of(k) == inactive(kk)) ++age_;  // an activation
        q_.remove(k);
        q_.push_head(active(kk), k, kk);
        ++r.hit_pages;
        continue;
      }
      ++r.miss_pages;
      l.missed({k, 1}, kind);
      q_.push_head(refault_activates(k, kind) ? active(kind) : inactive(kind), k, kind);
      if (q_.list_of(k) == active(kind)) ++age_;
      if (q_.size() > capacity_) evict_one(l);
    }
    return r;
  }
  std::uint64_t evict(std::uint64_t n, PolicyListener& l) {
    refill();
    std::uint64_t done = 0;
    while (done < n && evict_one(l)) ++done;
    return done;
  }
  void set_capacity(std::uint64_t c, PolicyListener& l) {
    capacity_ = c;
    if (q_.size() > c) evict(q_.size() - c, l);
  }
  void erase(PageRun run) {
    for (PageKey k = run.first; k < run.end(); ++k) {
      if (q_.has(k)) q_.remove(k);
      shadow_.erase(k);
    }
  }
  void set_anon_victim_limit(std::uint64_t n) { anon_left_ = n; }
  bool contains(PageKey k) const { return q_.has(k); }
  std::uint64_t resident() const { return q_.size(); }
  std::uint64_t resident(PageKind kind) const { return q_.count(kind); }
  std::uint64_t nonresident_age() const { return age_; }
  bool has_shadow(PageKey k) const { return shadow_.count(k) != 0; }
  std::uint64_t refaults() const { return refaults_; }
  std::uint64_t refault_activations() const { return activations_; }

 private:
  // mm/workingset.c: consumes k's shadow; true when the refault distance is within the workingset.
  bool refault_activates(PageKey k, PageKind kind) {
    auto it = shadow_.find(k);
    if (it == shadow_.end()) return false;
    std::uint64_t distance = age_ - it->second;
    shadow_.erase(it);
    ++refaults_;
    std::uint64_t size = q_.list(active(PageKind::file)).size();
    if (kind == PageKind::anon) size += q_.list(inactive(PageKind::file)).size();
    if (anon_left_ > 0) {
      size += q_.list(active(PageKind::anon)).size();
      if (kind == PageKind::file) size += q_.list(inactive(PageKind::anon)).size();
    }
    activations_ += workingset_ && distance <= size;
    return workingset_ && distance <= size;
  }

  static int inactive(PageKind k) { return 2 * static_cast<int>(k); }
  static int active(PageKind k) { return 2 * static_cast<int>(k) + 1; }
  std::uint64_t pages(PageKind k) const { return q_.list(inactive(k)).size() + q_.list(active(k)).size(); }

  void refill() {
    for (PageKind kind : {PageKind::file, PageKind::anon}) {
      std::uint64_t gib = pages(kind) * page_bytes_ >> 30, ratio = 1;
      if (gib > 0) {
        ratio = 0;
        while ((ratio + 1) * (ratio + 1) <= 10 * gib) ++ratio;
      }
      while (q_.list(inactive(kind)).size() * ratio < q_.list(active(kind)).size()) {
        PageKey k = q_.list(active(kind)).front();
        q_.remove(k);
        q_.push_head(inactive(kind), k, kind);
      }
    }
  }

  bool evict_one(PolicyListener& l) {
    bool can_anon = pages(PageKind::anon) > 0 && anon_left_ > 0;
    bool can_file = pages(PageKind::file) > 0;
    bool want_anon = (turn_ + 1) * s_ / 200 > turn_ * s_ / 200;
    PageKind kind;
    if (want_anon ? can_anon : can_file) kind = want_anon ? PageKind::anon : PageKind::file;
    else if (want_anon ? can_file : can_anon) kind = want_anon ? PageKind::file : PageKind::anon;
    else return false;
    int list = q_.list(inactive(kind)).empty() ? active(kind) : inactive(kind);
    PageKey k = q_.list(list).front();
    q_.remove(k);
    if (kind == PageKind::anon) --anon_left_;
    ++turn_;
    shadow_[k] = age_++;  // the shadow keeps the age before this eviction's own increment
    l.evicted({k, 1}, kind);
    return true;
  }

  std::uint64_t capacity_, page_bytes_, s_;
  bool workingset_;
  std::uint64_t anon_left_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t turn_ = 0;
  std::uint64_t age_ = 0;             // nonresident_age: evictions + activations
  std::map<PageKey, std::uint64_t> shadow_;  // evicted page -> age at its eviction
  std::uint64_t refaults_ = 0, activations_ = 0;
  PageQueues q_{4};
};

}  // namespace headroom::mm::test
