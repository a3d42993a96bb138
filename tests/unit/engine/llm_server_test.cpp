// The engine and the llm-server workload against closed forms. Every test case runs in its own
// process (one SimGrid engine per process) with the memory manager's invariants checked after every
// memory operation (HEADROOM_CHECK_INVARIANTS).
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "engine_fixtures.hpp"
#include "models/workloads/common/request_source.hpp"
#include "sim/engine/simulate.hpp"

using namespace headroom;
using namespace headroom::test;
using workloads::WeightsMode;

namespace {

// Decode phase of one request alone on a bandwidth-bound host whose memory holds everything:
// decode step g (g = 1 .. N-1 tokens already generated) reads the weights (whole pages) and the KV
// of P + g tokens, of which the page of the newest token is touched for the first time (a zero-fill,
// not read from DRAM): P + g - 1 resident KV pages. Time = sum of bytes / bandwidth.
double decode_phase_s(std::uint64_t weights_bytes, std::uint32_t prompt, std::uint32_t output, double bw_Bps) {
  double bytes = 0;
  for (std::uint32_t g = 1; g < output; ++g)
    bytes += static_cast<double>(round_to_pages(weights_bytes) + (prompt + g - 1) * kPage);
  return bytes / bw_Bps;
}

const analysis::RequestRecord& only_request(const analysis::WorkloadResult& w) {
  REQUIRE(llm(w).requests.size() == 1);
  return llm(w).requests[0];
}

analysis::HostResult run(config::Scenario& sc) { return engine::simulate_host(sc, sc.hosts[0]); }

}  // namespace

TEST_CASE("decode tokens/s of a model that fits equals bandwidth / bytes read per step") {
  enable_invariant_checks();
  // 2 GiB + 100 bytes of weights: the last page is partial but read whole.
  const std::uint64_t weights = 2 * GiB + 100;
  config::Scenario sc = test_scenario(test_host(16 * GiB), 100);
  auto server = test_server("llm", weights, WeightsMode::mmap);
  sc.workloads = {server};
  analysis::HostResult r = run(sc);

  const auto& w = r.workloads.at(0);
  const auto& req = only_request(w);
  REQUIRE(req.finish_s > 0);
  CHECK_FALSE(req.failed);
  CHECK(req.generated_tokens == 50);
  CHECK(llm(w).decode_steps == 49);
  CHECK(llm(w).prefill_steps == 1);
  CHECK(llm(w).device == "cpu");
  const double measured_tokens_per_s = 49 / (req.finish_s - req.first_token_s);
  const double expected_tokens_per_s = 49 / decode_phase_s(weights, 4, 50, 100e9);
  CHECK(close_rel(measured_tokens_per_s, expected_tokens_per_s, 1e-9));
  // The weights were faulted in once, by the prefill: (2 GiB + 1 page) from the SSD.
  CHECK(r.memory.file_read_bytes == round_to_pages(weights));
  CHECK(r.memory.oom_kills == 0);
  // That was the only memory stall: 524289 pages in one miss run, so ceil(524289 / 32) = 16385
  // readahead requests but a single device latency (async readahead overlaps the rest).
  REQUIRE(w.memory_stall.size() == 1);
  CHECK(r.memory.read_requests == 16385);
  CHECK(r.memory.fault_waits == 1);
  const double stall_s = w.memory_stall[0].end_s - w.memory_stall[0].begin_s;
  CHECK(close_rel(stall_s, (2 * GiB + kPage) / 2e9 + 1 * 100e-6, 1e-9));
  CHECK(w.memory_stall[0].begin_s == req.arrival_s);
  // Busy from the arrival (admitted at once) to the last token.
  REQUIRE(w.busy.size() == 1);
  CHECK(w.busy[0].begin_s == req.arrival_s);
  CHECK(w.busy[0].end_s == req.finish_s);
  CHECK(req.admitted_s == req.arrival_s);
}

