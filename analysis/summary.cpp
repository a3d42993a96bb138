#include "analysis/summary.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "analysis/number_format.hpp"
#include "sim/workload_kind.hpp"

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

RunWindow run_window(const WorkloadResult& w, double horizon_s) {
  if (w.start_s < 0 || w.start_s >= horizon_s) return {};
  const double end_s = w.end_s >= 0 ? std::min(w.end_s, horizon_s) : horizon_s;
  return {w.start_s, std::max(w.start_s, end_s)};
}

namespace {

// What PSI reads from the workloads up to a horizon: every stall interval, each workload's merged
// stall and busy-or-stalled intervals (clipped at the horizon), and their edges with 0 and the
// horizon, sorted and unique: inside one elementary segment between edges the set of busy and
// stalled workloads is constant.
struct PressureInputs {
  std::vector<Interval> all_stalls;
  std::vector<Coverage> stalled, busy;
  std::vector<double> edges;
};

PressureInputs pressure_inputs(const std::vector<WorkloadResult>& workloads, double horizon_s) {
  PressureInputs in;
  in.edges = {0.0, horizon_s};
  for (const WorkloadResult& w : workloads) {
    in.all_stalls.insert(in.all_stalls.end(), w.memory_stall.begin(), w.memory_stall.end());
    std::vector<Interval> busy_or_stalled = w.busy;
    busy_or_stalled.insert(busy_or_stalled.end(), w.memory_stall.begin(), w.memory_stall.end());
    auto stall_merged = merged(w.memory_stall, horizon_s);
    auto busy_merged = merged(busy_or_stalled, horizon_s);
    for (const auto* list : {&stall_merged, &busy_merged}) {
      for (const Interval& i : *list) {
        in.edges.push_back(i.begin_s);
        in.edges.push_back(i.end_s);
      }
    }
    in.stalled.emplace_back(std::move(stall_merged));
    in.busy.emplace_back(std::move(busy_merged));
  }
  std::sort(in.edges.begin(), in.edges.end());
  in.edges.erase(std::unique(in.edges.begin(), in.edges.end()), in.edges.end());
  return in;
}

// "full" at t: at least one workload busy and every busy one stalled. Times must not decrease
// between calls (the coverages are cursors).
bool all_busy_stalled(PressureInputs& in, double t) {
  std::size_t busy_count = 0, stalled_count = 0;
  for (std::size_t w = 0; w < in.busy.size(); ++w) {
    busy_count += in.busy[w].covers(t);
    stalled_count += in.stalled[w].covers(t);
  }
  return busy_count > 0 && stalled_count == busy_count;
}

}  // namespace

Psi memory_pressure(const std::vector<WorkloadResult>& workloads, double horizon_s) {
  Psi psi;
  if (horizon_s <= 0) return psi;
  PressureInputs in = pressure_inputs(workloads, horizon_s);
  psi.some_s = union_length_s(std::move(in.all_stalls), horizon_s);
  // "full": sweep the elementary segments; testing a segment's start point decides the whole segment.
  for (std::size_t e = 0; e + 1 < in.edges.size(); ++e)
    if (all_busy_stalled(in, in.edges[e])) psi.full_s += in.edges[e + 1] - in.edges[e];
  psi.some_fraction = psi.some_s / horizon_s;
  psi.full_fraction = psi.full_s / horizon_s;
  return psi;
}

// One sweep at the last time: a time t's figures are the sums over the merged stall intervals and
// the full segments wholly before t plus the part of the one t cuts, added in the same order as
// memory_pressure(workloads, t) adds them, so each equals it exactly (clipping at t, then merging,
// gives the intervals merged at the last time clipped at t; edges before t are the same).
std::vector<Psi> memory_pressure_over_time(const std::vector<WorkloadResult>& workloads,
                                           const std::vector<double>& times_s) {
  std::vector<Psi> out(times_s.size());
  if (!std::is_sorted(times_s.begin(), times_s.end()))
    throw std::invalid_argument("memory_pressure_over_time: times not in increasing order");
  if (times_s.empty() || times_s.back() <= 0) return out;
  PressureInputs in = pressure_inputs(workloads, times_s.back());
  const std::vector<Interval> stalls = merged(std::move(in.all_stalls), times_s.back());
  std::size_t u = 0, e = 0;  // the first stall interval not wholly before t; the segment holding t
  double some_done_s = 0, full_done_s = 0;
  bool segment_full = all_busy_stalled(in, in.edges[0]);
  for (std::size_t k = 0; k < times_s.size(); ++k) {
    const double t = times_s[k];
    if (t <= 0) continue;  // memory_pressure's empty horizon: all zero
    for (; u < stalls.size() && stalls[u].end_s <= t; ++u) some_done_s += stalls[u].end_s - stalls[u].begin_s;
    for (; e + 1 < in.edges.size() && in.edges[e + 1] <= t; ++e) {
      if (segment_full) full_done_s += in.edges[e + 1] - in.edges[e];
      segment_full = all_busy_stalled(in, in.edges[e + 1]);
    }
    Psi& psi = out[k];
    psi.some_s = some_done_s;
    if (u < stalls.size() && stalls[u].begin_s < t) psi.some_s += t - stalls[u].begin_s;
    psi.full_s = full_done_s;
    if (in.edges[e] < t && segment_full) psi.full_s += t - in.edges[e];
    psi.some_fraction = psi.some_s / t;
    psi.full_fraction = psi.full_s / t;
  }
  return out;
}

