#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <tuple>

#include "analysis/report.hpp"
#include "analysis/result_json.hpp"
#include "analysis/summary.hpp"
#include "fixtures.hpp"

using namespace headroom::analysis;
using headroom::analysis::testing::llm;

namespace {

// Every field of a HostResult with a value no other field has (and no default), so that a field
// a writer or the transport leaves out, or mixes up with another, fails a check below.
HostResult distinct_host() {
  HostResult h = testing::small_host();
  h.name = "host-a";
  h.description = "desc-b";
  h.ram_bytes = 1001ull << 20;
  h.page_bytes = 8192;
  h.mem_bw_effective_Bps = 1.25e9;
  h.horizon_s = 10;
  h.policy = "policy-c";
  std::uint64_t v = 101;
  for (std::uint64_t* field :
       {&h.memory.total_bytes, &h.memory.peak_file_bytes, &h.memory.peak_anon_bytes,
        &h.memory.peak_unevictable_bytes, &h.memory.peak_swap_bytes, &h.memory.major_faults,
        &h.memory.file_read_bytes, &h.memory.read_requests, &h.memory.fault_waits, &h.memory.swap_in_bytes,
        &h.memory.swap_out_bytes, &h.memory.writeback_bytes, &h.memory.direct_reclaim_pages,
        &h.memory.kswapd_reclaim_pages, &h.memory.oom_kills, &h.memory.refault_file_bytes,
        &h.memory.refault_anon_bytes, &h.memory.watermark_min_bytes, &h.memory.watermark_low_bytes,
        &h.memory.watermark_high_bytes})
    *field = v++;
  h.groups.resize(2);
  GroupResult& g = h.groups[0];
  g.name = "group-e";  // the workload's group: its PSI is the workload's
  g.max_bytes = 401;
  g.high_bytes = 402;
  g.swap_max_bytes = 403;
  v = 404;
  for (std::uint64_t* field :
       {&g.min_bytes, &g.low_bytes, &g.usage_bytes, &g.peak_usage_bytes, &g.file_bytes, &g.anon_bytes,
        &g.swap_bytes, &g.peak_swap_bytes, &g.major_faults, &g.read_requests, &g.refault_file_bytes, &g.refault_anon_bytes,
        &g.reclaim_bytes, &g.events_low, &g.events_high, &g.events_max, &g.events_oom, &g.events_oom_kill})
    *field = v++;
  g.high_throttle_s = 0.7;
  h.groups[1].name = "group-f";  // limits "max": null
  WorkloadResult& w = h.workloads[0];
  w.name = "work-d";
  w.group = "group-e";
  w.status = WorkloadStatus::stopped;
  w.cause = Cause::wired_limit;
  w.status_detail = "quote \" and newline \n";
  w.fell_back = true;
  w.start_s = 0.1;  // not exactly representable: must survive bit for bit
  w.end_s = 7.3;
  w.busy = {{0.2, 3.5}};
  w.memory_stall = {{0.3, 1.7}};
  w.peak = {201, 202, 203, 204};
  w.slo.targets = {{headroom::SloMetric::tpot, headroom::SloStat::p90, 0.125}};
  w.slo.deadline_s = 0.7;
  auto& data = llm(w);
  data.device = "gpu";
  data.weights_bytes = 301;
  data.kv_budget_bytes = 302;
  data.max_batch = 303;
  data.decode_steps = 304;
  data.prefill_steps = 305;
  return h;
}

// Every common field of a workload and of a host, for comparing two of them at once.
auto common_fields(const WorkloadResult& w) {
  return std::tie(w.name, w.kind, w.group, w.status, w.cause, w.status_detail, w.fell_back, w.start_s, w.end_s,
                  w.peak.anon_bytes, w.peak.file_mapped_bytes, w.peak.wired_bytes, w.peak.swap_bytes);
}
auto host_fields(const HostResult& h) {
  return std::tie(h.name, h.description, h.ram_bytes, h.page_bytes, h.mem_bw_effective_Bps, h.horizon_s, h.policy);
}
auto group_fields(const GroupResult& g) {
  return std::tie(g.name, g.max_bytes, g.high_bytes, g.swap_max_bytes, g.min_bytes, g.low_bytes, g.usage_bytes,
                  g.peak_usage_bytes, g.file_bytes, g.anon_bytes, g.swap_bytes, g.peak_swap_bytes, g.major_faults,
                  g.read_requests, g.refault_file_bytes, g.refault_anon_bytes, g.reclaim_bytes, g.events_low, g.events_high,
                  g.events_max, g.events_oom, g.events_oom_kill, g.high_throttle_s);
}

}  // namespace

