// Markdown report: one column per host, units in the row labels, then one verdict line per host.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "analysis/number_format.hpp"
#include "analysis/report.hpp"
#include "analysis/summary.hpp"

namespace headroom::analysis {
namespace {

std::string cell_gib(std::uint64_t bytes) { return format_fixed(to_gib(bytes), 2); }
std::string cell_percent(double fraction) { return format_fixed(100.0 * fraction, 1); }

std::string escape_cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c == '\n' ? ' ' : c);
  return out;
}

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  void add(const std::string& label, const std::vector<std::string>& cells) {
    std::vector<std::string> row{label};
    row.insert(row.end(), cells.begin(), cells.end());
    rows.push_back(std::move(row));
  }
  std::string render() const {
    std::string out = line(header);
    out += "|---|";
    for (std::size_t i = 1; i < header.size(); ++i) out += "---:|";
    out += "\n";
    for (const auto& row : rows) out += line(row);
    return out;
  }
  static std::string line(const std::vector<std::string>& cells) {
    std::string out = "|";
    for (const std::string& c : cells) {
      out += ' ';  // appended piecewise: GCC 12 warns falsely (-Wrestrict) on " " + string&&
      out += escape_cell(c);
      out += " |";
    }
    return out + "\n";
  }
};

using HostCell = std::function<std::string(const HostSummary&)>;

void add_host_row(Table& table, const std::vector<HostSummary>& hosts, const std::string& label,
                  const HostCell& cell) {
  std::vector<std::string> cells;
  for (const HostSummary& h : hosts) cells.push_back(cell(h));
  table.add(label, cells);
}

void add_memory_rows(Table& t, const std::vector<HostSummary>& hosts) {
  add_host_row(t, hosts, "RAM (GiB)", [](const HostSummary& h) { return cell_gib(h.host->ram_bytes); });
  add_host_row(t, hosts, "verdict", [](const HostSummary& h) {
    return std::string("**") + to_string(h.verdict.verdict) + "**";
  });
  add_host_row(t, hosts, "service", [](const HostSummary& h) {
    return std::string("**") + to_string(h.service.verdict) + "**";
  });
  // SLO (analysis/slo.hpp): only when some host's workloads have targets.
  if (std::any_of(hosts.begin(), hosts.end(), [](const HostSummary& h) { return h.slo_met.has_value(); }))
    add_host_row(t, hosts, "SLO", [](const HostSummary& h) {
      return h.slo_met ? std::string("**") + slo_word(*h.slo_met) + "**" : std::string("none");
    });
  auto mem = [](std::uint64_t MemoryResult::*field) {
    return [field](const HostSummary& h) { return cell_gib(h.host->memory.*field); };
  };
  add_host_row(t, hosts, "peak page cache (GiB)", mem(&MemoryResult::peak_file_bytes));
  add_host_row(t, hosts, "peak anonymous (GiB)", mem(&MemoryResult::peak_anon_bytes));
  add_host_row(t, hosts, "peak unevictable incl. wired (GiB)", mem(&MemoryResult::peak_unevictable_bytes));
  add_host_row(t, hosts, "peak swap used (GiB)", mem(&MemoryResult::peak_swap_bytes));
  add_host_row(t, hosts, "major faults (count)",
               [](const HostSummary& h) { return format_u64(h.host->memory.major_faults); });
  add_host_row(t, hosts, "read requests (count)",
               [](const HostSummary& h) { return format_u64(h.host->memory.read_requests); });
  add_host_row(t, hosts, "file read from disk (GiB)", mem(&MemoryResult::file_read_bytes));
  add_host_row(t, hosts, "swap in / out (GiB)", [](const HostSummary& h) {
    return cell_gib(h.host->memory.swap_in_bytes) + " / " + cell_gib(h.host->memory.swap_out_bytes);
  });
  add_host_row(t, hosts, "re-read after eviction (refaults, GiB)",
               [](const HostSummary& h) { return cell_gib(h.host->memory.refault_bytes()); });
  add_host_row(t, hosts, "reclaim direct / kswapd (GiB)", [](const HostSummary& h) {
    const auto page = h.host->page_bytes;
    return cell_gib(h.host->memory.direct_reclaim_pages * page) + " / " +
           cell_gib(h.host->memory.kswapd_reclaim_pages * page);
  });
  add_host_row(t, hosts, "OOM kills (count)",
               [](const HostSummary& h) { return format_u64(h.host->memory.oom_kills); });
  add_host_row(t, hosts, "memory stall some / full (% of horizon)", [](const HostSummary& h) {
    return cell_percent(h.psi.some_fraction) + " / " + cell_percent(h.psi.full_fraction);
  });
}

std::string cell_limit(const std::optional<std::uint64_t>& bytes) { return bytes ? cell_gib(*bytes) : "max"; }

