// kind: container / vm: the summary (analysis): the box's limits, overhead, usage peak, the VM's
// reservation and balloon, OOM kills inside. A box serves nothing itself: it is judged only by its
// own processes (an OOM kill of the box is an oom status, seen by the verdict's memory rule).
#include <string>

#include "analysis/number_format.hpp"
#include "analysis/summary.hpp"
#include "models/workloads/common/box.hpp"
#include "models/workloads/common/box_result.hpp"

namespace headroom::workloads {
namespace {

nlohmann::ordered_json limit_json(const std::optional<std::uint64_t>& bytes) {
  return bytes ? nlohmann::ordered_json(*bytes) : nlohmann::ordered_json(nullptr);  // null = max, as groups
}

std::string limit_text(const std::optional<std::uint64_t>& bytes) {
  return bytes ? analysis::format_fixed(analysis::to_gib(*bytes), 2) : std::string("max");
}

std::string gib(std::uint64_t bytes) { return analysis::format_fixed(analysis::to_gib(bytes), 2); }

nlohmann::ordered_json metrics_of(const BoxData& d) {
  nlohmann::ordered_json j;
  j["memory_max_bytes"] = limit_json(d.max_bytes);
  j["memory_high_bytes"] = limit_json(d.high_bytes);
  j["memory_swap_max_bytes"] = limit_json(d.swap_max_bytes);
  j["memory_min_bytes"] = d.min_bytes;
  j["memory_low_bytes"] = d.low_bytes;
  j["overhead_bytes"] = d.overhead_bytes;
  j["private_page_cache"] = d.private_page_cache;
  j["peak_usage_bytes"] = d.peak_usage_bytes;
  if (d.vm) {
    j["ram_bytes"] = d.ram_bytes;
    j["reserved_at_start_bytes"] = d.reserved_at_start_bytes;
    j["peak_host_bytes"] = d.peak_host_bytes;
    j["host_bytes_now"] = d.host_bytes_now;
    j["balloon_min_bytes"] = d.balloon_min_bytes ? nlohmann::ordered_json(*d.balloon_min_bytes) : nullptr;
    j["balloon_inflated_s"] = d.balloon_inflated_s ? nlohmann::ordered_json(*d.balloon_inflated_s) : nullptr;
    j["balloon_returned_bytes"] = d.balloon_returned_bytes;
  }
  j["group_ooms"] = d.group_ooms;
  j["oom_kills_inside"] = d.oom_kills_inside;
  return j;
}

std::vector<analysis::MetricRow> rows_of(const BoxData& d) {
  std::vector<analysis::MetricRow> rows;
  if (d.vm) {
    rows.push_back({"guest RAM / guest kernel (GiB)", gib(d.ram_bytes) + " / " + gib(d.overhead_bytes)});
    rows.push_back({"host held at start / peak / end (GiB)", gib(d.reserved_at_start_bytes) + " / " +
                                                                 gib(d.peak_host_bytes) + " / " + gib(d.host_bytes_now)});
    if (d.balloon_min_bytes)
      rows.push_back({"balloon min / returned (GiB)", gib(*d.balloon_min_bytes) + " / " + gib(d.balloon_returned_bytes) +
                                                          (d.balloon_inflated_s ? " at " + analysis::format_g(*d.balloon_inflated_s, 4) + " s"
                                                                                : " (never inflated)")});
  } else {
    rows.push_back({"memory.max / high (GiB)", limit_text(d.max_bytes) + " / " + limit_text(d.high_bytes)});
    rows.push_back({"runtime overhead (GiB)", gib(d.overhead_bytes)});
  }
  rows.push_back({"group peak usage (GiB)", gib(d.peak_usage_bytes)});
  rows.push_back({"OOM kills inside", analysis::format_u64(d.oom_kills_inside)});
  return rows;
}

}  // namespace

analysis::KindSummary summarize_box(const analysis::WorkloadResult& w, double /*horizon_s*/) {
  analysis::KindSummary k;
  k.info = nlohmann::ordered_json::object();
  const auto* d = dynamic_cast<const BoxData*>(w.data.get());
  if (!d) {
    k.metrics = nullptr;
    return k;
  }
  k.metrics = metrics_of(*d);
  for (const char* key : {"memory_max_bytes", "memory_high_bytes", "memory_swap_max_bytes", "memory_min_bytes",
                          "memory_low_bytes", "overhead_bytes", "peak_usage_bytes", "ram_bytes",
                          "reserved_at_start_bytes", "peak_host_bytes", "host_bytes_now", "balloon_min_bytes", "balloon_returned_bytes"})
    if (k.metrics.contains(key)) k.units[key] = "bytes";
  if (d->vm) k.units["balloon_inflated_s"] = "s";
  k.rows = rows_of(*d);
  analysis::ServiceSummary& s = k.service;
  s.unit = "box";
  s.keeps_up = true;
  s.reason = std::string("a ") + (d->vm ? "vm" : "container") + " provides memory, not a service; " +
             std::to_string(d->oom_kills_inside) + " OOM kill(s) inside";
  return k;
}

}  // namespace headroom::workloads