// `headroom compare` moves every HostResult through this JSON: a field missing from
// result_json.cpp would silently read back as its default in compare but not in run.
TEST_CASE("child transport round-trips every field exactly") {
  const HostResult h = distinct_host();
  const HostResult shipped = summarised(h);
  const HostResult back = host_result_from_json(host_result_to_json(shipped));
  CHECK(host_result_to_json(back) == host_result_to_json(shipped));
  CHECK((host_fields(back) == host_fields(h)));
  CHECK(back.workloads.at(0).slo.targets.at(0).key() == "tpot_p90");
  CHECK(back.workloads.at(0).slo.targets.at(0).limit_s == 0.125);
  CHECK(*back.workloads.at(0).slo.deadline_s == 0.7);
  CHECK(back.memory.refault_file_bytes == 116);
  CHECK(back.memory.refault_anon_bytes == 117);
  CHECK(back.memory.watermark_high_bytes == 120);
  REQUIRE(back.groups.size() == 2);
  CHECK((group_fields(back.groups[0]) == group_fields(h.groups[0])));
  CHECK((group_fields(back.groups[1]) == group_fields(h.groups[1])));
  CHECK_FALSE(back.groups[1].max_bytes.has_value());
  // Per-group PSI travels in the summary: the workload of group-e stalled 1.4 s of 10.
  REQUIRE(back.summary->group_psi.size() == 2);
  CHECK(back.summary->group_psi[0].some_s == group_pressure(h)[0].some_s);
  CHECK(back.summary->group_psi[0].some_fraction == group_pressure(h)[0].some_fraction);
  CHECK(back.summary->group_psi[0].full_s == group_pressure(h)[0].full_s);
  CHECK(back.summary->group_psi[0].full_fraction == group_pressure(h)[0].full_fraction);
  CHECK(back.summary->group_psi[0].some_s > 0);
  CHECK(back.summary->group_psi[1].some_s == 0);
  CHECK((common_fields(back.workloads[0]) == common_fields(h.workloads[0])));
  CHECK(back.workloads[0].start_s == 0.1);
  REQUIRE(back.summary != nullptr);
  // The summary carries what the raw records and intervals said.
  const WorkloadSummary& s = back.summary->workloads.at(0);
  const WorkloadSummary direct = summarize_workload(h.workloads[0], h.horizon_s);
  CHECK(s.busy_s == direct.busy_s);
  CHECK(s.memory_stall_s == direct.memory_stall_s);
  CHECK(s.kind.info == direct.kind.info);
  CHECK(s.kind.metrics.dump() == direct.kind.metrics.dump());
  CHECK(s.kind.units == direct.kind.units);
  CHECK(s.kind.placement == "gpu");
  CHECK(s.kind.rows.size() == direct.kind.rows.size());
  CHECK(s.kind.service.reason == direct.kind.service.reason);
  CHECK(s.kind.service.backlog_growth == direct.kind.service.backlog_growth);
  CHECK(s.kind.service.concurrency == 303);
}

