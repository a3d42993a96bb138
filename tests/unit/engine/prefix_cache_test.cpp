// llm-server's prefix cache: the block pool (prefix_cache.hpp) against closed forms (hits, chain
// rule, full-hit cap, references, LRU eviction under KV pressure), then the server with
// `prefix_cache: true` on a small trace: hit tokens, prefill time saved (the speed model's compute
// term) and KV bytes saved, each derived by hand.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "analysis/summary.hpp"
#include "engine_fixtures.hpp"
#include "in_child.hpp"
#include "models/workloads/llm-server/prefix_cache.hpp"
#include "sim/engine/simulate.hpp"

using namespace headroom;
using namespace headroom::test;
using workloads::llm_server::PrefixCache;

namespace {
using Ids = std::vector<std::uint64_t>;
}

TEST_CASE("prefix cache: N requests sharing k leading blocks hit (N - 1) x k blocks") {
  constexpr std::uint32_t kBlock = 512, kShared = 3, kRequests = 5;
  PrefixCache cache(64, kBlock);
  std::uint64_t hit_tokens = 0;
  for (std::uint32_t n = 0; n < kRequests; ++n) {
    // k shared ids, then one of its own; prompt: k + 1 full blocks + 7 tokens, 100 output tokens.
    const Ids ids{10, 11, 12, 1000 + n, 2000 + n};
    const std::uint32_t prompt = (kShared + 1) * kBlock + 7;
    auto a = cache.allocate(ids, prompt, prompt + 100);
    REQUIRE(a);
    CHECK(a->blocks.size() == (prompt + 100 + kBlock - 1) / kBlock);
    CHECK(a->hit_blocks == (n == 0 ? 0 : kShared));
    hit_tokens += std::uint64_t{a->hit_blocks} * kBlock;
  }
  CHECK(hit_tokens == std::uint64_t{kRequests - 1} * kShared * kBlock);
  // Every request holds the shared blocks: (N - 1) x k references beyond the first.
  CHECK(cache.shared_references() == (kRequests - 1) * kShared);
  // Cached: the k shared blocks and each request's own full block (its partial last one is not).
  CHECK(cache.cached_blocks() == kShared + kRequests);
}

TEST_CASE("prefix cache: block i is shared only when blocks 0..i all match") {
  PrefixCache cache(32, 4);
  REQUIRE(cache.allocate(Ids{1, 2, 3, 4}, 17, 20));  // 4 full prompt blocks cached
  CHECK(cache.allocate(Ids{9, 2, 3, 4}, 17, 20)->hit_blocks == 0);  // same ids 1..3, other first
  CHECK(cache.allocate(Ids{1, 9, 3, 4}, 17, 20)->hit_blocks == 1);
  CHECK(cache.allocate(Ids{1, 2, 3, 9}, 17, 20)->hit_blocks == 3);
  CHECK(PrefixCache::chain(PrefixCache::chain(PrefixCache::kRootKey, 1), 2) !=
        PrefixCache::chain(PrefixCache::chain(PrefixCache::kRootKey, 2), 1));
}

TEST_CASE("prefix cache: a fully cached prompt still computes its last block") {
  PrefixCache cache(16, 4);
  REQUIRE(cache.allocate(Ids{1, 2}, 8, 10));
  // Prompt of exactly 2 blocks, both cached: at most prompt - 1 = 7 tokens hit, so 1 block.
  CHECK(cache.allocate(Ids{1, 2}, 8, 10)->hit_blocks == 1);
  // One token more: both blocks can hit.
  CHECK(cache.allocate(Ids{1, 2, 3}, 9, 10)->hit_blocks == 2);
  // A partial block is never cached: ids past the prompt's full blocks are ignored.
  REQUIRE(cache.allocate(Ids{7, 8}, 6, 8));        // block 1 holds 2 of 4 prompt tokens
  CHECK(cache.allocate(Ids{7, 8}, 9, 12)->hit_blocks == 1);
}

