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
std::string cell_value(std::optional<double> value) { return value ? format_g(*value, 4) : "n/a"; }
std::string cell_pair(std::optional<double> a, std::optional<double> b) {
  return cell_value(a) + " / " + cell_value(b);
}

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
  auto mem = [](std::uint64_t MemoryResult::*field) {
    return [field](const HostSummary& h) { return cell_gib(h.host->memory.*field); };
  };
  add_host_row(t, hosts, "peak page cache (GiB)", mem(&MemoryResult::peak_file_bytes));
  add_host_row(t, hosts, "peak anonymous (GiB)", mem(&MemoryResult::peak_anon_bytes));
  add_host_row(t, hosts, "peak unevictable incl. wired (GiB)", mem(&MemoryResult::peak_unevictable_bytes));
  add_host_row(t, hosts, "peak swap used (GiB)", mem(&MemoryResult::peak_swap_bytes));
  add_host_row(t, hosts, "major faults (count)",
               [](const HostSummary& h) { return format_u64(h.host->memory.major_faults); });
  add_host_row(t, hosts, "file read from disk (GiB)", mem(&MemoryResult::file_read_bytes));
  add_host_row(t, hosts, "swap in / out (GiB)", [](const HostSummary& h) {
    return cell_gib(h.host->memory.swap_in_bytes) + " / " + cell_gib(h.host->memory.swap_out_bytes);
  });
  add_host_row(t, hosts, "re-read beyond cold start (GiB)",
               [](const HostSummary& h) { return cell_gib(h.refault_bytes); });
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

using WorkloadCell = std::function<std::string(const WorkloadSummary&)>;

void add_workload_row(Table& t, const std::vector<HostSummary>& hosts, const std::string& workload,
                      const std::string& label, const WorkloadCell& cell) {
  add_host_row(t, hosts, label, [&](const HostSummary& h) {
    for (const WorkloadSummary& w : h.workloads) {
      if (w.name == workload) return cell(w);
    }
    return std::string("absent");
  });
}

void add_workload_rows(Table& t, const std::vector<HostSummary>& hosts, const std::string& name,
                       const std::string& kind) {
  const std::string p = name + ": ";
  add_workload_row(t, hosts, name, "**" + name + "** (" + kind + ") status",
                   [](const WorkloadSummary& w) { return w.status + (w.device.empty() ? "" : " on " + w.device); });
  add_workload_row(t, hosts, name, p + "requests completed / failed / unfinished", [](const WorkloadSummary& w) {
    return format_u64(w.requests_completed) + " / " + format_u64(w.requests_failed) + " / " +
           format_u64(w.requests_unfinished);
  });
  add_workload_row(t, hosts, name, p + "throughput (tokens/s)",
                   [](const WorkloadSummary& w) { return format_g(w.tokens_per_s, 4); });
  add_workload_row(t, hosts, name, p + "TTFT p50 / p99 (s)",
                   [](const WorkloadSummary& w) { return cell_pair(w.ttft_s.p50, w.ttft_s.p99); });
  add_workload_row(t, hosts, name, p + "TPOT p50 / p99 (s/token)",
                   [](const WorkloadSummary& w) { return cell_pair(w.tpot_s.p50, w.tpot_s.p99); });
  add_workload_row(t, hosts, name, p + "end-to-end p50 / p99 (s)",
                   [](const WorkloadSummary& w) { return cell_pair(w.e2e_s.p50, w.e2e_s.p99); });
  add_workload_row(t, hosts, name, p + "queue wait p50 / p99 (s)",
                   [](const WorkloadSummary& w) { return cell_pair(w.queue_wait_s.p50, w.queue_wait_s.p99); });
  add_workload_row(t, hosts, name, p + "memory stall (s)",
                   [](const WorkloadSummary& w) { return format_g(w.memory_stall_s, 4); });
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
  std::vector<std::string> seen;  // workloads in order of first appearance across hosts
  for (const HostSummary& h : hosts) {
    for (const WorkloadSummary& w : h.workloads) {
      if (std::find(seen.begin(), seen.end(), w.name) != seen.end()) continue;
      seen.push_back(w.name);
      add_workload_rows(table, hosts, w.name, w.kind);
    }
  }

  std::string out = "## " + result.scenario + "\n\n";
  if (!result.description.empty()) out += result.description + "\n\n";
  out += "Scenario `" + result.scenario_path + "`, seed " + format_u64(result.seed) + ", horizon " +
         format_g(result.duration_s) + " s of simulated time, eviction policy " + policy_names(result) +
         ".\n\n";
  out += table.render() + "\n";
  for (const HostSummary& h : hosts) {
    out += "- **" + h.host->name + "**: " + to_string(h.verdict.verdict) + ": " + h.verdict.reason + "\n";
  }
  out += "\nPercentiles are nearest-rank over requests; throughput is generated tokens / horizon; "
         "memory stall some/full follow Linux PSI (see analysis/README.md).\n";
  return out;
}

}  // namespace headroom::analysis