// The rows of memory cgroup `name` (absent on a host without it), after the host's memory rows.
void add_group_rows(Table& t, const std::vector<HostSummary>& hosts, const std::string& name) {
  using GroupCell = std::function<std::string(const GroupResult&, const Psi&)>;
  const auto row = [&](const std::string& label, const GroupCell& cell) {
    add_host_row(t, hosts, label, [&](const HostSummary& h) {
      for (std::size_t i = 0; i < h.host->groups.size(); ++i)
        if (h.host->groups[i].name == name)
          return cell(h.host->groups[i], i < h.group_psi.size() ? h.group_psi[i] : Psi{});
      return std::string("absent");
    });
  };
  const std::string p = "group " + name + ": ";
  row("**group " + name + "** memory.max / high / swap.max (GiB)", [](const GroupResult& g, const Psi&) {
    return cell_limit(g.max_bytes) + " / " + cell_limit(g.high_bytes) + " / " + cell_limit(g.swap_max_bytes);
  });
  row(p + "memory.min / low (GiB)",
      [](const GroupResult& g, const Psi&) { return cell_gib(g.min_bytes) + " / " + cell_gib(g.low_bytes); });
  row(p + "usage now / peak (GiB)", [](const GroupResult& g, const Psi&) {
    return cell_gib(g.usage_bytes) + " / " + cell_gib(g.peak_usage_bytes);
  });
  row(p + "file / anonymous now (GiB)",
      [](const GroupResult& g, const Psi&) { return cell_gib(g.file_bytes) + " / " + cell_gib(g.anon_bytes); });
  row(p + "swap now / peak (GiB)", [](const GroupResult& g, const Psi&) {
    return cell_gib(g.swap_bytes) + " / " + cell_gib(g.peak_swap_bytes);
  });
  row(p + "major faults (count)", [](const GroupResult& g, const Psi&) { return format_u64(g.major_faults); });
  row(p + "read requests (count)", [](const GroupResult& g, const Psi&) { return format_u64(g.read_requests); });
  row(p + "refaults file / anon (GiB)", [](const GroupResult& g, const Psi&) {
    return cell_gib(g.refault_file_bytes) + " / " + cell_gib(g.refault_anon_bytes);
  });
  row(p + "reclaimed (GiB)", [](const GroupResult& g, const Psi&) { return cell_gib(g.reclaim_bytes); });
  row(p + "events low / high / max / oom / oom_kill (count)", [](const GroupResult& g, const Psi&) {
    return format_u64(g.events_low) + " / " + format_u64(g.events_high) + " / " + format_u64(g.events_max) + " / " +
           format_u64(g.events_oom) + " / " + format_u64(g.events_oom_kill);
  });
  row(p + "memory.high throttle (s)", [](const GroupResult& g, const Psi&) { return format_g(g.high_throttle_s, 4); });
  row(p + "memory stall some / full (% of horizon)", [](const GroupResult&, const Psi& psi) {
    return cell_percent(psi.some_fraction) + " / " + cell_percent(psi.full_fraction);
  });
}

// Group names in order of first appearance across hosts.
std::vector<std::string> group_names(const std::vector<HostSummary>& hosts) {
  std::vector<std::string> names;
  for (const HostSummary& h : hosts)
    for (const GroupResult& g : h.host->groups)
      if (std::find(names.begin(), names.end(), g.name) == names.end()) names.push_back(g.name);
  return names;
}

// The workload's (result, summary) on a host, or nullptr.
struct WorkloadOnHost {
  const WorkloadResult* result = nullptr;
  const WorkloadSummary* summary = nullptr;
};
WorkloadOnHost find_workload(const HostSummary& h, const std::string& name) {
  for (std::size_t i = 0; i < h.workloads.size() && i < h.host->workloads.size(); ++i)
    if (h.host->workloads[i].name == name) return {&h.host->workloads[i], &h.workloads[i]};
  return {};
}

using WorkloadCell = std::function<std::string(const WorkloadOnHost&)>;

void add_workload_row(Table& t, const std::vector<HostSummary>& hosts, const std::string& workload,
                      const std::string& label, const WorkloadCell& cell) {
  add_host_row(t, hosts, label, [&](const HostSummary& h) {
    const WorkloadOnHost w = find_workload(h, workload);
    return w.result ? cell(w) : std::string("absent");
  });
}

std::string cell_time(double t_s) { return t_s >= 0 ? format_g(t_s, 4) : "n/a"; }

