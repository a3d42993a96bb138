#include <doctest/doctest.h>

#include "analysis/summary.hpp"
#include "fixtures.hpp"

using namespace headroom::analysis;
using headroom::analysis::testing::kGiB;
using headroom::analysis::testing::llm;
using headroom::analysis::testing::small_host;

namespace {
// The host's memory verdict is `memory`, and its service part falls behind with a reason that
// starts with `reason_start`.
void check_falls_behind(const HostResult& h, Verdict memory, const std::string& reason_start) {
  const HostSummary s = summarize_host(h);
  CHECK(s.verdict.verdict == memory);
  CHECK(s.service.verdict == ServiceVerdict::falls_behind);
  CHECK(s.service.reason.substr(0, reason_start.size()) == reason_start);
}
}  // namespace

TEST_CASE("llm-server summary: counts, TTFT, TPOT, end-to-end, queue wait, tokens/s") {
  WorkloadResult w = small_host().workloads[0];
  RequestRecord failed;
  failed.arrival_s = 2;
  failed.failed = true;
  failed.failure = "oom-killed";
  RequestRecord waiting;  // still queued at the horizon
  waiting.arrival_s = 9.5;
  RequestRecord running = testing::request(8, 8, 8.5, -1, 3);
  llm(w).requests.push_back(failed);
  llm(w).requests.push_back(waiting);
  llm(w).requests.push_back(running);
  const WorkloadSummary summary = summarize_workload(w, 10);
  const auto& s = summary.kind.metrics;
  CHECK(s.at("requests_arrived") == 5);
  CHECK(s.at("requests_completed") == 2);
  CHECK(s.at("requests_failed") == 1);
  CHECK(s.at("requests_unfinished") == 2);
  CHECK(s.at("failure_reasons").at("oom-killed") == 1);
  CHECK(s.at("generated_tokens") == 15);
  CHECK(s.at("tokens_per_s").get<double>() == doctest::Approx(1.5).epsilon(1e-15));
  // TTFT: 1-0, 3-1, 8.5-8 -> {1, 2, 0.5}
  CHECK(s.at("ttft_s").at("count") == 3);
  CHECK(s.at("ttft_s").at("p50") == 1);
  CHECK(s.at("ttft_s").at("p99") == 2);
  // TPOT: (5-1)/4 = 1, (9-3)/6 = 1 -> both exactly 1 s/token
  CHECK(s.at("tpot_s").at("count") == 2);
  CHECK(s.at("tpot_s").at("p50") == 1);
  // end-to-end: 5 and 8
  CHECK(s.at("e2e_s").at("p50") == 5);
  CHECK(s.at("e2e_s").at("p99") == 8);
  // queue wait: 0.5, 1, 0 (the running request); never admitted requests are not counted
  CHECK(s.at("queue_wait_s").at("count") == 3);
  CHECK(s.at("queue_wait_s").at("max") == 1);
  CHECK(s.at("memory_stall_s") == 1);
  CHECK(summary.memory_stall_s == 1);
  CHECK(summary.busy_s == 9);
  // Keys in the order the goldens always had.
  std::vector<std::string> keys;
  for (const auto& [key, value] : s.items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"requests_arrived", "requests_completed", "requests_failed",
                                         "requests_unfinished", "failure_reasons", "generated_tokens",
                                         "tokens_per_s", "ttft_s", "tpot_s", "e2e_s", "queue_wait_s",
                                         "memory_stall_s"});
  // Service: 5 arrived, 2 completed, 1 failed, 2 in the backlog at 10 s; at 5 s the backlog was
  // the request arriving at 1 s (finished at 9) and the failed one does not count: 1.
  const ServiceSummary& service = summary.kind.service;
  CHECK(service.arrived == 5);
  CHECK(service.completed == 2);
  CHECK(service.failed == 1);
  CHECK(service.backlog == 2);
  CHECK(service.backlog_growth == 1);
  CHECK(service.failures.at("oom-killed") == 1);
  CHECK_FALSE(service.keeps_up);  // 2 of 5 < half
}

TEST_CASE("statuses and causes: strings, parsing back, memory causes") {
  for (int i = 0; i <= static_cast<int>(WorkloadStatus::oom_killed); ++i) {
    const auto status = static_cast<WorkloadStatus>(i);
    CHECK(workload_status_from(to_string(status)) == status);
  }
  CHECK(std::string(to_string(WorkloadStatus::not_started)) == "not-started");
  CHECK(std::string(to_string(WorkloadStatus::failed_to_start)) == "failed-to-start");
  for (int i = 0; i <= static_cast<int>(kLastCause); ++i) {
    const auto cause = static_cast<Cause>(i);
    CHECK(cause_from(to_string(cause)) == cause);
  }
  CHECK(std::string(to_string(Cause::context_too_long)) == "context too long");
  CHECK(is_memory_cause(Cause::oom_kill));
  CHECK(is_memory_cause(Cause::group_oom_kill));
  CHECK(is_memory_cause(Cause::wired_limit));
  CHECK_FALSE(is_memory_cause(Cause::context_too_long));
  CHECK_FALSE(is_memory_cause(Cause::predecessor_failed));
  CHECK_FALSE(is_memory_cause(Cause::none));
}