TEST_CASE("a request still decoding at the horizon is neither completed nor failed") {
  enable_invariant_checks();
  // Decode steps of 2 GiB + 5..53 KV pages at 100 GB/s take about 21.5 ms; the prefill ends near
  // 1.10 s (the cold fault of 2 GiB at 2 GB/s plus one 100 us latency, then 21.5 ms on the bus), so
  // a 1.3 s horizon cuts the decode after about 9 steps.
  config::Scenario sc = test_scenario(test_host(16 * GiB), 1.3);
  sc.workloads = {test_server("llm", 2 * GiB, WeightsMode::mmap)};
  analysis::HostResult r = run(sc);
  const auto& w = r.workloads.at(0);
  const auto& req = only_request(w);
  CHECK_FALSE(req.failed);
  CHECK(req.finish_s < 0);
  CHECK(req.first_token_s > 0);
  CHECK(req.generated_tokens > 1);
  CHECK(req.generated_tokens < 50);
  CHECK(req.generated_tokens == 1 + llm(w).decode_steps);
  REQUIRE(w.busy.size() == 1);
  CHECK(w.busy[0].end_s == 1.3);  // still busy: closed at the horizon
  CHECK(r.horizon_s == 1.3);
}

namespace {

// A 6 GiB mmapped model on a 4 GiB host: the cyclic scan of the weights is larger than memory, so
// (LRU chasing the scan) every page faults on every token. Each decode step then costs the whole
// file at the SSD's read bandwidth, plus one SSD latency per contiguous miss run (async readahead
// keeps the following windows in flight), plus the resident KV on the bus. A decode pass may be
// split where the scan meets the pages kswapd freed, so its wait count is taken from the manager
// and bounded: at most 2 waits per pass. Read requests: one per 128 KiB readahead window.
void check_thrashing(const std::string& policy) {
  enable_invariant_checks();
  const std::uint64_t weights = 6 * GiB;
  const std::uint64_t window_ios = weights / (128 * KiB);
  config::Scenario sc = test_scenario(test_host(4 * GiB), 1000);
  sc.memory.policy = policy;
  auto server = test_server("llm", weights, WeightsMode::mmap);
  server->arrivals.prompt_tokens = 1;
  server->arrivals.output_tokens = 4;
  sc.workloads = {server};
  analysis::HostResult r = run(sc);

  const auto& req = only_request(r.workloads.at(0));
  REQUIRE(req.finish_s > 0);
  // Every pass (1 prefill + 3 decode steps) read the whole file.
  CHECK(r.memory.file_read_bytes == 4 * weights);
  CHECK(r.memory.writeback_bytes == 0);  // clean file pages are dropped, never written
  REQUIRE(r.memory.read_requests >= window_ios);
  const std::uint64_t decode_ios = r.memory.read_requests - window_ios;
  CHECK(decode_ios >= 3 * window_ios);
  CHECK(decode_ios <= 3 * window_ios + 3);
  REQUIRE(r.memory.fault_waits >= 1 + 3);  // the cold pass is one run
  const std::uint64_t decode_waits = r.memory.fault_waits - 1;
  CHECK(decode_waits <= 3 * 2);
  double expected_s = static_cast<double>(decode_waits) * 100e-6;
  for (std::uint32_t g = 1; g < 4; ++g)  // resident KV: 1 + g - 1 pages (see decode_phase_s)
    expected_s += static_cast<double>(weights) / 2e9 + static_cast<double>(g * kPage) / 100e9;
  INFO("decode phase " << req.finish_s - req.first_token_s << " s, expected " << expected_s << " s, "
                       << decode_waits << " decode fault waits");
  CHECK(close_rel(req.finish_s - req.first_token_s, expected_s, 1e-9));
}

}  // namespace

TEST_CASE("mmapped model larger than memory re-reads the file every token (lru)") { check_thrashing("lru"); }

TEST_CASE("mmapped model larger than memory re-reads the file every token (linux)") { check_thrashing("linux"); }