// The common rows (status, start and end, service), then the rows the kind gives, in the order of
// the first host that has the workload.
void add_workload_rows(Table& t, const std::vector<HostSummary>& hosts, const std::string& name,
                       const std::string& kind, const std::vector<MetricRow>& kind_rows) {
  const std::string p = name + ": ";
  add_workload_row(t, hosts, name, "**" + name + "** (" + kind + ") status", [](const WorkloadOnHost& w) {
    const std::string& where = w.summary->kind.placement;
    return std::string(to_string(w.result->status)) + (where.empty() ? "" : " on " + where);
  });
  add_workload_row(t, hosts, name, p + "start / end (s)", [](const WorkloadOnHost& w) {
    return cell_time(w.result->start_s) + " / " + cell_time(w.result->end_s);
  });
  add_workload_row(t, hosts, name, p + "keeps up", [](const WorkloadOnHost& w) {
    return std::string(w.summary->kind.service.keeps_up ? "yes" : "**no**");
  });
  // One row per SLO target (analysis::slo_rows), after the status rows, when the workload has one.
  for (const HostSummary& h : hosts) {
    const WorkloadOnHost w = find_workload(h, name);
    if (!w.summary || !w.summary->slo) continue;
    for (const MetricRow& row : slo_rows(*w.summary->slo))
      add_workload_row(t, hosts, name, p + row.label, [&](const WorkloadOnHost& on) {
        if (on.summary->slo)
          for (const MetricRow& r : slo_rows(*on.summary->slo))
            if (r.label == row.label) return r.value;
        return std::string("n/a");
      });
    break;
  }
  for (const MetricRow& row : kind_rows) {
    add_workload_row(t, hosts, name, p + row.label, [&](const WorkloadOnHost& w) {
      for (const MetricRow& r : w.summary->kind.rows)
        if (r.label == row.label) return r.value;
      return std::string("n/a");
    });
  }
}

// "`linux`", or "`lru` (host-a), `arc` (host-b)" when hosts were simulated with different policies.
std::string policy_names(const ScenarioResult& result) {
  bool same = true;
  for (const HostResult& h : result.hosts) same = same && h.policy == result.hosts.front().policy;
  if (result.hosts.empty()) return "n/a";
  if (same) return "`" + result.hosts.front().policy + "`";
  std::string out;
  for (const HostResult& h : result.hosts) out += (out.empty() ? "" : ", ") + ("`" + h.policy + "` (" + h.name + ")");
  return out;
}

}  // namespace

std::string render_markdown(const ScenarioResult& result) {
  std::vector<HostSummary> hosts;
  for (const HostResult& h : result.hosts) hosts.push_back(summarize_host(h));

  Table table;
  table.header.push_back("metric");
  for (const HostSummary& h : hosts) table.header.push_back(h.host->name);
  add_memory_rows(table, hosts);
  for (const std::string& group : group_names(hosts)) add_group_rows(table, hosts, group);
  std::vector<std::string> seen;  // workloads in order of first appearance across hosts
  for (const HostSummary& h : hosts) {
    for (std::size_t i = 0; i < h.workloads.size() && i < h.host->workloads.size(); ++i) {
      const WorkloadResult& w = h.host->workloads[i];
      if (std::find(seen.begin(), seen.end(), w.name) != seen.end()) continue;
      seen.push_back(w.name);
      add_workload_rows(table, hosts, w.name, w.kind, h.workloads[i].kind.rows);
    }
  }

  std::string out = "## " + result.scenario + "\n\n";
  if (!result.description.empty()) out += result.description + "\n\n";
  out += "Scenario `" + result.scenario_path + "`, seed " + format_u64(result.seed) + ", horizon " +
         format_g(result.duration_s) + " s of simulated time, eviction policy " + policy_names(result) +
         ".\n\n";
  if (!result.start_order.empty()) {
    std::string order;
    for (const std::string& name : result.start_order) order += (order.empty() ? "" : ", ") + name;
    out += "Start order: " + order + ".\n\n";
  }
  out += table.render() + "\n";
  std::string behind;
  for (const HostSummary& h : hosts) {
    out += "- **" + h.host->name + "**: memory " + to_string(h.verdict.verdict) + ", service " +
           to_string(h.service.verdict) + (h.slo_met ? std::string(", SLO ") + slo_word(*h.slo_met) : "") +
           ". Memory: " + h.verdict.reason + ". Service: " + h.service.reason +
           (h.slo_met ? ". SLO: " + h.slo_reason : "") + "\n";
    if (h.service.verdict == ServiceVerdict::falls_behind) behind += (behind.empty() ? "" : ", ") + h.host->name;
  }
  out += behind.empty() ? "\nEvery host keeps up with its workloads.\n"
                        : "\nFalls behind: **" + behind + "** (a workload completes too little of what arrives).\n";
  out += "\nPercentiles are nearest-rank over requests; throughput is generated tokens / the time the workload ran (start to stop or horizon); "
         "memory stall some/full follow Linux PSI (see analysis/README.md).\n";
  return out;
}

}  // namespace headroom::analysis