TEST_CASE("verdict: fits when only the cold start read the disk") {
  const HostResult h = small_host();
  const auto s = summarize_host(h);
  CHECK(s.verdict.verdict == Verdict::fits);
  CHECK(s.verdict.reason.find("memory stall some 10.0%") != std::string::npos);
  CHECK(s.service.verdict == ServiceVerdict::keeps_up);
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
  refused.workloads[0].status = WorkloadStatus::failed_to_start;
  refused.workloads[0].cause = Cause::wired_limit;
  refused.workloads[0].status_detail = "wired limit exceeded";
  const auto refused_summary = summarize_host(refused);
  CHECK(refused_summary.verdict.verdict == Verdict::oom);
  CHECK(refused_summary.verdict.reason == "chat failed-to-start (wired limit exceeded)");
  CHECK(refused_summary.service.verdict == ServiceVerdict::falls_behind);

  HostResult too_long = small_host();
  llm(too_long.workloads[0]).requests[0].failed = true;
  llm(too_long.workloads[0]).requests[0].failure = "context too long";
  CHECK(summarize_host(too_long).verdict.verdict == Verdict::fits);
  llm(too_long.workloads[0]).requests[1].failed = true;
  llm(too_long.workloads[0]).requests[1].failure = "wired limit exceeded";
  CHECK(summarize_host(too_long).verdict.verdict == Verdict::oom);
}

TEST_CASE("verdict: a workload skipped for its predecessor is not a memory failure of its own") {
  HostResult h = small_host();
  h.workloads[0].status = WorkloadStatus::skipped;
  h.workloads[0].cause = Cause::predecessor_failed;
  h.workloads[0].status_detail = "predecessor 'prep' oom-killed";
  check_falls_behind(h, Verdict::fits, "chat skipped: ");
}

TEST_CASE("verdict: thrashing when re-reads exceed RAM or stalls pass 25% with re-reads") {
  HostResult reread = small_host();
  reread.memory.refault_file_bytes = 96 * kGiB;  // 1x RAM
  CHECK(summarize_host(reread).verdict.verdict == Verdict::thrashing);
  reread.memory.refault_file_bytes -= 4096;  // just under 1x RAM, stall 10% => only pressured
  CHECK(summarize_host(reread).verdict.verdict == Verdict::pressured);

  HostResult stalled = small_host();
  stalled.memory.refault_anon_bytes = 4096;
  stalled.workloads[0].memory_stall = {{0, 2.5}};  // exactly 25%
  CHECK(summarize_host(stalled).verdict.verdict == Verdict::thrashing);
  stalled.workloads[0].memory_stall = {{0, 2.4}};
  CHECK(summarize_host(stalled).verdict.verdict == Verdict::pressured);
}

TEST_CASE("verdict: the refault figure is the manager's refault count, not disk reads") {
  HostResult h = small_host();
  h.memory.file_read_bytes = 500 * kGiB;  // a 500 GiB corpus read once: no refault
  const auto s = summarize_host(h);
  CHECK(s.host->memory.refault_bytes() == 0);
  CHECK(s.verdict.verdict == Verdict::fits);
  CHECK(s.verdict.reason == "no reclaim, no swap, no re-reads; memory stall some 10.0%, full 10.0% of the horizon");
  h.memory.refault_file_bytes = 3 * kGiB;
  h.memory.refault_anon_bytes = 1 * kGiB;
  CHECK(summarize_host(h).verdict.reason ==
        "reclaimed 0.00 GiB, swapped out 0.00 GiB, re-read 4.00 GiB after eviction (refaults, 0.04x RAM); "
        "memory stall some 10.0%, full 10.0% of the horizon");
}

namespace {
// The host's memory verdict and its reason, exactly.
void check_verdict(const HostResult& h, Verdict verdict, const std::string& reason) {
  const HostSummary s = summarize_host(h);
  CHECK(s.verdict.verdict == verdict);
  CHECK(s.verdict.reason == reason);
}

// small_host with chat in group `name` (memory.max `max_gib`, none when 0).
HostResult grouped_host(const std::string& name, std::uint64_t max_gib) {
  HostResult h = small_host();
  h.workloads[0].group = name;
  GroupResult g;
  g.name = name;
  if (max_gib > 0) g.max_bytes = max_gib * kGiB;
  h.groups.push_back(g);
  return h;
}
}  // namespace

