#include "analysis/result_json.hpp"

#include <bit>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "analysis/summary.hpp"

namespace headroom::analysis {

// Every field is listed: a field added to results.hpp must be added here too, or `compare`
// (which moves results through this JSON) silently loses it.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RequestRecord, arrival_s, admitted_s, first_token_s, finish_s,
                                   prompt_tokens, output_tokens, generated_tokens, failed, failure)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Interval, begin_s, end_s)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WorkloadResult, name, kind, requests, memory_stall, busy, status,
                                   status_detail, weights_bytes, kv_budget_bytes, device,
                                   decode_steps, prefill_steps)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MemoryResult, total_bytes, peak_file_bytes, peak_anon_bytes,
                                   peak_unevictable_bytes, peak_swap_bytes, major_faults,
                                   file_read_bytes, fault_read_ios, fault_waits, swap_in_bytes, swap_out_bytes, writeback_bytes,
                                   direct_reclaim_pages, kswapd_reclaim_pages, oom_kills,
                                   watermark_min_bytes, watermark_low_bytes, watermark_high_bytes)

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
std::optional<double> exact_optional(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<ExactDouble>().value;
}
double exact_double(const nlohmann::json& j) { return j.get<ExactDouble>().value; }

nlohmann::json distribution_json(const Distribution& d) {
  return {{"count", d.count}, {"mean", exact(d.mean)}, {"p50", exact(d.p50)}, {"p90", exact(d.p90)},
          {"p99", exact(d.p99)}, {"max", exact(d.max)}};
}
Distribution distribution_from(const nlohmann::json& j) {
  Distribution d;
  d.count = j.at("count").get<std::size_t>();
  d.mean = exact_optional(j.at("mean"));
  d.p50 = exact_optional(j.at("p50"));
  d.p90 = exact_optional(j.at("p90"));
  d.p99 = exact_optional(j.at("p99"));
  d.max = exact_optional(j.at("max"));
  return d;
}

// Every WorkloadSummary field, for the same reason as the list above.
nlohmann::json workload_summary_json(const WorkloadSummary& w) {
  return {{"name", w.name}, {"kind", w.kind}, {"status", w.status}, {"status_detail", w.status_detail},
          {"device", w.device}, {"weights_bytes", w.weights_bytes}, {"kv_budget_bytes", w.kv_budget_bytes},
          {"requests_arrived", w.requests_arrived}, {"requests_completed", w.requests_completed},
          {"requests_failed", w.requests_failed}, {"requests_unfinished", w.requests_unfinished},
          {"failure_reasons", w.failure_reasons}, {"generated_tokens", w.generated_tokens},
          {"tokens_per_s", exact(w.tokens_per_s)}, {"ttft_s", distribution_json(w.ttft_s)},
          {"tpot_s", distribution_json(w.tpot_s)}, {"e2e_s", distribution_json(w.e2e_s)},
          {"queue_wait_s", distribution_json(w.queue_wait_s)}, {"memory_stall_s", exact(w.memory_stall_s)}};
}
WorkloadSummary workload_summary_from(const nlohmann::json& j) {
  WorkloadSummary w;
  j.at("name").get_to(w.name);
  j.at("kind").get_to(w.kind);
  j.at("status").get_to(w.status);
  j.at("status_detail").get_to(w.status_detail);
  j.at("device").get_to(w.device);
  j.at("weights_bytes").get_to(w.weights_bytes);
  j.at("kv_budget_bytes").get_to(w.kv_budget_bytes);
  j.at("requests_arrived").get_to(w.requests_arrived);
  j.at("requests_completed").get_to(w.requests_completed);
  j.at("requests_failed").get_to(w.requests_failed);
  j.at("requests_unfinished").get_to(w.requests_unfinished);
  j.at("failure_reasons").get_to(w.failure_reasons);
  j.at("generated_tokens").get_to(w.generated_tokens);
  w.tokens_per_s = exact_double(j.at("tokens_per_s"));
  w.ttft_s = distribution_from(j.at("ttft_s"));
  w.tpot_s = distribution_from(j.at("tpot_s"));
  w.e2e_s = distribution_from(j.at("e2e_s"));
  w.queue_wait_s = distribution_from(j.at("queue_wait_s"));
  w.memory_stall_s = exact_double(j.at("memory_stall_s"));
  return w;
}

nlohmann::json summary_json(const PrecomputedSummary& s) {
  nlohmann::json workloads = nlohmann::json::array();
  for (const WorkloadSummary& w : s.workloads) workloads.push_back(workload_summary_json(w));
  return {{"psi",
           {{"some_s", exact(s.psi.some_s)}, {"full_s", exact(s.psi.full_s)},
            {"some_fraction", exact(s.psi.some_fraction)}, {"full_fraction", exact(s.psi.full_fraction)}}},
          {"workloads", workloads}};
}
std::shared_ptr<const PrecomputedSummary> summary_from(const nlohmann::json& j) {
  auto s = std::make_shared<PrecomputedSummary>();
  const nlohmann::json& psi = j.at("psi");
  s->psi.some_s = exact_double(psi.at("some_s"));
  s->psi.full_s = exact_double(psi.at("full_s"));
  s->psi.some_fraction = exact_double(psi.at("some_fraction"));
  s->psi.full_fraction = exact_double(psi.at("full_fraction"));
  for (const nlohmann::json& w : j.at("workloads")) s->workloads.push_back(workload_summary_from(w));
  return s;
}

}  // namespace

void to_json(nlohmann::json& j, const HostResult& h) {
  j = {{"name", h.name}, {"description", h.description}, {"ram_bytes", h.ram_bytes},
       {"page_bytes", h.page_bytes}, {"mem_bw_effective_Bps", h.mem_bw_effective_Bps},
       {"horizon_s", h.horizon_s}, {"policy", h.policy}, {"memory", h.memory}, {"workloads", h.workloads}};
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
  j.at("workloads").get_to(h.workloads);
  h.summary = j.contains("summary") ? summary_from(j.at("summary")) : nullptr;
}

std::string host_result_to_json(const HostResult& host) { return nlohmann::json(host).dump(); }

HostResult host_result_from_json(const std::string& text) {
  try {
    return nlohmann::json::parse(text).get<HostResult>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("malformed host result: ") + e.what());
  }
}

}  // namespace headroom::analysis
