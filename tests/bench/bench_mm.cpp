// Memory-manager benchmarks.
// - BM_DecodeStepTouch: one decode step = one sequential touch of a whole mmapped weights file on a
//   host that holds 80% of it (40 GiB file, 32 GiB available at 4 KiB pages, and the same ratio at
//   8, 16, 80 GiB), so every page faults every step. The time per step must not grow with the page
//   count: the policy works on runs. Counters: pages per step, faulted bytes per step.
// - BM_DecodeStepWithKvCache: the same plus a swapped KV cache (see below); BM_TwoAnonModelsThrash:
//   two anonymous models thrashing through swap. Both exercise the linux policy's batched refault
//   activation: flat time per step, well under a millisecond.
// - BM_MixedThrash: an anonymous and an mmapped model thrashing, at swappiness 0, 60 and 200, with no
//   swap, swap full and ample swap (the cliff sweep of issue 6): time per round flat in the size.
// - BM_UniformRandomTouch: one step of a process's `uniform` pattern over a 2 GiB mmapped shared file
//   on a host with 1 GiB for it: 65,536 sampled pages (kMaxTouchesPerStep), sorted and coalesced,
//   each a random touch; arg 0 = advice normal (mmap read-around with the mmap_miss rule), 1 =
//   MADV_RANDOM. Time per step (issue 9: read-around must keep it in the same range as MADV_RANDOM).
// - BM_LruTraceReplay: page-level LRU replay (trace mode, one page per reference) of a generated
//   Zipf-like trace with a fixed seed; items_per_second is references per second.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "sim/mm/memory_manager.hpp"
#include "sim/mm/policy_registry.hpp"

