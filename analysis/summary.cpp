#include "analysis/summary.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "analysis/number_format.hpp"

namespace headroom::analysis {

std::optional<double> percentile_nearest_rank(std::vector<double> samples, double p) {
  if (!(p >= 0 && p <= 100)) throw std::invalid_argument("percentile outside [0, 100]");
  if (samples.empty()) return std::nullopt;
  std::sort(samples.begin(), samples.end());
  const double n = static_cast<double>(samples.size());
  // The epsilon keeps p * n / 100 from landing just above an integer through rounding.
  const double exact_rank = p * n / 100.0;
  auto rank = static_cast<std::size_t>(std::ceil(exact_rank - 1e-9 * std::max(1.0, exact_rank)));
  rank = std::clamp<std::size_t>(rank, 1, samples.size());
  return samples[rank - 1];
}

Distribution summarize_distribution(const std::vector<double>& samples) {
  Distribution d;
  d.count = samples.size();
  if (samples.empty()) return d;
  d.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
  d.p50 = percentile_nearest_rank(samples, 50);
  d.p90 = percentile_nearest_rank(samples, 90);
  d.p99 = percentile_nearest_rank(samples, 99);
  d.max = *std::max_element(samples.begin(), samples.end());
  return d;
}

namespace {

// Clips to [0, horizon], drops empty intervals, sorts and merges overlapping/touching ones.
std::vector<Interval> merged(std::vector<Interval> intervals, double horizon_s) {
  std::vector<Interval> clipped;
  for (Interval i : intervals) {
    i.begin_s = std::max(i.begin_s, 0.0);
    i.end_s = std::min(i.end_s, horizon_s);
    if (i.end_s > i.begin_s) clipped.push_back(i);
  }
  std::sort(clipped.begin(), clipped.end(),
            [](const Interval& a, const Interval& b) { return a.begin_s < b.begin_s; });
  std::vector<Interval> out;
  for (const Interval& i : clipped) {
    if (!out.empty() && i.begin_s <= out.back().end_s) {
      out.back().end_s = std::max(out.back().end_s, i.end_s);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

// Cursor over merged intervals queried with non-decreasing times.
class Coverage {
 public:
  explicit Coverage(std::vector<Interval> merged_intervals) : intervals_(std::move(merged_intervals)) {}
  bool covers(double t) {
    while (next_ < intervals_.size() && intervals_[next_].end_s <= t) ++next_;
    return next_ < intervals_.size() && intervals_[next_].begin_s <= t;
  }

 private:
  std::vector<Interval> intervals_;
  std::size_t next_ = 0;
};

}  // namespace

double union_length_s(std::vector<Interval> intervals, double horizon_s) {
  double total = 0;
  for (const Interval& i : merged(std::move(intervals), horizon_s)) total += i.end_s - i.begin_s;
  return total;
}

Psi memory_pressure(const std::vector<WorkloadResult>& workloads, double horizon_s) {
  Psi psi;
  if (horizon_s <= 0) return psi;
  std::vector<Interval> all_stalls;
  std::vector<Coverage> stalled, busy;
  std::vector<double> edges{0.0, horizon_s};
  for (const WorkloadResult& w : workloads) {
    all_stalls.insert(all_stalls.end(), w.memory_stall.begin(), w.memory_stall.end());
    std::vector<Interval> busy_or_stalled = w.busy;
    busy_or_stalled.insert(busy_or_stalled.end(), w.memory_stall.begin(), w.memory_stall.end());
    auto stall_merged = merged(w.memory_stall, horizon_s);
    auto busy_merged = merged(busy_or_stalled, horizon_s);
    for (const auto* list : {&stall_merged, &busy_merged}) {
      for (const Interval& i : *list) {
        edges.push_back(i.begin_s);
        edges.push_back(i.end_s);
      }
    }
    stalled.emplace_back(std::move(stall_merged));
    busy.emplace_back(std::move(busy_merged));
  }
  psi.some_s = union_length_s(std::move(all_stalls), horizon_s);

  // "full": sweep the elementary segments between interval edges; inside one segment the set of
  // busy and stalled workloads is constant, so testing its start point decides the whole segment.
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  for (std::size_t e = 0; e + 1 < edges.size(); ++e) {
    const double t = edges[e];
    std::size_t busy_count = 0, stalled_count = 0;
    for (std::size_t w = 0; w < workloads.size(); ++w) {
      busy_count += busy[w].covers(t);
      stalled_count += stalled[w].covers(t);
    }
    if (busy_count > 0 && stalled_count == busy_count) psi.full_s += edges[e + 1] - t;
  }
  psi.some_fraction = psi.some_s / horizon_s;
  psi.full_fraction = psi.full_s / horizon_s;
  return psi;
}

WorkloadSummary summarize_workload(const WorkloadResult& w, double horizon_s) {
  WorkloadSummary s;
  s.name = w.name;
  s.kind = w.kind;
  s.status = w.status;
  s.status_detail = w.status_detail;
  s.device = w.device;
  s.weights_bytes = w.weights_bytes;
  s.kv_budget_bytes = w.kv_budget_bytes;
  std::vector<double> ttft, tpot, e2e, wait;
  for (const RequestRecord& r : w.requests) {
    ++s.requests_arrived;
    s.generated_tokens += r.generated_tokens;
    if (r.failed) {
      ++s.requests_failed;
      ++s.failure_reasons[r.failure.empty() ? "unspecified" : r.failure];
    } else if (r.finish_s >= 0) {
      ++s.requests_completed;
      e2e.push_back(r.finish_s - r.arrival_s);
      if (r.generated_tokens >= 2 && r.first_token_s >= 0) {
        tpot.push_back((r.finish_s - r.first_token_s) / (r.generated_tokens - 1));
      }
    } else {
      ++s.requests_unfinished;
    }
    if (r.first_token_s >= 0) ttft.push_back(r.first_token_s - r.arrival_s);
    if (r.admitted_s >= 0) wait.push_back(r.admitted_s - r.arrival_s);
  }
  s.tokens_per_s = horizon_s > 0 ? static_cast<double>(s.generated_tokens) / horizon_s : 0;
  s.ttft_s = summarize_distribution(ttft);
  s.tpot_s = summarize_distribution(tpot);
  s.e2e_s = summarize_distribution(e2e);
  s.queue_wait_s = summarize_distribution(wait);
  s.memory_stall_s = union_length_s(w.memory_stall, horizon_s);
  return s;
}

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::fits: return "fits";
    case Verdict::pressured: return "pressured";
    case Verdict::thrashing: return "thrashing";
    case Verdict::oom: return "oom";
  }
  return "?";
}

std::uint64_t refault_bytes(const HostResult& host) {
  const std::uint64_t page = std::max<std::uint64_t>(host.page_bytes, 1);
  std::uint64_t cold_start = 0;
  for (const WorkloadResult& w : host.workloads) cold_start += (w.weights_bytes + page - 1) / page * page;
  const std::uint64_t read = host.memory.file_read_bytes + host.memory.swap_in_bytes;
  return read > cold_start ? read - cold_start : 0;
}

namespace {

bool is_memory_failure(const std::string& reason) {
  // Requests rejected for their own size say nothing about the host's memory.
  return reason.rfind("context too long", 0) != 0;
}

std::string percent(double fraction) { return format_fixed(100.0 * fraction, 1) + "%"; }
std::string gib(std::uint64_t bytes) { return format_fixed(to_gib(bytes), 2) + " GiB"; }

void append(std::string& text, const std::string& part) {
  if (!text.empty()) text += "; ";
  text += part;
}

std::string oom_reason(const HostResult& host, const std::vector<WorkloadSummary>& workloads) {
  std::string reason;
  if (host.memory.oom_kills > 0) append(reason, std::to_string(host.memory.oom_kills) + " OOM kill(s)");
  for (const WorkloadSummary& w : workloads) {
    if (w.status != "ok") {
      append(reason, w.name + " " + w.status + (w.status_detail.empty() ? "" : " (" + w.status_detail + ")"));
    }
    for (const auto& [why, count] : w.failure_reasons) {
      if (is_memory_failure(why)) append(reason, w.name + ": " + std::to_string(count) + " request(s) failed: " + why);
    }
  }
  return reason;
}

// Workloads that run, but not where the scenario asked (e.g. on the CPU after the GPU wired limit
// refused their weights): memory decided that, so the verdict says it.
std::string fallback_note(const HostResult& host) {
  std::string note;
  for (const WorkloadResult& w : host.workloads)
    if (w.status == "ok" && w.status_detail.rfind("fell back", 0) == 0)
      note += "; " + w.name + " " + w.status_detail;
  return note;
}

VerdictResult verdict_without_fallbacks(const HostResult& host, const std::vector<WorkloadSummary>& workloads,
                                        const Psi& psi, std::uint64_t refault) {
  const std::string oom = oom_reason(host, workloads);
  if (!oom.empty()) return {Verdict::oom, oom};
  const double refault_ram_multiple =
      host.ram_bytes > 0 ? static_cast<double>(refault) / static_cast<double>(host.ram_bytes) : 0;
  const std::string refault_text = "re-read " + gib(refault) + " from disk beyond the cold start (" +
                                   format_fixed(refault_ram_multiple, 2) + "x RAM)";
  const std::string psi_text = "memory stall some " + percent(psi.some_fraction) + ", full " +
                               percent(psi.full_fraction) + " of the horizon";
  if (refault > 0 && (refault_ram_multiple >= kThrashingRefaultRamMultiple ||
                      psi.some_fraction >= kThrashingPsiSomeFraction)) {
    return {Verdict::thrashing, refault_text + "; " + psi_text};
  }
  const MemoryResult& m = host.memory;
  const std::uint64_t reclaim_pages = m.direct_reclaim_pages + m.kswapd_reclaim_pages;
  if (refault > 0 || reclaim_pages > 0 || m.swap_out_bytes > 0) {
    return {Verdict::pressured, "reclaimed " + gib(reclaim_pages * host.page_bytes) + ", swapped out " +
                                    gib(m.swap_out_bytes) + ", " + refault_text + "; " + psi_text};
  }
  return {Verdict::fits, "no reclaim, no swap, no re-reads; " + psi_text};
}

}  // namespace

VerdictResult decide_verdict(const HostResult& host, const std::vector<WorkloadSummary>& workloads,
                             const Psi& psi, std::uint64_t refault) {
  VerdictResult v = verdict_without_fallbacks(host, workloads, psi, refault);
  v.reason += fallback_note(host);
  return v;
}

HostSummary summarize_host(const HostResult& host) {
  HostSummary s;
  s.host = &host;
  if (host.summary) {
    s.workloads = host.summary->workloads;
    s.psi = host.summary->psi;
  } else {
    for (const WorkloadResult& w : host.workloads) s.workloads.push_back(summarize_workload(w, host.horizon_s));
    s.psi = memory_pressure(host.workloads, host.horizon_s);
  }
  s.refault_bytes = refault_bytes(host);
  s.verdict = decide_verdict(host, s.workloads, s.psi, s.refault_bytes);
  return s;
}

HostResult summarised(HostResult host) {
  if (host.summary) return host;
  auto summary = std::make_shared<PrecomputedSummary>();
  for (const WorkloadResult& w : host.workloads) summary->workloads.push_back(summarize_workload(w, host.horizon_s));
  summary->psi = memory_pressure(host.workloads, host.horizon_s);
  for (WorkloadResult& w : host.workloads) {
    w.requests = {};
    w.memory_stall = {};
    w.busy = {};
  }
  host.summary = std::move(summary);
  return host;
}

}  // namespace headroom::analysis
