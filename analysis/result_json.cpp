#include "analysis/result_json.hpp"

#include <bit>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "analysis/summary.hpp"

// std::optional<double> as a number or null (ServiceSummary::progress).
template <>
struct nlohmann::adl_serializer<std::optional<double>> {
  static void to_json(json& j, const std::optional<double>& value) {
    j = value ? json(*value) : json(nullptr);
  }
  static void from_json(const json& j, std::optional<double>& value) {
    value = j.is_null() ? std::nullopt : std::optional<double>(j.get<double>());
  }
};

// std::optional<std::uint64_t> as a number or null (a group limit; null = "max").
template <>
struct nlohmann::adl_serializer<std::optional<std::uint64_t>> {
  static void to_json(json& j, const std::optional<std::uint64_t>& value) {
    j = value ? json(*value) : json(nullptr);
  }
  static void from_json(const json& j, std::optional<std::uint64_t>& value) {
    value = j.is_null() ? std::nullopt : std::optional<std::uint64_t>(j.get<std::uint64_t>());
  }
};

namespace headroom::analysis {

// Every field is listed: a field added to results.hpp must be added here too, or `compare`
// (which moves results through this JSON) silently loses it (tests/unit/analysis/
// test_result_json.cpp gives every field a distinct value and checks it arrives).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Interval, begin_s, end_s)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ServiceSummary, unit, arrived, completed, failed, backlog, backlog_growth,
                                   concurrency, progress, failures, keeps_up, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PeakMemory, anon_bytes, file_mapped_bytes, wired_bytes, swap_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MemoryResult, total_bytes, peak_file_bytes, peak_anon_bytes,
                                   peak_unevictable_bytes, peak_swap_bytes, major_faults,
                                   file_read_bytes, read_requests, fault_waits, swap_in_bytes, swap_out_bytes, writeback_bytes,
                                   direct_reclaim_pages, kswapd_reclaim_pages, oom_kills, refault_file_bytes,
                                   refault_anon_bytes,
                                   watermark_min_bytes, watermark_low_bytes, watermark_high_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(GroupResult, name, max_bytes, high_bytes, swap_max_bytes, min_bytes, low_bytes,
                                   usage_bytes, peak_usage_bytes, file_bytes, anon_bytes, swap_bytes, peak_swap_bytes,
                                   major_faults, read_requests, refault_file_bytes, refault_anon_bytes, reclaim_bytes, events_low,
                                   events_high, events_max, events_oom, events_oom_kill, high_throttle_s)

// Statuses and causes travel as their report words (results.cpp holds the one table of them).
template <class Enum, std::optional<Enum> (*parse)(const std::string&)>
void enum_from_json(const nlohmann::json& j, Enum& value) {
  const auto parsed = parse(j.get<std::string>());
  if (!parsed) throw std::runtime_error("unknown workload status or cause '" + j.get<std::string>() + "'");
  value = *parsed;
}
void to_json(nlohmann::json& j, WorkloadStatus status) { j = to_string(status); }
void from_json(const nlohmann::json& j, WorkloadStatus& status) { enum_from_json<WorkloadStatus, workload_status_from>(j, status); }
void to_json(nlohmann::json& j, Cause cause) { j = to_string(cause); }
void from_json(const nlohmann::json& j, Cause& cause) { enum_from_json<Cause, cause_from>(j, cause); }

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TimeSample, time_s, anon_bytes, file_bytes, swap_bytes, pgmajfault, pswpin, pswpout,
                                   psi_some_s, psi_full_s, workload_rss_bytes, unevictable_bytes, free_bytes)

// A workload's kind data (KindData) is not listed: it stays in the process that simulated it (a
// child sends summarised() results, whose kind figures travel in the summary instead).
// SLO targets (sim/slo_spec.hpp): enums as their numbers, which only this pipe reads.
}  // namespace headroom::analysis
namespace headroom {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SloTarget, metric, stat, limit_s)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SloSpec, targets, deadline_s)
}  // namespace headroom
namespace headroom::analysis {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WorkloadResult, name, kind, group, status, cause, status_detail, fell_back,
                                   start_s, end_s, busy, memory_stall, peak, slo)

