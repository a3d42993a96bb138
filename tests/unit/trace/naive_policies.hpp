// Deliberately simple page-at-a-time reference implementations of each policy, written from the
// textbook definitions with standard containers and linear scans. The real policies must make the
// same decisions; speed is irrelevant here.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <set>
#include <vector>

namespace naive {

using Key = std::uint64_t;

struct Step {
  bool hit = false;
  bool evicted = false;
  Key victim = 0;
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual Step access(Key k) = 0;
};

class Fifo : public Policy {
 public:
  explicit Fifo(std::size_t c) : c_(c) {}
  Step access(Key k) override {
    if (std::find(q_.begin(), q_.end(), k) != q_.end()) return {true};
    Step s;
    if (q_.size() == c_) s = {false, true, q_.front()}, q_.pop_front();
    q_.push_back(k);
    return s;
  }

 private:
  std::size_t c_;
  std::deque<Key> q_;
};

class Lru : public Policy {
 public:
  explicit Lru(std::size_t c) : c_(c) {}
  Step access(Key k) override {
    auto it = std::find(l_.begin(), l_.end(), k);
    if (it != l_.end()) {
      l_.erase(it);
      l_.push_back(k);
      return {true};
    }
    Step s;
    if (l_.size() == c_) s = {false, true, l_.front()}, l_.pop_front();
    l_.push_back(k);
    return s;
  }

 private:
  std::size_t c_;
  std::list<Key> l_;  // front = least recently used
};

// Second chance: a queue from the clock hand; a hit sets the page's reference bit; a miss with a
// full cache clears and requeues referenced pages until it finds an unreferenced one.
class Clock : public Policy {
 public:
  explicit Clock(std::size_t c) : c_(c) {}
  Step access(Key k) override {
    for (auto& e : q_)
      if (e.first == k) return e.second = true, Step{true};
    Step s;
    if (q_.size() == c_) {
      while (q_.front().second) {
        auto e = q_.front();
        q_.pop_front();
        q_.push_back({e.first, false});
      }
      s = {false, true, q_.front().first};
      q_.pop_front();
    }
    q_.push_back({k, false});
    return s;
  }

 private:
  std::size_t c_;
  std::deque<std::pair<Key, bool>> q_;
};

// Belady: evict the resident page whose next use is farthest (never = infinity, ties: larger key).
class Opt : public Policy {
 public:
  Opt(std::size_t c, std::vector<Key> future) : c_(c), future_(std::move(future)) {}
  Step access(Key k) override {
    ++pos_;
    if (resident_.count(k)) return {true};
    Step s;
    if (resident_.size() == c_) {
      Key victim = 0;
      std::size_t farthest = 0;
      for (Key r : resident_) {
        std::size_t next = pos_;
        while (next < future_.size() && future_[next] != r) ++next;
        if (next > farthest || (next == farthest && r > victim)) farthest = next, victim = r;
      }
      resident_.erase(victim);
      s = {false, true, victim};
    }
    resident_.insert(k);
    return s;
  }

 private:
  std::size_t c_;
  std::vector<Key> future_;
  std::size_t pos_ = 0;
  std::set<Key> resident_;
};

// ARC (Megiddo & Modha, FAST'03, Fig. 4), lists with the LRU end at the front.
class Arc : public Policy {
 public:
  explicit Arc(std::size_t c) : c_(c) {}
  Step access(Key x) override {
    Step s;
    if (in(t1_, x) || in(t2_, x)) {
      t1_.remove(x);
      t2_.remove(x);
      t2_.push_back(x);
      return {true};
    }
    if (in(b1_, x)) {
      p_ = std::min<double>(c_, p_ + std::max(1.0, double(b2_.size()) / double(b1_.size())));
      s = replace(false);
      b1_.remove(x);
      t2_.push_back(x);
      return s;
    }
    if (in(b2_, x)) {
      p_ = std::max(0.0, p_ - std::max(1.0, double(b1_.size()) / double(b2_.size())));
      s = replace(true);
      b2_.remove(x);
      t2_.push_back(x);
      return s;
    }
    if (t1_.size() + b1_.size() == c_) {
      if (t1_.size() < c_) {
        b1_.pop_front();
        s = replace(false);
      } else {
        s = {false, true, t1_.front()};
        t1_.pop_front();
      }
    } else if (t1_.size() + t2_.size() + b1_.size() + b2_.size() >= c_) {
      if (t1_.size() + t2_.size() + b1_.size() + b2_.size() == 2 * c_) b2_.pop_front();
      s = replace(false);
    }
    t1_.push_back(x);
    return s;
  }
  std::size_t t1() const { return t1_.size(); }
  std::size_t t2() const { return t2_.size(); }
  std::size_t b1() const { return b1_.size(); }
  std::size_t b2() const { return b2_.size(); }

 private:
  static bool in(const std::list<Key>& l, Key k) { return std::find(l.begin(), l.end(), k) != l.end(); }
  Step replace(bool x_in_b2) {
    if (t1_.size() + t2_.size() < c_) return {};  // not full: nothing to evict
    Step s{false, true, 0};
    if (!t1_.empty() && ((x_in_b2 && double(t1_.size()) == p_) || double(t1_.size()) > p_)) {
      s.victim = t1_.front();
      t1_.pop_front();
      b1_.push_back(s.victim);
    } else {
      s.victim = t2_.front();
      t2_.pop_front();
      b2_.push_back(s.victim);
    }
    return s;
  }
  std::size_t c_;
  double p_ = 0;
  std::list<Key> t1_, t2_, b1_, b2_;
};

// The MGLRU-like policy as documented in sim/mm/policies/mglru.cpp: generations are FIFO lists
// numbered by sequence; misses enter the youngest; a hit records the youngest sequence number in
// the page; eviction takes the oldest generation's head, moving pages whose recorded sequence is
// younger than their list to that generation instead; a new generation is made (at most one per
// step) while fewer than four exist, and an emptied oldest generation is retired.
class Mglru : public Policy {
 public:
  explicit Mglru(std::size_t c) : c_(c) {}
  Step access(Key k) override {
    auto it = pages_.find(k);
    if (it != pages_.end()) {
      it->second.accessed = max_seq_;
      return {true};
    }
    Step s;
    if (pages_.size() == c_) s = {false, true, evict_one()};
    gens_[max_seq_].push_back(k);
    pages_[k] = {max_seq_, max_seq_};
    return s;
  }

 private:
  struct Page {
    std::uint64_t gen, accessed;
  };
  Key evict_one() {
    while (true) {
      if (max_seq_ - min_seq_ + 1 < 4) ++max_seq_;
      auto& oldest = gens_[min_seq_];
      if (oldest.empty()) {
        gens_.erase(min_seq_++);
        continue;
      }
      const Key k = oldest.front();
      oldest.pop_front();
      Page& p = pages_[k];
      if (p.accessed > p.gen) {
        p.gen = p.accessed;
        gens_[p.gen].push_back(k);
        continue;
      }
      pages_.erase(k);
      return k;
    }
  }
  std::size_t c_;
  std::uint64_t min_seq_ = 0, max_seq_ = 0;
  std::map<std::uint64_t, std::deque<Key>> gens_;
  std::map<Key, Page> pages_;
};

}  // namespace naive