TEST_CASE("the JSON report prints every result field with its value") {
  ScenarioResult r;
  r.scenario = "s";
  r.hosts = {distinct_host()};
  for (const bool shipped : {false, true}) {
    if (shipped) r.hosts[0] = host_result_from_json(host_result_to_json(summarised(r.hosts[0])));
    const auto json = nlohmann::json::parse(render_json(r));
    const auto& h = json.at("hosts").at(0);
    CHECK(h.at("name") == "host-a");
    CHECK(h.at("description") == "desc-b");
    CHECK(h.at("ram_bytes") == 1001ull << 20);
    CHECK(h.at("page_bytes") == 8192);
    CHECK(h.at("mem_bw_effective_Bps") == 1.25e9);
    CHECK(h.at("horizon_s") == 10);
    CHECK(h.at("policy") == "policy-c");
    const auto& m = h.at("memory");
    std::uint64_t v = 101;
    for (const char* key : {"managed_bytes", "peak_file_bytes", "peak_anon_bytes", "peak_unevictable_bytes",
                            "peak_swap_bytes", "major_faults", "file_read_bytes", "read_requests", "fault_waits",
                            "swap_in_bytes", "swap_out_bytes", "writeback_bytes", "direct_reclaim_pages",
                            "kswapd_reclaim_pages", "oom_kills", "refault_file_bytes", "refault_anon_bytes",
                            "watermark_min_bytes", "watermark_low_bytes", "watermark_high_bytes"})
      CHECK_MESSAGE(m.at(key) == v++, key);
    CHECK(m.at("refault_bytes") == 116 + 117);
    const auto& g = h.at("groups").at(0);
    CHECK(g.at("name") == "group-e");
    CHECK(g.at("limits") == nlohmann::json{{"max_bytes", 401}, {"high_bytes", 402}, {"swap_max_bytes", 403},
                                           {"min_bytes", 404}, {"low_bytes", 405}});
    v = 406;
    for (const char* key : {"usage_bytes", "peak_usage_bytes", "file_bytes", "anon_bytes", "swap_bytes",
                            "peak_swap_bytes", "major_faults", "read_requests", "refault_file_bytes",
                            "refault_anon_bytes", "reclaim_bytes"})
      CHECK_MESSAGE(g.at(key) == v++, key);
    CHECK(g.at("refault_bytes") == 414 + 415);
    CHECK(g.at("events") == nlohmann::json{{"low", 417}, {"high", 418}, {"max", 419}, {"oom", 420}, {"oom_kill", 421}});
    CHECK(g.at("high_throttle_s") == 0.7);
    CHECK(g.at("stall_some_s") == 1.4);
    CHECK(g.at("psi_some_fraction") == 0.14);
    CHECK(g.at("stall_full_s") == 1.4);  // busy 0.2-3.5, stalled 0.3-1.7: the one busy workload stalled
    const auto& f = h.at("groups").at(1);
    CHECK(f.at("name") == "group-f");
    CHECK(f.at("limits").at("max_bytes").is_null());
    CHECK(f.at("limits").at("high_bytes").is_null());
    CHECK(f.at("limits").at("swap_max_bytes").is_null());
    CHECK(f.at("stall_some_s") == 0);
    const auto& w = h.at("workloads").at(0);
    CHECK(w.at("name") == "work-d");
    CHECK(w.at("kind") == "llm-server");
    CHECK(w.at("group") == "group-e");
    CHECK(w.at("status") == "stopped");
    CHECK(w.at("cause") == "wired limit exceeded");
    CHECK(w.at("status_detail") == "quote \" and newline \n");
    CHECK(w.at("fell_back") == true);
    CHECK(w.at("start_s") == 0.1);
    CHECK(w.at("end_s") == 7.3);
    CHECK(w.at("peak") == nlohmann::json{{"anon_bytes", 201}, {"file_mapped_bytes", 202}, {"wired_bytes", 203}, {"swap_bytes", 204}});
    CHECK(w.at("busy_s") == 3.3);
    CHECK(w.at("metrics").at("memory_stall_s") == 1.4);
    CHECK(w.at("device") == "gpu");
    CHECK(w.at("weights_bytes") == 301);
    CHECK(w.at("kv_budget_bytes") == 302);
    CHECK(w.at("max_batch") == 303);
    CHECK(w.at("decode_steps") == 304);
    CHECK(w.at("prefill_steps") == 305);
    CHECK(w.at("service").at("arrived") == 2);
  }
}