namespace {

using namespace headroom::mm;
constexpr std::uint64_t GiB = std::uint64_t{1} << 30;

void BM_DecodeStepTouch(benchmark::State& state, const char* policy) {
  const std::uint64_t file_bytes = static_cast<std::uint64_t>(state.range(0)) * GiB;
  ManagerConfig config;
  config.ram_bytes = file_bytes / 5 * 4;  // 80%: 32 GiB for the 40 GiB file
  config.policy = policy;
  MemoryManager mm(config);
  OwnerId llm = mm.add_owner("llm");
  MappingId weights = mm.map(llm, Backing::file, "weights", file_bytes);
  mm.touch(weights, 0, file_bytes);  // cold pass
  std::uint64_t faulted = 0;
  for (auto _ : state) {
    TouchCost c = mm.touch(weights, 0, file_bytes);
    faulted = c.file_read_bytes;
    benchmark::DoNotOptimize(c);
  }
  state.counters["steps_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["pages_per_step"] = static_cast<double>(file_bytes / mm.page_bytes());
  state.counters["faulted_bytes_per_step"] = static_cast<double>(faulted);
}
BENCHMARK_CAPTURE(BM_DecodeStepTouch, linux, "linux")->Arg(8)->Arg(16)->Arg(40)->Arg(80);
BENCHMARK_CAPTURE(BM_DecodeStepTouch, lru, "lru")->Arg(8)->Arg(16)->Arg(40)->Arg(80);

// The same with a 4 GiB anonymous KV cache touched every step and 16 GiB of swap at swappiness 60,
// so reclaim splits victims between anon and file (the linux policy's round-based path).
void BM_DecodeStepWithKvCache(benchmark::State& state) {
  const std::uint64_t file_bytes = static_cast<std::uint64_t>(state.range(0)) * GiB;
  ManagerConfig config;
  config.ram_bytes = file_bytes / 5 * 4;
  config.swap_bytes = 16 * GiB;
  MemoryManager mm(config);
  OwnerId llm = mm.add_owner("llm");
  MappingId weights = mm.map(llm, Backing::file, "weights", file_bytes);
  MappingId kv = mm.map(llm, Backing::anon, "kv", 4 * GiB);
  std::uint64_t swapped = 0;
  for (auto _ : state) {
    TouchCost a = mm.touch(kv, 0, 4 * GiB, AccessPattern::sequential, true);
    TouchCost b = mm.touch(weights, 0, file_bytes);
    swapped = a.swap_in_bytes;
    benchmark::DoNotOptimize(b);
  }
  state.counters["swap_in_bytes_per_step"] = static_cast<double>(swapped);
}
BENCHMARK(BM_DecodeStepWithKvCache)->Arg(8)->Arg(40)->Arg(80);

// Two servers whose private (anonymous) weights together exceed RAM by 10%, with ample swap, taking
// turns of two decode steps each, a step touching all of its weights (the two-models scenario): the
// second step makes a server's pages active, and when its turn comes again the pages it lost to the
// other server refault within the workingset and are activated, each with a victim of the other
// server (the linux policy's batched refault activation). Time per round must stay flat.
void BM_TwoAnonModelsThrash(benchmark::State& state) {
  const std::uint64_t model_bytes = static_cast<std::uint64_t>(state.range(0)) * GiB;
  ManagerConfig config;
  config.ram_bytes = 2 * model_bytes / 11 * 10;
  config.swap_bytes = 2 * model_bytes;
  MemoryManager mm(config);
  MappingId a = mm.map(mm.add_owner("chat"), Backing::anon, "weights", model_bytes);
  MappingId b = mm.map(mm.add_owner("code"), Backing::anon, "weights", model_bytes);
  std::uint64_t swapped = 0;
  for (auto _ : state) {
    swapped = 0;
    for (MappingId m : {a, a, b, b}) swapped += mm.touch(m, 0, model_bytes, AccessPattern::sequential, true).swap_in_bytes;
    benchmark::DoNotOptimize(swapped);
  }
  state.counters["swap_in_bytes_per_round"] = static_cast<double>(swapped);
}
BENCHMARK(BM_TwoAnonModelsThrash)->Arg(4)->Arg(16)->Arg(64);

// The cliff sweep of issue 6: an anonymous model and an mmapped model of range(0) GiB each on RAM
// for 1.5 of them, at swappiness range(1) (0, 60, 200: both ends and the default), with swap of
// range(2) / 16 of a model: none (anon never a victim), 1/16 (swap full from the first round on) or
// 32/16 (ample). Rounds of two steps of each model. Time per round must not grow with the size:
// each case at 4 GiB within a few times its 1 GiB figure (before the shadow-merge fix, 60/32 took
// 28 ms at 4 GiB against 34 us at 1 GiB: shadows cut into single pages, one piece per page).
void BM_MixedThrash(benchmark::State& state) {
  const std::uint64_t model_bytes = static_cast<std::uint64_t>(state.range(0)) * GiB;
  ManagerConfig config;
  config.ram_bytes = model_bytes / 2 * 3;
  config.swappiness = static_cast<int>(state.range(1));
  config.swap_bytes = model_bytes / 16 * static_cast<std::uint64_t>(state.range(2));
  MemoryManager mm(config);
  MappingId a = mm.map(mm.add_owner("chat"), Backing::anon, "weights", model_bytes);
  MappingId b = mm.map(mm.add_owner("code"), Backing::file, "weights", model_bytes);
  std::uint64_t swapped = 0;
  for (auto _ : state) {
    swapped = 0;
    for (MappingId m : {a, a, b, b}) swapped += mm.touch(m, 0, model_bytes, AccessPattern::sequential, false).swap_in_bytes;
    benchmark::DoNotOptimize(swapped);
  }
  state.counters["swap_in_bytes_per_round"] = static_cast<double>(swapped);
}
BENCHMARK(BM_MixedThrash)->ArgsProduct({{1, 4}, {0, 60, 200}, {0, 1, 32}});

// Zipf(alpha) over `keys` ids, fixed seed, by inverse CDF.
std::vector<PageKey> zipf_trace(std::uint64_t keys, std::uint64_t length, double alpha, std::uint32_t seed) {
  std::vector<double> cdf(keys);
  double sum = 0;
  for (std::uint64_t k = 0; k < keys; ++k) cdf[k] = sum += 1.0 / std::pow(static_cast<double>(k + 1), alpha);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, sum);
  std::vector<PageKey> trace(length);
  for (auto& key : trace) key = static_cast<PageKey>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
  return trace;
}

struct NullListener : PolicyListener {
  std::uint64_t events = 0;
  void missed(PageRun, PageKind) override { ++events; }
  void evicted(PageRun, PageKind) override { ++events; }
};

void BM_LruTraceReplay(benchmark::State& state) {
  const std::uint64_t keys = 100'000, length = 1'000'000;
  static const std::vector<PageKey> trace = zipf_trace(keys, length, 0.8, 42);
  const PolicyInfo* lru = PolicyRegistry::instance().find("lru");
  PolicyOptions options;
  options.key_space = keys;
  std::uint64_t misses = 0;
  for (auto _ : state) {
    auto policy = lru->make(static_cast<std::uint64_t>(state.range(0)), options);
    NullListener sink;
    misses = 0;
    for (PageKey key : trace) misses += policy->reference({key, 1}, PageKind::file, sink).miss_pages;
    benchmark::DoNotOptimize(sink.events);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * length));
  state.counters["miss_ratio"] = static_cast<double>(misses) / static_cast<double>(length);
}
BENCHMARK(BM_LruTraceReplay)->Arg(1'000)->Arg(10'000)->Unit(benchmark::kMillisecond);


void BM_UniformRandomTouch(benchmark::State& state) {
  ManagerConfig config;
  config.ram_bytes = GiB + GiB / 8;  // about 1 GiB of capacity beside the watermarks
  MemoryManager mm(config);
  const OwnerId p = mm.add_owner("p");
  const std::uint64_t file_bytes = 2 * GiB, page = mm.page_bytes(), pages = file_bytes / page;
  const MappingId m = mm.map_file(p, mm.add_file("data", file_bytes), FileUse::mapped);
  if (state.range(0) == 1) mm.set_advice(m, Advice::random);
  std::mt19937_64 rng(42);
  std::vector<std::uint64_t> picks(65536);
  std::uint64_t read_bytes = 0, requests = 0;
  for (auto _ : state) {
    for (auto& x : picks) x = rng() % pages;
    std::sort(picks.begin(), picks.end());
    for (std::size_t i = 0; i < picks.size();) {  // coalesced runs, as access_pattern_run.cpp
      std::size_t j = i + 1;
      while (j < picks.size() && picks[j] <= picks[j - 1] + 1) ++j;
      const std::uint64_t first = picks[i], end = picks[j - 1] + 1;
      const TouchCost c = mm.touch(m, first * page, (end - first) * page, AccessPattern::random);
      read_bytes += c.file_read_bytes;
      requests += c.read_requests();
      i = j;
    }
  }
  state.counters["read_MiB_per_step"] = static_cast<double>(read_bytes) / (1 << 20) / static_cast<double>(state.iterations());
  state.counters["requests_per_step"] = static_cast<double>(requests) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_UniformRandomTouch)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