TEST_CASE("prefix cache: released cached blocks stay until memory is needed, least recently used first") {
  PrefixCache cache(4, 4);
  // A: ids 1, 2; prompt 9 (2 full blocks + 1 token), 12 tokens in all: blocks 0, 1, 2.
  auto a = cache.allocate(Ids{1, 2, 3}, 9, 12);
  REQUIRE(a);
  CHECK(a->blocks == std::vector<std::uint32_t>{0, 1, 2});
  cache.release(a->blocks);  // last block first: 2 free (never cached), then 1 and 0 to the LRU tail
  CHECK(cache.free_blocks() == 2);
  CHECK(cache.cached_unused_blocks() == 2);
  // B (ids 5) needs 2 blocks: the free ones, nothing evicted; A's prefix still hits.
  auto b = cache.allocate(Ids{5}, 3, 8);
  REQUIRE(b);
  CHECK(cache.evictions() == 0);
  auto a2 = cache.allocate(Ids{1, 2, 3}, 9, 12);  // needs 3: hits 2 (taken off the LRU) + 1 new
  CHECK_FALSE(a2);  // the pool has 0 free and only A's 2 cached blocks, which it would hit: 1 short
  CHECK(cache.cached_unused_blocks() == 2);  // nothing changed by the refusal
  cache.release(b->blocks);                  // 2 free again
  a2 = cache.allocate(Ids{1, 2, 3}, 9, 12);
  REQUIRE(a2);
  CHECK(a2->hit_blocks == 2);
  CHECK(a2->blocks[0] == 0);
  CHECK(a2->blocks[1] == 1);
  cache.release(a2->blocks);
  // C (ids 7, 8, 9) needs all 4 blocks: the 2 free ones (2 on top of the stack, then 3), then it
  // evicts the LRU head, block 1 (A's blocks were released last first: 1, then 0), then block 0.
  auto c = cache.allocate(Ids{7, 8, 9}, 12, 16);
  REQUIRE(c);
  CHECK(c->blocks == std::vector<std::uint32_t>{2, 3, 1, 0});
  CHECK(cache.evictions() == 2);
  cache.release(c->blocks);
  // A's prefix is gone; C's three full prompt blocks are cached.
  CHECK(cache.allocate(Ids{1, 2, 3}, 9, 12)->hit_blocks == 0);
}

TEST_CASE("prefix cache: a referenced block is never evicted, and the refusal changes nothing") {
  PrefixCache cache(3, 4);
  auto a = cache.allocate(Ids{1, 2}, 9, 9);  // 3 blocks, all referenced
  REQUIRE(a);
  CHECK_FALSE(cache.allocate(Ids{5}, 1, 1));
  CHECK(cache.evictions() == 0);
  CHECK(cache.references(a->blocks[0]) == 1);
  // Sharing needs no new memory for the shared part: same prefix, 9 tokens = 2 hits + 1 new block.
  CHECK_FALSE(cache.allocate(Ids{1, 2}, 9, 9));  // the one new block is not there
  cache.release(std::vector<std::uint32_t>{a->blocks[2]});  // (test only) drop A's last block
  auto b = cache.allocate(Ids{1, 2}, 9, 9);
  REQUIRE(b);
  CHECK(b->hit_blocks == 2);
  CHECK(cache.references(a->blocks[0]) == 2);
  CHECK(cache.shared_references() == 2);
  CHECK_THROWS_AS(cache.release(std::vector<std::uint32_t>{a->blocks[2], a->blocks[2]}), std::logic_error);
}

// ---- the server -----------------------------------------------------------------------------------