namespace {

// Summary figures travel as the bits of their doubles: exact for every value, NaN and infinities
// included (JSON numbers have neither), so a summary computed in a child prints as in the parent.
struct ExactDouble {
  double value = 0;
};
void to_json(nlohmann::json& j, const ExactDouble& d) { j = std::bit_cast<std::uint64_t>(d.value); }
void from_json(const nlohmann::json& j, ExactDouble& d) { d.value = std::bit_cast<double>(j.get<std::uint64_t>()); }

nlohmann::json exact(std::optional<double> value) {
  return value ? nlohmann::json(ExactDouble{*value}) : nlohmann::json(nullptr);
}
double exact_double(const nlohmann::json& j) { return j.get<ExactDouble>().value; }

// A workload's SLO result (null without `slo:`); values as exact bits (+inf is a real value).
nlohmann::json slo_json(const std::optional<SloResult>& slo) {
  if (!slo) return nullptr;
  nlohmann::json targets = nlohmann::json::array();
  for (const SloTargetResult& t : slo->targets)
    targets.push_back({{"key", t.key}, {"limit_s", exact(t.limit_s)}, {"value_s", exact(t.value_s)}, {"met", t.met},
                       {"arrived", t.arrived}, {"decided", t.decided}, {"met_requests", t.met_requests},
                       {"attainment", exact(t.attainment)}});
  return {{"met", slo->met}, {"targets", targets}};
}
std::optional<SloResult> slo_from(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  SloResult slo;
  j.at("met").get_to(slo.met);
  for (const nlohmann::json& t : j.at("targets")) {
    SloTargetResult r;
    t.at("key").get_to(r.key);
    r.limit_s = exact_double(t.at("limit_s"));
    if (!t.at("value_s").is_null()) r.value_s = exact_double(t.at("value_s"));
    t.at("met").get_to(r.met);
    t.at("arrived").get_to(r.arrived);
    t.at("decided").get_to(r.decided);
    t.at("met_requests").get_to(r.met_requests);
    if (!t.at("attainment").is_null()) r.attainment = exact_double(t.at("attainment"));
    slo.targets.push_back(std::move(r));
  }
  return slo;
}

// The kind's JSON travels as text: nlohmann prints doubles so that they parse back to the same
// double, and ordered_json keeps the key order.
nlohmann::json workload_summary_json(const WorkloadSummary& w) {
  nlohmann::json rows = nlohmann::json::array();
  for (const MetricRow& r : w.kind.rows) rows.push_back({r.label, r.value});
  return {{"busy_s", exact(w.busy_s)}, {"memory_stall_s", exact(w.memory_stall_s)},
          {"info", w.kind.info.dump()}, {"metrics", w.kind.metrics.dump()}, {"units", w.kind.units},
          {"rows", rows}, {"placement", w.kind.placement}, {"service", w.kind.service}, {"slo", slo_json(w.slo)}};
}
WorkloadSummary workload_summary_from(const nlohmann::json& j) {
  WorkloadSummary w;
  w.busy_s = exact_double(j.at("busy_s"));
  w.memory_stall_s = exact_double(j.at("memory_stall_s"));
  w.kind.info = nlohmann::ordered_json::parse(j.at("info").get<std::string>());
  w.kind.metrics = nlohmann::ordered_json::parse(j.at("metrics").get<std::string>());
  j.at("units").get_to(w.kind.units);
  for (const nlohmann::json& r : j.at("rows")) w.kind.rows.push_back({r.at(0).get<std::string>(), r.at(1).get<std::string>()});
  j.at("placement").get_to(w.kind.placement);
  j.at("service").get_to(w.kind.service);
  if (j.contains("slo")) w.slo = slo_from(j.at("slo"));
  return w;
}

nlohmann::json psi_json(const Psi& psi) {
  return {{"some_s", exact(psi.some_s)}, {"full_s", exact(psi.full_s)},
          {"some_fraction", exact(psi.some_fraction)}, {"full_fraction", exact(psi.full_fraction)}};
}
Psi psi_from(const nlohmann::json& j) {
  return {exact_double(j.at("some_s")), exact_double(j.at("full_s")), exact_double(j.at("some_fraction")),
          exact_double(j.at("full_fraction"))};
}

nlohmann::json summary_json(const PrecomputedSummary& s) {
  nlohmann::json workloads = nlohmann::json::array(), group_psi = nlohmann::json::array();
  for (const WorkloadSummary& w : s.workloads) workloads.push_back(workload_summary_json(w));
  for (const Psi& psi : s.group_psi) group_psi.push_back(psi_json(psi));
  return {{"psi", psi_json(s.psi)}, {"group_psi", group_psi}, {"workloads", workloads}};
}
std::shared_ptr<const PrecomputedSummary> summary_from(const nlohmann::json& j) {
  auto s = std::make_shared<PrecomputedSummary>();
  s->psi = psi_from(j.at("psi"));
  for (const nlohmann::json& psi : j.at("group_psi")) s->group_psi.push_back(psi_from(psi));
  for (const nlohmann::json& w : j.at("workloads")) s->workloads.push_back(workload_summary_from(w));
  return s;
}

}  // namespace

void to_json(nlohmann::json& j, const HostResult& h) {
  j = {{"name", h.name}, {"description", h.description}, {"ram_bytes", h.ram_bytes},
       {"page_bytes", h.page_bytes}, {"mem_bw_effective_Bps", h.mem_bw_effective_Bps},
       {"horizon_s", h.horizon_s}, {"policy", h.policy}, {"memory", h.memory}, {"groups", h.groups},
       {"workloads", h.workloads}};
  if (!h.timeseries.empty()) {
    j["timeseries_interval_s"] = h.timeseries_interval_s;
    j["timeseries"] = h.timeseries;
  }
  if (h.summary) j["summary"] = summary_json(*h.summary);
}

void from_json(const nlohmann::json& j, HostResult& h) {
  j.at("name").get_to(h.name);
  j.at("description").get_to(h.description);
  j.at("ram_bytes").get_to(h.ram_bytes);
  j.at("page_bytes").get_to(h.page_bytes);
  j.at("mem_bw_effective_Bps").get_to(h.mem_bw_effective_Bps);
  j.at("horizon_s").get_to(h.horizon_s);
  j.at("policy").get_to(h.policy);
  j.at("memory").get_to(h.memory);
  j.at("groups").get_to(h.groups);
  j.at("workloads").get_to(h.workloads);
  if (j.contains("timeseries")) {
    j.at("timeseries_interval_s").get_to(h.timeseries_interval_s);
    j.at("timeseries").get_to(h.timeseries);
  }
  h.summary = j.contains("summary") ? summary_from(j.at("summary")) : nullptr;
}

std::string host_result_to_json(const HostResult& host) {
  for (const WorkloadResult& w : host.workloads)
    if (w.data)
      throw std::logic_error("host_result_to_json: workload '" + w.name +
                             "' still holds its kind data; send summarised() results");
  return nlohmann::json(host).dump();
}

HostResult host_result_from_json(const std::string& text) {
  try {
    return nlohmann::json::parse(text).get<HostResult>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("malformed host result: ") + e.what());
  }
}

}  // namespace headroom::analysis