std::vector<Psi> group_pressure(const HostResult& host) {
  std::vector<Psi> out;
  for (const GroupResult& g : host.groups) {
    std::vector<WorkloadResult> members;
    for (const WorkloadResult& w : host.workloads)
      if (w.group == g.name) members.push_back(w);
    out.push_back(memory_pressure(members, host.horizon_s));
  }
  return out;
}

void judge_service(ServiceSummary& s) {
  const std::string done = "completed " + std::to_string(s.completed) + " of " + std::to_string(s.arrived) + " " + s.unit + "s";
  const std::string backlog = "backlog " + std::to_string(s.backlog) + " at the horizon (" +
                              (s.backlog_growth >= 0 ? "+" : "") + std::to_string(s.backlog_growth) +
                              " over its second half)";
  const double half_backlog = static_cast<double>(static_cast<std::int64_t>(s.backlog) - s.backlog_growth);
  s.keeps_up = true;
  if (s.arrived == 0) {
    s.reason = "no " + s.unit + "s arrived";
  } else if (s.completed == 0) {
    s.keeps_up = false;
    s.reason = done;
  } else if (static_cast<double>(s.completed) < kKeepUpCompletedFraction * static_cast<double>(s.arrived)) {
    s.keeps_up = false;
    s.reason = done + ", " + backlog;
  } else if (s.backlog_growth > 0 &&
             static_cast<double>(s.backlog) >
                 kKeepUpBacklogGrowthFactor * std::max(static_cast<double>(std::max<std::uint64_t>(s.concurrency, 1)), half_backlog)) {
    s.keeps_up = false;
    s.reason = done + ", " + backlog;
  } else {
    s.reason = done + ", " + backlog;
  }
}

