#include "sim/trace/replay.hpp"

#include <atomic>
#include <exception>
#include <stdexcept>
#include <thread>

#include "sim/mm/policy_registry.hpp"

namespace headroom::trace {
namespace {

// Trace mode only counts; the policy's own result carries the miss count.
class NullListener final : public mm::PolicyListener {
 public:
  void missed(mm::PageRun, mm::PageKind) override {}
  void evicted(mm::PageRun, mm::PageKind) override {}
};

}  // namespace

std::uint64_t replay_misses(const std::string& policy, std::uint64_t frames,
                            const std::vector<mm::PageKey>& keys, std::uint64_t unique) {
  const mm::PolicyInfo* info = mm::PolicyRegistry::instance().find(policy);
  if (info == nullptr) throw std::invalid_argument("unknown policy '" + policy + "'");
  if (frames == 0) throw std::invalid_argument("frames must be at least 1");
  mm::PolicyOptions options;
  options.future = &keys;
  options.key_space = unique;
  const auto cache = info->make(frames, options);
  NullListener listener;
  std::uint64_t misses = 0;
  for (const mm::PageKey key : keys)
    misses += cache->reference(mm::PageRun{key, 1}, mm::PageKind::file, listener).miss_pages;
  return misses;
}

std::vector<CacheResult> replay_all(const std::vector<std::string>& policies,
                                    const std::vector<std::uint64_t>& frames, const Trace& trace,
                                    unsigned threads) {
  std::vector<CacheResult> results;
  for (const auto& p : policies)
    for (const auto f : frames) results.push_back({p, f, trace.keys.size(), 0});
  std::vector<std::exception_ptr> errors(results.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < results.size(); i = next++) {
      try {
        results[i].misses = replay_misses(results[i].policy, results[i].frames, trace.keys, trace.unique());
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  const std::size_t n_threads = std::max<std::size_t>(1, std::min<std::size_t>(threads, results.size()));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < n_threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return results;
}

}  // namespace headroom::trace