namespace {

// M/D/1: one slot, Poisson arrivals, a deterministic service time D (prefill + N - 1 decode steps,
// all KV pages resident once the first request has touched the slot). Mean wait in queue
// Wq = rho / (2 mu (1 - rho)) with mu = 1 / D. The first request's cold start (about 30 D) adds a
// transient of about 1% at rho 0.8; sampling noise of 100,000 requests accounts for the rest.
void check_md1(double rho) {
  enable_invariant_checks();
  const std::uint64_t weights = 1 * GiB;
  const std::uint32_t prompt = 1, output = 4;
  const double bw = 100e9;
  // Prefill reads the weights and P resident KV pages; decode step g reads the weights and P + g pages.
  const double prefill_s = static_cast<double>(weights + prompt * kPage) / bw;
  double decode_s = 0;
  for (std::uint32_t g = 1; g < output; ++g)
    decode_s += static_cast<double>(weights + (prompt + g) * kPage) / bw;
  const double service_s = prefill_s + decode_s;
  const std::uint64_t n = 100000;

  config::Scenario sc = test_scenario(test_host(16 * GiB), 1e9);
  auto server = test_server("llm", weights, WeightsMode::mmap);
  server->arrivals.rate_per_s = rho / service_s;
  server->arrivals.prompt_tokens = prompt;
  server->arrivals.output_tokens = output;
  server->arrivals.max_requests = n;
  sc.workloads = {server};
  analysis::HostResult r = run(sc);

  const auto& reqs = llm(r.workloads.at(0)).requests;
  REQUIRE(reqs.size() == n);
  double wait_sum_s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    REQUIRE(reqs[i].finish_s > 0);
    if (i > 0)  // the first request faults the weights in: a one-off, longer service
      REQUIRE(close_rel(reqs[i].finish_s - reqs[i].first_token_s, decode_s, 1e-9));
    if (i > 0)
      REQUIRE(close_rel(reqs[i].first_token_s - reqs[i].admitted_s, prefill_s, 1e-9));
    wait_sum_s += reqs[i].admitted_s - reqs[i].arrival_s;
  }
  const double mu = 1 / service_s;
  const double expected_wait_s = rho / (2 * mu * (1 - rho));
  const double mean_wait_s = wait_sum_s / n;
  INFO("rho " << rho << ": mean wait " << mean_wait_s << " s, M/D/1 " << expected_wait_s << " s");
  CHECK(close_rel(mean_wait_s, expected_wait_s, 0.05));
}

}  // namespace

TEST_CASE("M/D/1 queue: mean wait at utilisation 0.5") { check_md1(0.5); }

TEST_CASE("M/D/1 queue: mean wait at utilisation 0.8") { check_md1(0.8); }

TEST_CASE("two workloads decoding at once share the memory bus: each step takes twice as long") {
  enable_invariant_checks();
  const std::uint64_t weights = 2 * GiB;
  // Both requests arrive at t = 0 (a one-row trace), so the two servers run in lock step.
  const std::string trace = write_temp_file("one_request.csv",
                                            "TIMESTAMP,ContextTokens,GeneratedTokens\r\n"
                                            "2023-11-16 18:15:46.6805900,4,50");
  config::Scenario sc = test_scenario(test_host(16 * GiB), 100);
  for (const char* name : {"a", "b"}) {
    auto s = test_server(name, weights, WeightsMode::mmap);
    s->arrivals.kind = workloads::ArrivalSpec::Kind::trace;
    set_trace(*s, trace);
    sc.workloads.push_back(s);
  }
  analysis::HostResult r = run(sc);
  for (const auto& w : r.workloads) {
    const auto& req = only_request(w);
    CHECK(req.arrival_s == 0.0);
    REQUIRE(req.finish_s > 0);
    CHECK(close_rel(req.finish_s - req.first_token_s, 2 * decode_phase_s(weights, 4, 50, 100e9), 1e-9));
  }
}