WorkloadSummary summarize_workload(const WorkloadResult& w, double horizon_s) {
  WorkloadSummary s;
  s.busy_s = union_length_s(w.busy, horizon_s);
  s.memory_stall_s = union_length_s(w.memory_stall, horizon_s);
  const WorkloadKind* kind = WorkloadKinds::instance().find(w.kind);
  if (kind && kind->summarize) {
    s.kind = kind->summarize(w, horizon_s);
  } else {
    s.kind.info = nlohmann::ordered_json::object();
    s.kind.metrics = nlohmann::ordered_json::object();
    s.kind.service.reason = "not judged: no summary registered for kind '" + w.kind + "'";
  }
  s.slo = evaluate_slo(w, horizon_s);
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

const char* to_string(ServiceVerdict verdict) {
  return verdict == ServiceVerdict::keeps_up ? "keeps-up" : "falls-behind";
}

namespace {

bool is_memory_failure(const std::string& reason) {
  // Requests rejected for their own size say nothing about the host's memory; an unknown reason
  // is taken as memory's (the verdict would rather say oom than fits wrongly).
  const std::optional<Cause> cause = cause_from(reason);
  return !cause || is_memory_cause(*cause);
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
  for (const GroupResult& g : host.groups) {
    if (g.events_oom == 0 && g.events_oom_kill == 0) continue;
    append(reason, "group '" + g.name + "' (memory.max " + (g.max_bytes ? gib(*g.max_bytes) : "max") + "): " +
                       std::to_string(g.events_oom) + " OOM event(s) at its memory.max, " +
                       std::to_string(g.events_oom_kill) + " OOM kill(s) inside it");
  }
  for (std::size_t i = 0; i < host.workloads.size(); ++i) {
    const WorkloadResult& w = host.workloads[i];
    if ((w.status == WorkloadStatus::failed_to_start || w.status == WorkloadStatus::oom_killed) &&
        is_memory_cause(w.cause)) {
      append(reason, w.name + " " + to_string(w.status) + (w.status_detail.empty() ? "" : " (" + w.status_detail + ")"));
    }
    if (i >= workloads.size()) continue;
    for (const auto& [why, count] : workloads[i].kind.service.failures) {
      if (is_memory_failure(why)) append(reason, w.name + ": " + std::to_string(count) + " " + workloads[i].kind.service.unit + "(s) failed: " + why);
    }
  }
  return reason;
}

// Workloads that run, but not where the scenario asked (e.g. on the CPU after the GPU wired limit
// refused their weights): memory decided that, so the verdict says it.
std::string fallback_note(const HostResult& host) {
  std::string note;
  for (const WorkloadResult& w : host.workloads)
    if (w.fell_back && !is_failure(w.status)) note += "; " + w.name + " " + w.status_detail;
  return note;
}

std::string psi_text(const Psi& psi) {
  return "memory stall some " + percent(psi.some_fraction) + ", full " + percent(psi.full_fraction) + " of the horizon";
}

// The thrashing test, the same for the host and for a group: pages came back after eviction, and
// either more than the memory they had (`capacity`) came back, or stalls took a quarter of the time.
bool thrashes(std::uint64_t refault_bytes, std::uint64_t capacity_bytes, const Psi& psi) {
  const double multiple =
      capacity_bytes > 0 ? static_cast<double>(refault_bytes) / static_cast<double>(capacity_bytes) : 0;
  return refault_bytes > 0 &&
         (multiple >= kThrashingRefaultRamMultiple || psi.some_fraction >= kThrashingPsiSomeFraction);
}

std::string refault_text(std::uint64_t refault_bytes, std::uint64_t capacity_bytes, const std::string& of) {
  const double multiple =
      capacity_bytes > 0 ? static_cast<double>(refault_bytes) / static_cast<double>(capacity_bytes) : 0;
  return "re-read " + gib(refault_bytes) + " after eviction (refaults, " + format_fixed(multiple, 2) + "x " + of + ")";
}

// The memory a group may hold: its memory.max, or the host's RAM without one (or with a larger one).
std::uint64_t group_capacity_bytes(const HostResult& host, const GroupResult& g) {
  return g.max_bytes ? std::min(*g.max_bytes, host.ram_bytes) : host.ram_bytes;
}

// A group that met its own limits: reclaim in it (at its memory.max or from the host), a
// memory.max or memory.high event, a memory.high throttle, or refaults.
bool group_pressured(const GroupResult& g) {
  return g.events_max > 0 || g.events_high > 0 || g.high_throttle_s > 0 || g.reclaim_bytes > 0 ||
         g.refault_bytes() > 0;
}

std::string group_text(const HostResult& host, const GroupResult& g, const Psi& psi) {
  const bool own_max = g.max_bytes && *g.max_bytes < host.ram_bytes;
  return "group '" + g.name + "' (memory.max " + (g.max_bytes ? gib(*g.max_bytes) : "max") + ", memory.high " +
         (g.high_bytes ? gib(*g.high_bytes) : "max") + "): reclaimed " + gib(g.reclaim_bytes) + ", " +
         std::to_string(g.events_max) + " memory.max event(s), " + std::to_string(g.events_high) +
         " memory.high event(s), throttled " + format_g(g.high_throttle_s, 4) + " s at memory.high, " +
         refault_text(g.refault_bytes(), group_capacity_bytes(host, g), own_max ? "its memory.max" : "RAM") + "; " +
         psi_text(psi);
}

VerdictResult verdict_without_fallbacks(const HostResult& host, const std::vector<WorkloadSummary>& workloads,
                                        const Psi& psi, const std::vector<Psi>& group_psi) {
  const std::string oom = oom_reason(host, workloads);
  if (!oom.empty()) return {Verdict::oom, oom};
  const MemoryResult& m = host.memory;
  const std::uint64_t refault = m.refault_bytes();
  const std::string host_refaults = refault_text(refault, host.ram_bytes, "RAM");
  std::string thrashing = thrashes(refault, host.ram_bytes, psi) ? host_refaults + "; " + psi_text(psi) : "";
  std::string pressured;
  for (std::size_t i = 0; i < host.groups.size(); ++i) {
    const GroupResult& g = host.groups[i];
    const Psi gpsi = i < group_psi.size() ? group_psi[i] : Psi{};
    if (thrashes(g.refault_bytes(), group_capacity_bytes(host, g), gpsi))
      append(thrashing, group_text(host, g, gpsi));
    else if (group_pressured(g))
      append(pressured, group_text(host, g, gpsi));
  }
  if (!thrashing.empty()) return {Verdict::thrashing, thrashing};
  const std::uint64_t reclaim_pages = m.direct_reclaim_pages + m.kswapd_reclaim_pages;
  if (refault > 0 || reclaim_pages > 0 || m.swap_out_bytes > 0) {
    std::string host_text = "reclaimed " + gib(reclaim_pages * host.page_bytes) + ", swapped out " +
                            gib(m.swap_out_bytes) + ", " + host_refaults + "; " + psi_text(psi);
    if (!pressured.empty()) host_text += "; " + pressured;
    return {Verdict::pressured, host_text};
  }
  if (!pressured.empty()) return {Verdict::pressured, pressured};
  return {Verdict::fits, "no reclaim, no swap, no re-reads; " + psi_text(psi)};
}

// Statuses in which a workload serves nothing it was there for.
bool did_not_serve(WorkloadStatus status) {
  return status == WorkloadStatus::failed_to_start || status == WorkloadStatus::oom_killed ||
         status == WorkloadStatus::skipped;
}

}  // namespace

VerdictResult decide_verdict(const HostResult& host, const std::vector<WorkloadSummary>& workloads,
                             const Psi& psi, const std::vector<Psi>& group_psi) {
  VerdictResult v = verdict_without_fallbacks(host, workloads, psi, group_psi);
  v.reason += fallback_note(host);
  return v;
}

ServiceVerdictResult decide_service(const HostResult& host, const std::vector<WorkloadSummary>& workloads) {
  ServiceVerdictResult v;
  std::string behind, fine;
  for (std::size_t i = 0; i < host.workloads.size() && i < workloads.size(); ++i) {
    const WorkloadResult& w = host.workloads[i];
    const ServiceSummary& s = workloads[i].kind.service;
    if (did_not_serve(w.status)) {
      append(behind, w.name + " " + to_string(w.status) + ": " + s.reason);
    } else if (!s.keeps_up) {
      append(behind, w.name + " falls behind: " + s.reason + (w.fell_back ? " (" + w.status_detail + ")" : ""));
    } else {
      append(fine, w.name + " keeps up: " + s.reason);
    }
  }
  if (!behind.empty()) {
    v.verdict = ServiceVerdict::falls_behind;
    v.reason = behind;
  } else {
    v.reason = fine;
  }
  return v;
}

// The host's SLO word: met when every workload with `slo:` met all its targets.
static void decide_slo(const HostResult& host, HostSummary& s) {
  for (std::size_t i = 0; i < s.workloads.size() && i < host.workloads.size(); ++i) {
    const std::optional<SloResult>& slo = s.workloads[i].slo;
    if (!slo) continue;
    s.slo_met = s.slo_met.value_or(true) && slo->met;
    if (!slo->met) s.slo_reason += (s.slo_reason.empty() ? "" : "; ") + host.workloads[i].name + ": " + slo_missed_text(*slo);
  }
  if (s.slo_met && *s.slo_met) s.slo_reason = "every target met";
}

HostSummary summarize_host(const HostResult& host) {
  HostSummary s;
  s.host = &host;
  if (host.summary) {
    s.workloads = host.summary->workloads;
    s.psi = host.summary->psi;
    s.group_psi = host.summary->group_psi;
  } else {
    for (const WorkloadResult& w : host.workloads) s.workloads.push_back(summarize_workload(w, host.horizon_s));
    s.psi = memory_pressure(host.workloads, host.horizon_s);
    s.group_psi = group_pressure(host);
  }
  s.verdict = decide_verdict(host, s.workloads, s.psi, s.group_psi);
  s.service = decide_service(host, s.workloads);
  decide_slo(host, s);
  return s;
}

HostResult summarised(HostResult host) {
  if (host.summary) return host;
  auto summary = std::make_shared<PrecomputedSummary>();
  for (const WorkloadResult& w : host.workloads) summary->workloads.push_back(summarize_workload(w, host.horizon_s));
  summary->psi = memory_pressure(host.workloads, host.horizon_s);
  summary->group_psi = group_pressure(host);
  for (WorkloadResult& w : host.workloads) {
    w.data = nullptr;
    w.memory_stall = {};
    w.busy = {};
  }
  host.summary = std::move(summary);
  return host;
}

}  // namespace headroom::analysis