// Fails when someone adds a field to results.hpp: then list it in result_json.cpp and in the
// writers (and in distinct_host above), and update the sizes here.
TEST_CASE("results.hpp layout is the one result_json.cpp serialises") {
  CHECK(sizeof(RequestRecord) == 4 * sizeof(double) + 3 * sizeof(std::uint32_t) + 4 + sizeof(std::string));
  CHECK(sizeof(MemoryResult) == 20 * sizeof(std::uint64_t));
  CHECK(sizeof(GroupResult) ==
        sizeof(std::string) + 3 * sizeof(std::optional<std::uint64_t>) + 18 * sizeof(std::uint64_t) + sizeof(double));
  CHECK(sizeof(HostResult) == 3 * sizeof(std::string) + 2 * sizeof(std::uint64_t) + 3 * sizeof(double) +
                                  sizeof(MemoryResult) + sizeof(std::vector<GroupResult>) +
                                  sizeof(std::vector<WorkloadResult>) + sizeof(std::vector<TimeSample>) +
                                  sizeof(std::shared_ptr<const PrecomputedSummary>) +
                                  sizeof(std::shared_ptr<const Timeline>) /* not sent: run --timeline only */);
  CHECK(sizeof(TimeSample) == 3 * sizeof(double) + 8 * sizeof(std::uint64_t) + sizeof(std::vector<std::uint64_t>));
  CHECK(sizeof(Interval) == 2 * sizeof(double));
  CHECK(sizeof(PeakMemory) == 4 * sizeof(std::uint64_t));
  CHECK(sizeof(WorkloadResult) == 4 * sizeof(std::string) + 16 /* status + cause, fell_back, each padded to 8 */ +
                                      2 * sizeof(double) + 2 * sizeof(std::vector<Interval>) + sizeof(PeakMemory) +
                                      sizeof(std::shared_ptr<KindData>) + sizeof(headroom::SloSpec));
}

// `compare` children send summarised(result) instead of every request record; the parent must
// print exactly what `run` prints from the full result.
TEST_CASE("a summarised host renders exactly as the full one, after the round trip") {
  HostResult h = testing::small_host();
  RequestRecord failed = testing::request(2, -1, -1, -1, 0);
  failed.failed = true;
  failed.failure = "oom-killed";
  llm(h.workloads[0]).requests.push_back(failed);
  llm(h.workloads[0]).requests[0].arrival_s = 0.1;  // inexact doubles must survive bit for bit
  ScenarioResult full;
  full.scenario = "s";
  full.hosts = {h, testing::small_host("h128", 128), distinct_host()};
  ScenarioResult shipped = full;
  for (HostResult& host : shipped.hosts) host = host_result_from_json(host_result_to_json(summarised(host)));
  CHECK(shipped.hosts[0].workloads[0].data == nullptr);
  CHECK(shipped.hosts[0].workloads[0].busy.empty());
  REQUIRE(shipped.hosts[0].summary != nullptr);
  CHECK(shipped.hosts[0].summary->workloads[0].kind.metrics.at("requests_failed") == 1);
  for (Format format : {Format::md, Format::json, Format::csv}) CHECK(render(shipped, format) == render(full, format));
}

// `run --timeseries-interval` through the child transport: every sample field arrives.
TEST_CASE("child transport round-trips the time series") {
  HostResult h = summarised(distinct_host());
  h.timeseries_interval_s = 0.25;
  h.timeseries = {{0.25, 1, 2, 3, 4, 5, 6, 0.1, 0.2, {7, 8}, 9, 10},
                  {0.5, 11, 12, 13, 14, 15, 16, 1.0 / 3, 0.3, {17, 18}, 19, 20}};
  const HostResult back = host_result_from_json(host_result_to_json(h));
  CHECK(back.timeseries_interval_s == 0.25);
  REQUIRE(back.timeseries.size() == 2);
  for (std::size_t k = 0; k < 2; ++k) {
    const TimeSample& t = back.timeseries[k];
    const TimeSample& s = h.timeseries[k];
    CHECK(std::tie(t.time_s, t.anon_bytes, t.file_bytes, t.swap_bytes, t.pgmajfault, t.pswpin, t.pswpout,
                   t.psi_some_s, t.psi_full_s, t.workload_rss_bytes, t.unevictable_bytes, t.free_bytes) ==
          std::tie(s.time_s, s.anon_bytes, s.file_bytes, s.swap_bytes, s.pgmajfault, s.pswpin, s.pswpout,
                   s.psi_some_s, s.psi_full_s, s.workload_rss_bytes, s.unevictable_bytes, s.free_bytes));
  }
  CHECK(back.timeseries[1].psi_some_s == 1.0 / 3);  // exact: nlohmann prints round-trip doubles
  CHECK(host_result_from_json(host_result_to_json(summarised(distinct_host()))).timeseries.empty());
}

TEST_CASE("the transport refuses a result still holding kind data") {
  CHECK_THROWS_AS(host_result_to_json(testing::small_host()), std::logic_error);
}
