#include <doctest/doctest.h>

#include "analysis/report.hpp"
#include "analysis/result_json.hpp"
#include "analysis/summary.hpp"
#include "fixtures.hpp"

using namespace headroom::analysis;

// `headroom compare` moves every HostResult through this JSON: a field missing from
// result_json.cpp would silently read back as its default in compare but not in run.
TEST_CASE("child transport round-trips every field exactly") {
  HostResult h = testing::small_host();
  h.memory.peak_anon_bytes = 1;
  h.memory.peak_unevictable_bytes = 2;
  h.memory.peak_swap_bytes = 3;
  h.memory.major_faults = 4;
  h.memory.fault_read_ios = 5;
  h.memory.fault_waits = 4;
  h.memory.swap_in_bytes = 6;
  h.memory.swap_out_bytes = 7;
  h.memory.writeback_bytes = 8;
  h.memory.direct_reclaim_pages = 9;
  h.memory.kswapd_reclaim_pages = 10;
  h.memory.oom_kills = 11;
  h.memory.watermark_min_bytes = 12;
  h.memory.watermark_low_bytes = 13;
  h.memory.watermark_high_bytes = 14;
  h.workloads[0].requests[0].arrival_s = 0.1;  // not exactly representable: must survive bit for bit
  h.workloads[0].requests[0].failure = "quote \" and newline \n";
  h.workloads[0].decode_steps = 15;
  h.workloads[0].prefill_steps = 16;
  h.workloads[0].kv_budget_bytes = 17;
  h.workloads[0].status_detail = "detail";
  const HostResult back = host_result_from_json(host_result_to_json(h));
  CHECK(host_result_to_json(back) == host_result_to_json(h));
  CHECK(back.workloads[0].requests[0].arrival_s == 0.1);
  CHECK(back.memory.fault_read_ios == 5);
  CHECK(back.memory.fault_waits == 4);
  CHECK(back.memory.watermark_high_bytes == 14);
  CHECK(back.workloads[0].prefill_steps == 16);
}

// Fails when someone adds a field to results.hpp: then list it in result_json.cpp (and in the
// report if it is a figure users need), and update the sizes here.
TEST_CASE("results.hpp layout is the one result_json.cpp serialises") {
  CHECK(sizeof(RequestRecord) == 4 * sizeof(double) + 3 * sizeof(std::uint32_t) + 4 + sizeof(std::string));
  CHECK(sizeof(MemoryResult) == 18 * sizeof(std::uint64_t));
  CHECK(sizeof(Interval) == 2 * sizeof(double));
}

// `compare` children send summarised(result) instead of every request record; the parent must
// print exactly what `run` prints from the full result.
TEST_CASE("a summarised host renders exactly as the full one, after the round trip") {
  HostResult h = testing::small_host();
  RequestRecord failed = testing::request(2, -1, -1, -1, 0);
  failed.failed = true;
  failed.failure = "oom-killed";
  h.workloads[0].requests.push_back(failed);
  h.workloads[0].requests[0].arrival_s = 0.1;  // inexact doubles must survive bit for bit
  ScenarioResult full;
  full.scenario = "s";
  full.hosts = {h, testing::small_host("h128", 128)};
  ScenarioResult shipped = full;
  for (HostResult& host : shipped.hosts) host = host_result_from_json(host_result_to_json(summarised(host)));
  CHECK(shipped.hosts[0].workloads[0].requests.empty());
  CHECK(shipped.hosts[0].workloads[0].busy.empty());
  REQUIRE(shipped.hosts[0].summary != nullptr);
  CHECK(shipped.hosts[0].summary->workloads[0].requests_failed == 1);
  for (Format format : {Format::md, Format::json, Format::csv}) CHECK(render(shipped, format) == render(full, format));
}