TEST_CASE("wired weights over the GPU wired limit fail every request") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(unified_host(), 100);
  auto server = test_server("llm", 12 * GiB, WeightsMode::wired);  // + 256 KiB of KV > 12 GiB
  server->arrivals.max_requests = 3;
  sc.workloads = {server};
  analysis::HostResult r = run(sc);
  const auto& w = r.workloads.at(0);
  CHECK(status(w) == "failed-to-start");
  REQUIRE(llm(w).requests.size() == 3);
  for (const auto& req : llm(w).requests) {
    CHECK(req.failed);
    CHECK(req.failure == "wired limit exceeded");
    CHECK(req.first_token_s < 0);
  }
  CHECK(r.memory.peak_unevictable_bytes == 256 * MiB);  // only the OS reserve was ever pinned
}

TEST_CASE("wired weights over the limit fall back to the CPU with mmapped weights when asked") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(unified_host(), 100);
  auto server = test_server("llm", 12 * GiB, WeightsMode::wired);
  server->wired_fallback_cpu = true;
  sc.workloads = {server};
  analysis::HostResult r = run(sc);
  const auto& w = r.workloads.at(0);
  CHECK(status(w) == "running");
  CHECK(llm(w).device == "cpu");
  CHECK(only_request(w).generated_tokens == 50);
  CHECK(r.memory.file_read_bytes == 12 * GiB);  // mmapped: faulted in once from the SSD
}

TEST_CASE("a second wired model that does not fit beside the first is refused") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(unified_host(), 100);
  // Each fits the 12 GiB limit alone (7 GiB + 256 KiB of KV); both do not.
  sc.workloads = {test_server("first", 7 * GiB, WeightsMode::wired), test_server("second", 7 * GiB, WeightsMode::wired)};
  analysis::HostResult r = run(sc);
  CHECK(status(r.workloads.at(0)) == "running");
  CHECK(only_request(r.workloads.at(0)).generated_tokens == 50);
  const auto& second = r.workloads.at(1);
  CHECK(status(second) == "failed-to-start");
  CHECK(only_request(second).failure == "wired limit exceeded");
  CHECK(r.memory.peak_unevictable_bytes == 256 * MiB + 7 * GiB + 64 * kPage);
}

TEST_CASE("wired weights under the limit compute on the GPU from pinned memory") {
  enable_invariant_checks();
  const std::uint64_t weights = 8 * GiB;
  config::Scenario sc = test_scenario(unified_host(), 100);
  sc.workloads = {test_server("llm", weights, WeightsMode::wired)};
  analysis::HostResult r = run(sc);
  const auto& w = r.workloads.at(0);
  CHECK(llm(w).device == "gpu");
  const auto& req = only_request(w);
  REQUIRE(req.finish_s > 0);
  // Wired memory is allocated whole at map time: every KV page is resident from the start, so
  // decode step g reads the weights and P + g KV pages.
  double bytes = 0;
  for (std::uint32_t g = 1; g < 50; ++g)
    bytes += static_cast<double>(weights + (4 + g) * kPage);
  CHECK(close_rel(req.finish_s - req.first_token_s, bytes / 100e9, 1e-9));
  CHECK(r.memory.peak_unevictable_bytes == 256 * MiB + weights + 64 * kPage);
  CHECK(r.memory.file_read_bytes == 0);  // loaded by a plain read, not through the page cache
}

namespace {

// Two servers loading their weights into anonymous memory on an 8 GiB host without swap:
// "small" (4 GiB) finishes reading first and allocates; "big" (5 GiB) then cannot fit. The victim
// is the process with the highest badness: small (4 GiB resident) unless protected by -1000.
analysis::HostResult run_oom(int small_adj) {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(8 * GiB), 100);
  auto big = test_server("big", 5 * GiB, WeightsMode::load);
  auto small = test_server("small", 4 * GiB, WeightsMode::load);
  small->oom_score_adj = small_adj;
  for (auto& s : {big, small}) {
    s->arrivals.rate_per_s = 1;
    s->arrivals.max_requests = 3;
    s->arrivals.output_tokens = 60;  // small is still serving when big allocates
  }
  sc.workloads = {big, small};
  return run(sc);
}