TEST_CASE("verdict: a group OOM kill is oom, the reason naming the group") {
  HostResult h = grouped_host("db", 2);
  h.memory.oom_kills = 1;
  h.groups[0].events_oom = 1;
  h.groups[0].events_oom_kill = 1;
  h.workloads[0].status = WorkloadStatus::oom_killed;
  h.workloads[0].cause = Cause::group_oom_kill;
  h.workloads[0].status_detail = "killed by the OOM killer of group 'db' (memory.max reached) at 3.000000 s";
  check_verdict(h, Verdict::oom,
        "1 OOM kill(s); group 'db' (memory.max 2.00 GiB): 1 OOM event(s) at its memory.max, 1 OOM kill(s) inside it; "
        "chat oom-killed (killed by the OOM killer of group 'db' (memory.max reached) at 3.000000 s)");
}

TEST_CASE("verdict: reclaim at a group's memory.max makes the host pressured, naming the group") {
  HostResult h = grouped_host("db", 2);
  h.memory.direct_reclaim_pages = 262144;  // 1 GiB, counted by the host too
  h.groups[0].reclaim_bytes = 1 * kGiB;
  h.groups[0].events_max = 5;
  check_verdict(h, Verdict::pressured,
        "reclaimed 1.00 GiB, swapped out 0.00 GiB, re-read 0.00 GiB after eviction (refaults, 0.00x RAM); "
        "memory stall some 10.0%, full 10.0% of the horizon; "
        "group 'db' (memory.max 2.00 GiB, memory.high max): reclaimed 1.00 GiB, 5 memory.max event(s), "
        "0 memory.high event(s), throttled 0 s at memory.high, re-read 0.00 GiB after eviction (refaults, 0.00x its "
        "memory.max); memory stall some 10.0%, full 10.0% of the horizon");
  // A memory.max event alone (no reclaim figure) is pressure too.
  HostResult events = grouped_host("db", 2);
  events.groups[0].events_max = 1;
  CHECK(summarize_host(events).verdict.verdict == Verdict::pressured);
}

TEST_CASE("verdict: a memory.high throttle alone makes the host pressured") {
  HostResult h = grouped_host("web", 0);
  h.workloads[0].group = "";  // chat is in the root: the group's PSI is empty
  h.groups[0].high_bytes = 1 * kGiB;
  h.groups[0].events_high = 3;
  h.groups[0].high_throttle_s = 0.25;
  check_verdict(h, Verdict::pressured,
        "group 'web' (memory.max max, memory.high 1.00 GiB): reclaimed 0.00 GiB, 0 memory.max event(s), "
        "3 memory.high event(s), throttled 0.25 s at memory.high, re-read 0.00 GiB after eviction (refaults, 0.00x "
        "RAM); memory stall some 0.0%, full 0.0% of the horizon");
  const HostSummary s = summarize_host(h);
  REQUIRE(s.group_psi.size() == 1);
  CHECK(s.group_psi[0].some_s == 0);
  // A group with no event, reclaim, throttle or refault leaves the host at fits.
  CHECK(summarize_host(grouped_host("idle", 2)).verdict.verdict == Verdict::fits);
}

TEST_CASE("verdict: a group re-reading its memory.max thrashes, though the host's RAM is large") {
  HostResult h = grouped_host("db", 2);
  h.groups[0].refault_file_bytes = 2 * kGiB;  // 1x its memory.max; 0.02x the host's RAM
  h.groups[0].reclaim_bytes = 2 * kGiB;
  h.groups[0].events_max = 7;
  h.memory.refault_file_bytes = 2 * kGiB;
  h.memory.direct_reclaim_pages = 524288;
  const std::string group_part =
      "group 'db' (memory.max 2.00 GiB, memory.high max): reclaimed 2.00 GiB, 7 memory.max event(s), 0 memory.high "
      "event(s), throttled 0 s at memory.high, re-read 2.00 GiB after eviction (refaults, 1.00x its memory.max); "
      "memory stall some 10.0%, full 10.0% of the horizon";
  check_verdict(h, Verdict::thrashing, group_part);
  // Just under 1x its memory.max with 10% stall: the group is only pressured, and so is the host.
  h.groups[0].refault_file_bytes -= 4096;
  HostSummary s = summarize_host(h);
  CHECK(s.verdict.verdict == Verdict::pressured);
  CHECK(s.verdict.reason.find("; group 'db' (memory.max 2.00 GiB") != std::string::npos);
  // The group's own PSI decides as the host's does: one refault and 25% of the horizon stalled.
  h.groups[0].refault_file_bytes = 0;
  h.groups[0].refault_anon_bytes = 4096;
  h.workloads[0].memory_stall = {{0, 2.5}};
  h.memory.refault_file_bytes = 0;  // host: no refault, so only the group can thrash
  s = summarize_host(h);
  CHECK(s.verdict.verdict == Verdict::thrashing);
  CHECK(s.verdict.reason.substr(0, 10) == "group 'db'");
  CHECK(s.verdict.reason.find("memory stall some 25.0%, full 25.0%") != std::string::npos);
}

