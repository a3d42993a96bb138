#include <doctest/doctest.h>

#include "analysis/summary.hpp"
#include "fixtures.hpp"

using namespace headroom::analysis;
using headroom::analysis::testing::kGiB;
using headroom::analysis::testing::small_host;

TEST_CASE("workload summary: counts, TTFT, TPOT, end-to-end, queue wait, tokens/s") {
  WorkloadResult w = small_host().workloads[0];
  RequestRecord failed;
  failed.arrival_s = 2;
  failed.failed = true;
  failed.failure = "oom-killed";
  RequestRecord waiting;  // still queued at the horizon
  waiting.arrival_s = 9.5;
  RequestRecord running = testing::request(8, 8, 8.5, -1, 3);
  w.requests.push_back(failed);
  w.requests.push_back(waiting);
  w.requests.push_back(running);
  const auto s = summarize_workload(w, 10);
  CHECK(s.requests_arrived == 5);
  CHECK(s.requests_completed == 2);
  CHECK(s.requests_failed == 1);
  CHECK(s.requests_unfinished == 2);
  CHECK(s.failure_reasons.at("oom-killed") == 1);
  CHECK(s.generated_tokens == 15);
  CHECK(s.tokens_per_s == doctest::Approx(1.5).epsilon(1e-15));
  // TTFT: 1-0, 3-1, 8.5-8 -> {1, 2, 0.5}
  CHECK(s.ttft_s.count == 3);
  CHECK(*s.ttft_s.p50 == 1);
  CHECK(*s.ttft_s.p99 == 2);
  // TPOT: (5-1)/4 = 1, (9-3)/6 = 1 -> both exactly 1 s/token
  CHECK(s.tpot_s.count == 2);
  CHECK(*s.tpot_s.p50 == 1);
  // end-to-end: 5 and 8
  CHECK(*s.e2e_s.p50 == 5);
  CHECK(*s.e2e_s.p99 == 8);
  // queue wait: 0.5, 1, 0 (the running request); never admitted requests are not counted
  CHECK(s.queue_wait_s.count == 3);
  CHECK(*s.queue_wait_s.max == 1);
  CHECK(s.memory_stall_s == 1);
}

TEST_CASE("refault bytes: disk reads beyond the page-rounded cold start") {
  HostResult h = small_host();
  CHECK(refault_bytes(h) == 0);
  h.workloads[0].weights_bytes = 10000;  // rounds up to 3 pages = 12288 bytes
  h.memory.file_read_bytes = 20000;
  h.memory.swap_in_bytes = 4096;
  CHECK(refault_bytes(h) == 20000 + 4096 - 12288);
  h.memory.file_read_bytes = 0;
  h.memory.swap_in_bytes = 0;
  CHECK(refault_bytes(h) == 0);  // floored, never wraps
}

TEST_CASE("verdict: fits when only the cold start read the disk") {
  const HostResult h = small_host();
  const auto s = summarize_host(h);
  CHECK(s.verdict.verdict == Verdict::fits);
  CHECK(s.verdict.reason.find("memory stall some 10.0%") != std::string::npos);
}

TEST_CASE("verdict: a long cold start alone is not thrashing") {
  HostResult h = small_host();
  h.workloads[0].memory_stall = {{0, 5}};  // 50% of the horizon reading weights once
  CHECK(summarize_host(h).verdict.verdict == Verdict::fits);
}

TEST_CASE("verdict: oom on a kill, a failed start or a memory failure, not on context too long") {
  HostResult killed = small_host();
  killed.memory.oom_kills = 1;
  CHECK(summarize_host(killed).verdict.verdict == Verdict::oom);

  HostResult refused = small_host();
  refused.workloads[0].status = "failed-to-start";
  refused.workloads[0].status_detail = "wired limit exceeded";
  const auto refused_summary = summarize_host(refused);
  CHECK(refused_summary.verdict.verdict == Verdict::oom);
  CHECK(refused_summary.verdict.reason == "chat failed-to-start (wired limit exceeded)");

  HostResult too_long = small_host();
  too_long.workloads[0].requests[0].failed = true;
  too_long.workloads[0].requests[0].failure = "context too long";
  CHECK(summarize_host(too_long).verdict.verdict == Verdict::fits);
  too_long.workloads[0].requests[1].failed = true;
  too_long.workloads[0].requests[1].failure = "wired limit exceeded";
  CHECK(summarize_host(too_long).verdict.verdict == Verdict::oom);
}

TEST_CASE("verdict: thrashing when re-reads exceed RAM or stalls pass 25% with re-reads") {
  HostResult reread = small_host();
  reread.memory.file_read_bytes = 10 * kGiB + 96 * kGiB;  // cold start + 1x RAM
  CHECK(summarize_host(reread).verdict.verdict == Verdict::thrashing);
  reread.memory.file_read_bytes -= 4096;  // just under 1x RAM, stall 10% => only pressured
  CHECK(summarize_host(reread).verdict.verdict == Verdict::pressured);

  HostResult stalled = small_host();
  stalled.memory.swap_in_bytes = 4096;
  stalled.workloads[0].memory_stall = {{0, 2.5}};  // exactly 25%
  CHECK(summarize_host(stalled).verdict.verdict == Verdict::thrashing);
  stalled.workloads[0].memory_stall = {{0, 2.4}};
  CHECK(summarize_host(stalled).verdict.verdict == Verdict::pressured);
}

TEST_CASE("verdict: pressured on any reclaim or swap-out") {
  HostResult reclaim = small_host();
  reclaim.memory.kswapd_reclaim_pages = 1;
  CHECK(summarize_host(reclaim).verdict.verdict == Verdict::pressured);
  HostResult swap = small_host();
  swap.memory.swap_out_bytes = 4096;
  CHECK(summarize_host(swap).verdict.verdict == Verdict::pressured);
  CHECK(std::string(to_string(Verdict::thrashing)) == "thrashing");
}

TEST_CASE("verdict: a workload pushed to the CPU by the wired limit is named in the reason") {
  HostResult h = small_host();
  h.workloads[0].status_detail = "fell back to the CPU: weights 10 bytes + KV 2 bytes exceed the GPU wired limit 8 bytes";
  const HostSummary s = summarize_host(h);
  CHECK(s.verdict.verdict == Verdict::fits);
  const std::string& reason = s.verdict.reason;
  CHECK(reason.find("; " + h.workloads[0].name + " fell back to the CPU: weights 10 bytes") != std::string::npos);
  h.workloads[0].status_detail.clear();
  CHECK(summarize_host(h).verdict.reason.find("fell back") == std::string::npos);
}