void check_killed(const analysis::WorkloadResult& w) {
  CHECK(status(w) == "oom-killed");
  REQUIRE(llm(w).requests.size() == 3);
  for (const auto& req : llm(w).requests) {
    CHECK(req.failed);
    CHECK(req.failure == "oom-killed");
    CHECK(req.finish_s < 0);
  }
}

void check_served(const analysis::WorkloadResult& w) {
  CHECK(status(w) == "running");
  REQUIRE(llm(w).requests.size() == 3);
  for (const auto& req : llm(w).requests) {
    CHECK_FALSE(req.failed);
    CHECK(req.generated_tokens == 60);
  }
}

}  // namespace

TEST_CASE("OOM kills the workload with the highest badness and fails its requests") {
  analysis::HostResult r = run_oom(0);
  CHECK(r.memory.oom_kills == 1);
  check_killed(r.workloads.at(1));  // small: the most resident memory when big allocates
  check_served(r.workloads.at(0));
}

TEST_CASE("OOM never kills a workload with oom_score_adj -1000") {
  analysis::HostResult r = run_oom(-1000);
  CHECK(r.memory.oom_kills == 1);
  check_killed(r.workloads.at(0));
  check_served(r.workloads.at(1));
}

TEST_CASE("requests longer than the context fail at arrival") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(16 * GiB), 2);
  auto server = poisson_server("llm", 1 * GiB, WeightsMode::mmap, 20);
  server->arrivals.prompt_tokens = 20;
  server->arrivals.output_tokens = 45;  // 65 > 64 tokens of context
  sc.workloads = {server};
  analysis::HostResult r = run(sc);
  const auto& reqs = llm(r.workloads.at(0)).requests;
  REQUIRE(reqs.size() > 10);  // about 40 arrivals in 2 s at 20/s
  for (const auto& req : reqs) {
    CHECK(req.failed);
    CHECK(req.failure == "context too long");
    CHECK(req.arrival_s < 2);
  }
  CHECK(llm(r.workloads.at(0)).prefill_steps == 0);
  CHECK(r.memory.file_read_bytes == 0);
}

TEST_CASE("anonymous weights larger than memory are swapped out and back in every token") {
  enable_invariant_checks();
  // 6 GiB of loaded (anonymous) weights on a 4 GiB host with 8 GiB of swap: each pass swaps in
  // what the previous pass pushed out.
  config::HostSpec host = test_host(4 * GiB);
  host.swap_bytes = 8 * GiB;
  config::Scenario sc = test_scenario(host, 10000);
  auto server = test_server("llm", 6 * GiB, WeightsMode::load);
  server->arrivals.prompt_tokens = 1;
  server->arrivals.output_tokens = 4;
  sc.workloads = {server};
  analysis::HostResult r = run(sc);
  const auto& w = r.workloads.at(0);
  const auto& req = only_request(w);
  REQUIRE(req.finish_s > 0);
  CHECK(status(w) == "running");
  CHECK(r.memory.oom_kills == 0);
  // At least what does not fit (6 GiB - 4 GiB) comes back from swap on each of the 4 passes.
  CHECK(r.memory.swap_in_bytes >= 4 * 2 * GiB);
  CHECK(r.memory.swap_out_bytes >= r.memory.swap_in_bytes);
  CHECK(r.memory.peak_swap_bytes <= 8 * GiB);
  CHECK(r.memory.file_read_bytes == 0);  // the load was a plain read, the faults are all swap
  // Swap readahead (2^3 pages per request) makes far fewer requests than pages.
  CHECK(r.memory.read_requests * 8 >= r.memory.swap_in_bytes / kPage);
  CHECK(r.memory.read_requests < r.memory.swap_in_bytes / kPage);
  // The server waited at least for every swap-in byte at the SSD's read bandwidth and every
  // request's latency (writes only add to that).
  double stall_s = 0;
  for (const auto& i : w.memory_stall)
    stall_s += i.end_s - i.begin_s;
  CHECK(stall_s >= static_cast<double>(r.memory.swap_in_bytes) / 2e9 + r.memory.fault_waits * 100e-6);
}