TEST_CASE("verdict: a group with memory.max above the RAM is measured against the RAM") {
  HostResult h = grouped_host("big", 200);
  h.groups[0].refault_file_bytes = 48 * kGiB;
  h.memory.refault_file_bytes = 48 * kGiB;
  const HostSummary s = summarize_host(h);
  CHECK(s.verdict.verdict == Verdict::pressured);  // 0.5x RAM, 10% stall
  CHECK(s.verdict.reason.find("re-read 48.00 GiB after eviction (refaults, 0.50x RAM); memory stall some 10.0%, "
                              "full 10.0% of the horizon; group 'big'") != std::string::npos);
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
  h.workloads[0].fell_back = true;
  h.workloads[0].cause = Cause::wired_limit;
  h.workloads[0].status_detail = "fell back to the CPU: weights 10 bytes + KV 2 bytes exceed the GPU wired limit 8 bytes";
  const HostSummary s = summarize_host(h);
  CHECK(s.verdict.verdict == Verdict::fits);
  const std::string& reason = s.verdict.reason;
  CHECK(reason.find("; " + h.workloads[0].name + " fell back to the CPU: weights 10 bytes") != std::string::npos);
  h.workloads[0].fell_back = false;
  CHECK(summarize_host(h).verdict.reason.find("fell back") == std::string::npos);
}

// The first example (scenarios/azure-trace.yaml on the M2 Max): 1 of 24 requests
// completed, TTFT p50 317 s, memory "fits". Service must not read as fine.
TEST_CASE("service: a host completing 1 of 24 requests falls behind, and is named") {
  HostResult h = small_host("m2-max-96");
  h.horizon_s = 900;
  auto& reqs = llm(h.workloads[0]).requests;
  reqs.clear();
  reqs.push_back(testing::request(0, 0, 317, 330, 50));  // the one completed
  for (int i = 1; i < 24; ++i) reqs.push_back(testing::request(30.0 * i, -1, -1, -1, 0));
  for (auto& r : reqs) r.output_tokens = 50;
  check_falls_behind(h, Verdict::fits, "chat falls behind: completed 1 of 24 requests, backlog 23");
}

// The second example: batch 24, every host fell back to the CPU and completed nothing.
TEST_CASE("service: a fallen-back server that completed nothing falls behind, with its fallback named") {
  HostResult h = small_host();
  h.workloads[0].fell_back = true;
  h.workloads[0].cause = Cause::wired_limit;
  h.workloads[0].status_detail = "fell back to the CPU: weights 1 bytes + KV 2 bytes exceed the GPU wired limit 0 bytes";
  llm(h.workloads[0]).max_batch = 24;
  for (auto& r : llm(h.workloads[0]).requests) {
    r.first_token_s = r.finish_s = -1;
    r.generated_tokens = 0;
  }
  check_falls_behind(h, Verdict::fits, "chat falls behind: completed 0 of 2 requests (" + h.workloads[0].status_detail + ")");
}

TEST_CASE("service rule: completed share, backlog growth beyond the concurrency") {
  ServiceSummary s;
  s.unit = "request";
  s.arrived = 10;
  s.completed = 5;
  s.backlog = 5;
  s.backlog_growth = 0;
  judge_service(s);
  CHECK(s.keeps_up);  // exactly half
  s.completed = 4;
  judge_service(s);
  CHECK_FALSE(s.keeps_up);
  s.completed = 8;
  s.backlog = 2;
  s.backlog_growth = 2;  // 0 -> 2: within 2 x concurrency 1
  judge_service(s);
  CHECK(s.keeps_up);
  s.backlog = 3;
  s.backlog_growth = 3;  // 0 -> 3 > 2 x max(1, 0)
  judge_service(s);
  CHECK_FALSE(s.keeps_up);
  s.concurrency = 8;  // 3 in service of 8 slots: not a growing queue
  judge_service(s);
  CHECK(s.keeps_up);
  s.arrived = s.completed = s.backlog = 0;
  s.backlog_growth = 0;
  judge_service(s);
  CHECK(s.keeps_up);
  CHECK(s.reason == "no requests arrived");
}