namespace {

constexpr std::uint32_t kBlock = 512;
constexpr std::uint32_t kPrompt = 2 * kBlock + 100;  // 2 shared full blocks + 100 tokens of its own
constexpr std::uint32_t kOutput = 10;
constexpr double kFlops = 1e12;

// N requests at t = 0 sharing their first two blocks (ids 0, 1), each with an own third id; one
// 1 GiB model loaded at start on a 1 TFLOP/s CPU, so a prefill is compute-bound.
std::shared_ptr<workloads::LlmServerSpec> shared_prefix_server(std::uint32_t requests, bool prefix_cache,
                                                               std::uint32_t max_batch) {
  auto s = test_server("llm", 1 * GiB, workloads::WeightsMode::load);
  s->context_tokens = 2048;
  s->max_batch = max_batch;
  s->prefix_cache = prefix_cache;
  s->prefix_block_tokens = kBlock;
  s->kv_budget_bytes = std::uint64_t{max_batch} * 4 * kBlock * s->kv_bytes_per_token();  // 4 blocks a slot
  auto pool = std::make_shared<std::vector<std::uint64_t>>();
  for (std::uint32_t n = 0; n < requests; ++n) pool->insert(pool->end(), {0, 1, 100 + n});
  auto reqs = std::make_shared<std::vector<workloads::Request>>();
  for (std::uint32_t n = 0; n < requests; ++n)
    reqs->push_back({0.0, kPrompt, kOutput, std::span<const std::uint64_t>(pool->data() + 3 * n, 3)});
  s->arrivals.kind = workloads::ArrivalSpec::Kind::trace;
  s->arrivals.trace_requests = reqs;
  s->arrivals.prefix_pool = pool;
  return s;
}

analysis::HostResult run_server(const std::shared_ptr<workloads::LlmServerSpec>& server, double horizon_s) {
  config::HostSpec host = test_host(16 * GiB);
  host.cpu_flops = kFlops;
  config::Scenario sc = test_scenario(host, horizon_s);
  sc.workloads = {server};
  return engine::simulate_host(sc, sc.hosts[0]);
}

// The neutral speed model's compute term of a prefill (test_server: 1 layer, 8 heads of 1024):
// 2 x params x tokens + 4 x layers x heads x head_dim x pairs FLOPs at kFlops.
double prefill_compute_s(double tokens, double pairs) { return (2 * 1e9 * tokens + 4.0 * 1 * 8 * 1024 * pairs) / kFlops; }
double triangle(double n) { return n * (n + 1) / 2; }

}  // namespace

TEST_CASE("prefix cache server: hit tokens, prefill time and KV bytes saved in closed form") {
  enable_invariant_checks();
  constexpr std::uint32_t kN = 4;
  // Off in a child (one SimGrid engine per process): request 0's admission and first token.
  const std::vector<double> off = in_child([&] {
    const analysis::HostResult r = run_server(shared_prefix_server(kN, false, kN), 60);
    const auto& d = llm(r.workloads.at(0));
    const bool any_prefix_field = analysis::summarize_workload(r.workloads.at(0), r.horizon_s).kind.metrics.contains("prefix_cache");
    return std::vector<double>{d.requests.at(0).admitted_s, d.requests.at(0).first_token_s,
                               d.prefix.enabled || any_prefix_field ? 1.0 : 0.0};
  });
  REQUIRE(off.size() == 3);
  CHECK(off[2] == 0);  // off: no prefix fields at all (the goldens' output is unchanged)
  const analysis::HostResult on = run_server(shared_prefix_server(kN, true, kN), 60);
  const auto& data_on = llm(on.workloads.at(0));
  const workloads::PrefixCacheData& p = data_on.prefix;
  REQUIRE(p.enabled);
  CHECK(p.blocks == kN * 4);
  // The first request computes everything; the other N - 1 hit the 2 shared blocks.
  CHECK(p.hit_tokens == (kN - 1) * 2 * kBlock);
  CHECK(p.prompt_tokens == kN * kPrompt);
  CHECK(p.hit_requests == kN - 1);
  CHECK(p.evictions == 0);

  // One batched prefill each. On: tokens kPrompt + (N - 1) x 100, pairs: the first prompt's
  // triangle, then each other's positions 1025..1124. Off: N whole prompts.
  const double on_s = prefill_compute_s(kPrompt + (kN - 1) * 100.0,
                                        triangle(kPrompt) + (kN - 1) * (triangle(kPrompt) - triangle(2 * kBlock)));
  const double off_s = prefill_compute_s(kN * double{kPrompt}, kN * triangle(kPrompt));
  const auto& r_on = data_on.requests.at(0);
  REQUIRE(r_on.first_token_s > 0);
  CHECK(data_on.prefill_steps == 1);
  CHECK(close_rel(r_on.first_token_s - r_on.admitted_s, on_s, 1e-9));
  CHECK(close_rel(off[1] - off[0], off_s, 1e-9));
  // Saved: 2 x 1e9 x 3072 / 1e12 = 6.144 s of matmuls plus the attention of the skipped pairs.
  CHECK(close_rel(off[1] - r_on.first_token_s, off_s - on_s, 1e-9));
  CHECK(off_s - on_s > 6.144);

  // KV saved: while the N requests run, 2 blocks x (N - 1) extra references x 512 tokens x 4096 B.
  const std::uint64_t saved = (kN - 1) * 2 * kBlock * 4096ULL;
  CHECK(p.peak_saved_bytes == saved);
  CHECK(p.saved_bytes_now == 0);  // all completed (together: same prompt and output lengths)
  double finish_s = 0;
  for (const auto& r : data_on.requests) {
    CHECK(r.finish_s > 0);
    CHECK(r.finish_s == data_on.requests[0].finish_s);
    finish_s = r.finish_s;
  }
  CHECK(close_rel(p.saved_byte_seconds, static_cast<double>(saved) * (finish_s - r_on.admitted_s), 1e-12));
  // The summary: mean over the 60 s window, hit rate of the prompt tokens.
  const analysis::WorkloadSummary summary = analysis::summarize_workload(on.workloads.at(0), on.horizon_s);
  const auto& m = summary.kind.metrics.at("prefix_cache");
  CHECK(m.at("hit_rate").get<double>() == doctest::Approx(3.0 * 1024 / (4 * 1124)).epsilon(1e-12));
  CHECK(m.at("prefill_tokens_saved").get<std::uint64_t>() == 3072);
  CHECK(m.at("kv_saved_bytes").at("peak").get<std::uint64_t>() == saved);
  CHECK(m.at("kv_saved_bytes").at("mean").get<double>() ==
        doctest::Approx(static_cast<double>(saved) * (finish_s - r_on.admitted_s) / 60).epsilon(1e-12));
}

