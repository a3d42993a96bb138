// OPT (Belady 1966): on a miss with a full cache, evict the resident page whose next reference is
// farthest in the future (never again counts as infinitely far). Offline: it needs the whole
// reference string (PolicyOptions::future), so it serves `headroom cache` only and is registered
// with offline = true, which the engine refuses. It gives the minimum number of misses of any
// demand-paging policy, the lower bound the tests check every other policy against.
//
// Each reference consumes the next position of the future string and must match it. The next use
// of every position is precomputed in O(n); a max-heap of (next use, key) with lazy deletion finds
// the victim, so a replay costs O(n log n). Positions and keys are 32-bit and a heap entry packs
// both in one 64-bit word (next use high, key low: ties go to the larger key), which halves the
// memory and the cache misses of the heap.
#include <algorithm>
#include <functional>
#include <queue>
#include <stdexcept>
#include <utility>

#include "sim/mm/policy_registry.hpp"

namespace headroom::mm {
namespace {

class OptPolicy final : public EvictionPolicy {
 public:
  OptPolicy(std::uint64_t capacity_pages, const PolicyOptions& options)
      : capacity_(capacity_pages), future_(*options.future) {
    std::uint64_t key_space = options.key_space;
    for (const PageKey k : future_) key_space = std::max(key_space, k + 1);
    if (future_.size() >= kNever || key_space > kNever)
      throw std::invalid_argument("policy 'opt': expected fewer than 2^32 references and keys");
    const auto never = static_cast<std::uint32_t>(future_.size());
    next_use_.assign(future_.size(), never);
    std::vector<std::uint32_t> seen_at(key_space, never);
    for (std::size_t i = future_.size(); i-- > 0;) {
      next_use_[i] = seen_at[future_[i]];
      seen_at[future_[i]] = static_cast<std::uint32_t>(i);
    }
    resident_.assign(key_space, 0);
    current_next_.assign(key_space, never);
    std::vector<std::uint64_t> storage;
    storage.reserve(future_.size() + 1);  // one entry per reference at most: never reallocates
    heap_ = Heap(std::less<std::uint64_t>(), std::move(storage));
  }

  std::string_view name() const override { return "opt"; }
  std::uint64_t capacity_pages() const override { return capacity_; }
  std::uint64_t resident_pages() const override { return resident_count_; }
  std::uint64_t resident_pages(PageKind kind) const override { return by_kind_[static_cast<int>(kind)]; }

  ReferenceResult reference(PageRun run, PageKind kind, PolicyListener& listener) override {
    ReferenceResult result;
    for (PageKey key = run.first; key < run.end(); ++key) {
      if (position_ >= future_.size() || future_[position_] != key)
        throw std::logic_error("opt: reference to page " + std::to_string(key) +
                               " does not follow the future reference string");
      const std::uint32_t next = next_use_[position_++];
      if (resident_[key]) {
        ++result.hit_pages;
      } else {
        ++result.miss_pages;
        if (capacity_ == 0) continue;  // nothing can be cached: the page is used and dropped
        if (resident_count_ >= capacity_) evict_one(listener);
        resident_[key] = static_cast<std::uint8_t>(1 + static_cast<int>(kind));
        ++resident_count_;
        ++by_kind_[static_cast<int>(kind)];
        listener.missed(PageRun{key, 1}, kind);
      }
      current_next_[key] = next;
      heap_.push(std::uint64_t{next} << 32 | key);
    }
    return result;
  }

  std::uint64_t evict(std::uint64_t pages, PolicyListener& listener) override {
    std::uint64_t done = 0;
    for (; done < pages && resident_count_ > 0; ++done) evict_one(listener);
    return done;
  }

  void set_capacity(std::uint64_t pages, PolicyListener& listener) override {
    capacity_ = pages;
    while (resident_count_ > capacity_) evict_one(listener);
  }

  void erase(PageRun run) override {
    for (PageKey key = run.first; key < run.end() && key < resident_.size(); ++key) {
      if (!resident_[key]) continue;
      --by_kind_[resident_[key] - 1];
      resident_[key] = 0;  // its heap entries become stale
      --resident_count_;
    }
  }

  bool contains(PageKey key) const override { return key < resident_.size() && resident_[key]; }

 private:
  void evict_one(PolicyListener& listener) {
    while (true) {
      const std::uint64_t entry = heap_.top();
      heap_.pop();
      const auto next = static_cast<std::uint32_t>(entry >> 32);
      const PageKey key = entry & 0xffffffffu;
      if (!resident_[key] || current_next_[key] != next) continue;  // stale entry
      const auto kind = static_cast<PageKind>(resident_[key] - 1);
      resident_[key] = 0;
      --resident_count_;
      --by_kind_[static_cast<int>(kind)];
      listener.evicted(PageRun{key, 1}, kind);
      return;
    }
  }

  static constexpr std::uint64_t kNever = 0xffffffffu;
  using Heap = std::priority_queue<std::uint64_t>;

  std::uint64_t capacity_;
  const std::vector<PageKey>& future_;
  std::vector<std::uint32_t> next_use_;      // per position: position of the next reference (n: never)
  std::vector<std::uint8_t> resident_;       // per key: 0 absent, else 1 + PageKind
  std::vector<std::uint32_t> current_next_;  // per resident key: its next use
  Heap heap_;                                // next use << 32 | key, stale entries skipped
  std::uint64_t resident_count_ = 0;
  std::uint64_t by_kind_[2] = {0, 0};
  std::size_t position_ = 0;
};

std::unique_ptr<EvictionPolicy> make_opt(std::uint64_t capacity_pages, const PolicyOptions& options) {
  if (options.future == nullptr)
    throw std::invalid_argument(
        "policy 'opt' is offline: it needs the whole future reference string, so it runs only in "
        "`headroom cache`");
  return std::make_unique<OptPolicy>(capacity_pages, options);
}

}  // namespace

HEADROOM_REGISTER_POLICY({"opt", "Belady's optimal (offline, trace mode only): evicts the page used farthest in the future", true, make_opt});

}  // namespace headroom::mm