namespace {

// Everything a run produced, printed with round-trip precision.
std::string fingerprint(const analysis::HostResult& r) {
  std::string out;
  char buf[256];
  for (const auto& w : r.workloads) {
    out += w.name + " " + status(w) + " " + std::to_string(llm(w).decode_steps) + "\n";
    for (const auto& q : llm(w).requests) {
      std::snprintf(buf, sizeof buf, "%.17g %.17g %.17g %.17g %u %d %s\n", q.arrival_s, q.admitted_s,
                    q.first_token_s, q.finish_s, q.generated_tokens, q.failed, q.failure.c_str());
      out += buf;
    }
    for (const auto& i : w.memory_stall) {
      std::snprintf(buf, sizeof buf, "stall %.17g %.17g\n", i.begin_s, i.end_s);
      out += buf;
    }
  }
  const auto& m = r.memory;
  for (auto v : {m.major_faults, m.file_read_bytes, m.read_requests, m.swap_in_bytes, m.swap_out_bytes,
                 m.writeback_bytes, m.direct_reclaim_pages, m.kswapd_reclaim_pages, m.peak_anon_bytes})
    out += std::to_string(v) + " ";
  return out;
}

// Runs a loaded two-server scenario (swap, thrashing, batching) in a child process.
std::string fingerprint_in_child() {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    config::HostSpec host = test_host(6 * GiB);
    host.swap_bytes = 4 * GiB;
    config::Scenario sc = test_scenario(host, 30);
    auto a = test_server("a", 3 * GiB, WeightsMode::mmap);
    auto b = test_server("b", 2 * GiB, WeightsMode::load);
    for (auto& s : {a, b}) {
      s->max_batch = 4;
      s->kv_budget_bytes = 4 * 64 * s->kv_bytes_per_token();
      s->arrivals.rate_per_s = 3;
      s->arrivals.max_requests = 0;
      s->arrivals.output_tokens = 20;
    }
    sc.workloads = {a, b};
    const std::string text = fingerprint(engine::simulate_host(sc, sc.hosts[0]));
    const bool ok = write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size());
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return text;
}

}  // namespace

TEST_CASE("same scenario and seed give identical results in separate processes") {
  enable_invariant_checks();  // inherited by the children
  const std::string first = fingerprint_in_child();
  const std::string second = fingerprint_in_child();
  CHECK(first.size() > 1000);  // dozens of requests were recorded
  CHECK(first == second);
}

TEST_CASE("a mixture-of-experts decode step reads the shared weights and the routed experts only") {
  enable_invariant_checks();
  // 8 experts, 2 per token, params 1e9, active 0.4e9: experts X = (1e9 - 0.4e9) / (1 - 2/8) = 0.8e9,
  // shared S = 0.2e9. One sequence (1 token per decode step) reads S + X/4 = 0.4e9 of 1e9 params:
  // 40% of the resident weight pages, plus its resident KV pages, at 100 GB/s.
  const std::uint64_t weights = 2 * GiB;
  config::Scenario sc = test_scenario(test_host(16 * GiB), 100);
  auto server = test_server("moe", weights, WeightsMode::mmap);
  server->model.active_params = 0.4e9;
  server->model.experts = 8;
  server->model.experts_per_token = 2;
  sc.workloads = {server};
  CHECK(server->model.weight_read_fraction(1) == doctest::Approx(0.4).epsilon(1e-12));
  // A batch of 4 tokens touches each expert with probability 1 - (3/4)^4.
  CHECK(server->model.weight_read_fraction(4) ==
        doctest::Approx((0.2e9 + 0.8e9 * (1 - std::pow(0.75, 4))) / 1e9).epsilon(1e-12));
  analysis::HostResult r = run(sc);
  const auto& req = only_request(r.workloads.at(0));
  REQUIRE(req.finish_s > 0);
  double expected_s = 0;
  for (std::uint32_t g = 1; g < 50; ++g)
    expected_s += (0.4 * static_cast<double>(weights) + static_cast<double>((4 + g - 1) * kPage)) / 100e9;
  CHECK(close_rel(req.finish_s - req.first_token_s, expected_s, 1e-9));
}

