#include "sim/trace/replay.hpp"

#include <atomic>
#include <barrier>
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

// Replays `keys` through `cache`, adding to `r`: page misses and, for a sized chunk, rows, rows
// missed (a row misses when any of its pages does), bytes and bytes missed. `row_missed` carries
// the state of a row that continues into the next chunk.
void replay_span(mm::EvictionPolicy& cache, std::span<const mm::PageKey> keys, std::span<const std::uint32_t> bytes,
                 CacheResult& r, char& row_missed) {
  NullListener listener;
  if (bytes.empty()) {
    std::uint64_t misses = 0;
    for (const mm::PageKey key : keys) misses += cache.reference(mm::PageRun{key, 1}, mm::PageKind::file, listener).miss_pages;
    r.misses += misses;
    return;
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::uint32_t w = bytes[i];
    if (w & kRowStart) {
      ++r.rows;
      row_missed = 0;
    }
    const std::uint64_t held = w & ~kRowStart;
    r.bytes += held;
    if (cache.reference(mm::PageRun{keys[i], 1}, mm::PageKind::file, listener).miss_pages == 0) continue;
    ++r.misses;
    r.byte_misses += held;
    if (!row_missed) {
      row_missed = 1;
      ++r.row_misses;
    }
  }
}

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
    for (const auto f : frames) {
      results.push_back({p, f, trace.keys.size(), 0});
      results.back().sized = trace.sized;
    }
  std::vector<std::exception_ptr> errors(results.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < results.size(); i = next++) {
      try {
        if (!trace.sized) {
          results[i].misses = replay_misses(results[i].policy, results[i].frames, trace.keys, trace.unique());
          continue;
        }
        const mm::PolicyInfo* info = mm::PolicyRegistry::instance().find(results[i].policy);
        if (info == nullptr) throw std::invalid_argument("unknown policy '" + results[i].policy + "'");
        if (results[i].frames == 0) throw std::invalid_argument("frames must be at least 1");
        mm::PolicyOptions options;
        options.future = &trace.keys;
        options.key_space = trace.unique();
        char row_missed = 0;
        replay_span(*info->make(results[i].frames, options), trace.keys, trace.ref_bytes, results[i], row_missed);
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

bool all_online(const std::vector<std::string>& policies) {
  for (const auto& p : policies) {
    const mm::PolicyInfo* info = mm::PolicyRegistry::instance().find(p);
    if (info == nullptr || info->offline) return false;
  }
  return true;
}

// Worker threads that replay each chunk side by side: pair i belongs to worker i % threads, so the
// work split and the results never depend on timing. Two barrier phases per chunk: start, done.
struct StreamReplay::Pool {
  explicit Pool(StreamReplay& owner, std::size_t threads) : owner(owner), sync(static_cast<std::ptrdiff_t>(threads)) {
    errors.resize(threads);
    for (std::size_t t = 1; t < threads; ++t) workers.emplace_back([this, t, threads] { work(t, threads); });
  }
  ~Pool() {
    stop = true;
    sync.arrive_and_wait();
    for (auto& w : workers) w.join();
  }
  void run(std::span<const mm::PageKey> keys, std::span<const std::uint32_t> bytes) {
    chunk = keys;
    chunk_bytes = bytes;
    sync.arrive_and_wait();  // start
    replay(0, workers.size() + 1);
    sync.arrive_and_wait();  // done
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
  }
  void work(std::size_t t, std::size_t threads) {
    while (true) {
      sync.arrive_and_wait();
      if (stop) return;
      replay(t, threads);
      sync.arrive_and_wait();
    }
  }
  void replay(std::size_t t, std::size_t threads) {
    for (std::size_t i = t; i < owner.caches_.size(); i += threads) {
      try {
        replay_span(*owner.caches_[i], chunk, chunk_bytes, owner.results_[i], owner.row_missed_[i]);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    }
  }

  StreamReplay& owner;
  std::barrier<> sync;
  std::vector<std::thread> workers;
  std::vector<std::exception_ptr> errors;  // one slot per thread
  std::span<const mm::PageKey> chunk;
  std::span<const std::uint32_t> chunk_bytes;
  bool stop = false;
};

StreamReplay::StreamReplay(const std::vector<std::string>& policies, const std::vector<std::uint64_t>& frames,
                           unsigned threads) {
  mm::PolicyOptions options;
  options.key_space = kKeySpace;
  for (const auto& p : policies) {
    const mm::PolicyInfo* info = mm::PolicyRegistry::instance().find(p);
    if (info == nullptr) throw std::invalid_argument("unknown policy '" + p + "'");
    if (info->offline) throw std::invalid_argument("policy '" + p + "' needs the whole trace");
    for (const auto f : frames) {
      if (f == 0) throw std::invalid_argument("frames must be at least 1");
      results_.push_back({p, f, 0, 0});
      row_missed_.push_back(0);
      caches_.push_back(info->make(f, options));
    }
  }
  const std::size_t n = std::max<std::size_t>(1, std::min<std::size_t>(threads, caches_.size()));
  if (n > 1) pool_ = std::make_unique<Pool>(*this, n);
}

StreamReplay::~StreamReplay() = default;

void StreamReplay::feed(std::span<const mm::PageKey> keys) { feed(keys, {}); }

void StreamReplay::feed(std::span<const mm::PageKey> keys, std::span<const std::uint32_t> bytes) {
  references_ += keys.size();
  sized_ = sized_ || !bytes.empty();
  if (pool_) return pool_->run(keys, bytes);
  for (std::size_t i = 0; i < caches_.size(); ++i) replay_span(*caches_[i], keys, bytes, results_[i], row_missed_[i]);
}

std::vector<CacheResult> StreamReplay::results() const {
  std::vector<CacheResult> out = results_;
  for (auto& r : out) {
    r.requests = references_;
    r.sized = sized_;
  }
  return out;
}

}  // namespace headroom::trace