TEST_CASE("prefix cache server: one at a time, a finished request's blocks still hit, but nothing is shared at once") {
  enable_invariant_checks();
  // max_batch 1: the requests run one after another; each finds the previous one's released
  // (cached, unreferenced) blocks: hits (N - 1) x 2 blocks, but no two hold a block at once.
  constexpr std::uint32_t kN = 3;
  const analysis::HostResult r = run_server(shared_prefix_server(kN, true, 1), 120);
  const workloads::PrefixCacheData& p = llm(r.workloads.at(0)).prefix;
  CHECK(p.blocks == 4);
  CHECK(p.hit_tokens == (kN - 1) * 2 * kBlock);
  CHECK(p.peak_saved_bytes == 0);
  CHECK(p.saved_byte_seconds == 0);
  // Each request needs 3 blocks (1124 + 10 tokens), 2 of them hit: 1 new from a pool of 4 where the
  // previous request's third block went back to the free list, so no cached block is evicted.
  CHECK(p.evictions == 0);
  for (const auto& req : llm(r.workloads.at(0)).requests) CHECK(req.finish_s > 0);
}

TEST_CASE("prefix cache server: under KV pressure the least recently used prefix is evicted") {
  enable_invariant_checks();
  // A pool of 4 blocks (max_batch 1); requests of 3 blocks with 2 full prompt blocks, one at a
  // time, prefixes A, B, A: B's allocation evicts one of A's cached blocks (the pool: 4 = A's 2
  // cached + 2 free; B needs 3), so the third request (A again) hits only what survived.
  auto s = shared_prefix_server(3, true, 1);
  auto pool = std::make_shared<std::vector<std::uint64_t>>(std::vector<std::uint64_t>{0, 1, 50, 7, 8, 51, 0, 1, 52});
  auto reqs = std::make_shared<std::vector<workloads::Request>>();
  for (std::uint32_t n = 0; n < 3; ++n)
    reqs->push_back({0.0, kPrompt, kOutput, std::span<const std::uint64_t>(pool->data() + 3 * n, 3)});
  s->arrivals.trace_requests = reqs;
  s->arrivals.prefix_pool = pool;
  const analysis::HostResult r = run_server(s, 120);
  const workloads::PrefixCacheData& p = llm(r.workloads.at(0)).prefix;
  // A: blocks 0, 1 (cached), 2; released 2 (free), 1, 0 (LRU: 1 then 0). B takes free 2 and 3,
  // then evicts block 1 (A's second block, least recently released). A again: block 0 hits
  // (ids 0), block 1's key is gone: 1 hit block; its 2 new blocks are the free one (B's third)
  // and, after the hit takes block 0 off the LRU list [0, 3, 2], its head: block 3 (B's second).
  CHECK(p.evictions == 2);
  CHECK(p.hit_tokens == kBlock);
  CHECK(p.hit_requests == 1);
}