TEST_CASE("the engine never opens a trace: the requests parsed at load time are served") {
  config::Scenario sc = test_scenario(test_host(16 * GiB), 100);
  auto server = test_server("llm", 1 * GiB, WeightsMode::mmap);
  server->arrivals.kind = workloads::ArrivalSpec::Kind::trace;
  server->arrivals.trace_path = "/nonexistent/trace.csv";  // would fail if anything opened it
  server->arrivals.trace_requests =
      std::make_shared<const std::vector<workloads::Request>>(std::vector<workloads::Request>{{1.5, 4, 10, {}}, {200, 4, 10, {}}});
  sc.workloads = {server};
  const analysis::HostResult r = run(sc);
  const auto& reqs = llm(r.workloads.at(0)).requests;
  REQUIRE(reqs.size() == 1);  // the second arrives after the 100 s horizon
  CHECK(reqs[0].arrival_s == 1.5);
  CHECK(reqs[0].finish_s > 1.5);
  CHECK(r.workloads.at(0).peak.file_mapped_bytes == 1 * GiB);  // the whole mmapped model was read
}

TEST_CASE("a server stopped at stop_at frees its memory and gets no traffic after the stop") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(16 * GiB), 100);
  auto server = poisson_server("llm", 1 * GiB, WeightsMode::load, 0.5);
  server->stop_at_s = 40;
  sc.workloads = {server};
  const analysis::HostResult r = run(sc);
  const auto& w = r.workloads.at(0);
  CHECK(status(w) == "stopped");
  CHECK(w.end_s == doctest::Approx(40).epsilon(1e-12));
  // Its traffic is the run window's: the same seeded draws as a server of horizon 40 s.
  const auto expected = workloads::poisson_requests(server->arrivals, 0, 40, sc.seed + 0);
  REQUIRE(llm(w).requests.size() == expected.size());
  CHECK(expected.size() > 10);  // about 20 expected at 0.5/s over 40 s
  std::size_t completed_after_stop = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(llm(w).requests[i].arrival_s == expected[i].arrival_s);
    completed_after_stop += llm(w).requests[i].finish_s > 40;
  }
  CHECK(completed_after_stop == 0);
  CHECK(w.peak.anon_bytes >= 1 * GiB);  // the loaded weights were held until the stop
}

TEST_CASE("a server started at start_at gets its traffic from its start: the same gaps, shifted") {
  config::Scenario sc = test_scenario(test_host(16 * GiB), 100);
  auto server = poisson_server("llm", 1 * GiB, WeightsMode::mmap, 0.5);
  server->start_at_s = 30;
  sc.workloads = {server};
  const analysis::HostResult r = run(sc);
  const auto& requests = llm(r.workloads.at(0)).requests;
  // Gaps drawn as for a window [0, 70 s), each arrival 30 s later (30 + x rounds like x + 30).
  const auto offsets = workloads::poisson_requests(server->arrivals, 0, 70, sc.seed + 0);
  std::size_t expected = 0;
  for (const auto& q : offsets) expected += 30 + q.arrival_s < 100;
  REQUIRE(requests.size() == expected);
  REQUIRE(expected > 10);
  for (std::size_t i = 0; i < requests.size(); ++i) CHECK(requests[i].arrival_s == 30 + offsets[i].arrival_s);
  CHECK(requests.front().arrival_s > 30);
}
