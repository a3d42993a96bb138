#include "analysis/report_table.hpp"

#include <algorithm>
#include <functional>

#include "analysis/number_format.hpp"

namespace headroom::analysis {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) text.replace(at, from.size(), to);
  return text;
}

// The unit suffixes of the project's key names (analysis/README.md "Units"): raw unit, shown unit, scale.
struct Suffix {
  const char* suffix;
  const char* raw;
  const char* shown;
  double scale;
};
constexpr Suffix kSuffixes[] = {
    {"_bytes", "bytes", "GiB", 1.0 / kBytesPerGiB}, {"_gib", "GiB", "GiB", 1.0},
    {"_fraction", "fraction", "%", 100.0},        {"_Bps", "B/s", "GB/s", 1e-9},
    {"_s", "s", "s", 1.0},
};

// The segment (leaf, else its parent) whose suffix gives the unit, and that suffix; nullptr: none.
std::pair<std::size_t, const Suffix*> unit_segment(const std::vector<std::string>& path) {
  for (std::size_t back = 0; back < 2 && back < path.size(); ++back) {
    const std::string& segment = path[path.size() - 1 - back];
    if (segment.find("_per_s") != std::string::npos) return {path.size() - 1 - back, nullptr};
    for (const Suffix& s : kSuffixes)
      if (ends_with(segment, s.suffix) && segment.size() > std::string(s.suffix).size())
        return {path.size() - 1 - back, &s};
  }
  return {path.size(), nullptr};
}


std::string text_of(const OrderedJson* value, const std::string& otherwise = "") {
  return value && value->is_string() ? value->get<std::string>() : otherwise;
}

TableCell json_cell(const OrderedJson* value, double scale = 1) {
  if (!value || value->is_null()) return TableCell::of_text("n/a");
  if (value->is_number()) return TableCell::of(value->get<double>() * scale);
  if (value->is_boolean()) return TableCell::of_text(value->get<bool>() ? "yes" : "no");
  if (value->is_string()) return TableCell::of_text(value->get<std::string>());
  return TableCell::of_text(value->dump());
}

std::string escape_cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c == '\n' || c == '\r' ? ' ' : c);
  return out;
}

std::string markdown_line(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const std::string& c : cells) {
    out += ' ';  // appended piecewise: GCC 12 warns falsely (-Wrestrict) on " " + string&&
    out += escape_cell(c);
    out += " |";
  }
  return out + "\n";
}

std::string signed_text(double value) {
  std::string out = value > 0 ? "+" : "";  // piecewise: GCC 12 warns falsely (-Wrestrict) on "+" + string&&
  out += format_readable(value);
  return out;
}

// Rows of one table, each cell taken from a host's JSON.
class Builder {
 public:
  Builder(ComparisonTable& table, const std::vector<const OrderedJson*>& hosts) : table_(table), hosts_(hosts) {}
  using Cell = std::function<TableCell(const OrderedJson& host)>;
  void add(const std::string& label, const std::string& unit, const Cell& cell) {
    TableRow row{{label}, unit, {}};
    for (const OrderedJson* h : hosts_) row.cells.push_back(cell(*h));
    table_.rows.push_back(std::move(row));
  }
  // A field of the host JSON at `path`, scaled.
  void field(const std::string& label, const std::string& unit, const std::vector<std::string>& path, double scale = 1) {
    add(label, unit, [&](const OrderedJson& h) { return json_cell(find_path(h, path), scale); });
  }
  const std::vector<const OrderedJson*>& hosts() const { return hosts_; }
  // A row without any number (a flag under `ttft_p99_s`) has no unit to show.
  void drop_unit_of_text_row() {
    TableRow& row = table_.rows.back();
    if (std::none_of(row.cells.begin(), row.cells.end(), [](const TableCell& c) { return c.number.has_value(); }))
      row.unit.clear();
  }

 private:
  ComparisonTable& table_;
  std::vector<const OrderedJson*> hosts_;
};

constexpr double kGiB = 1.0 / kBytesPerGiB;

TableCell bold(const OrderedJson* value) {
  const std::string text = text_of(value);
  return TableCell::of_text(text.empty() ? "n/a" : "**" + text + "**");
}

// RAM and the two verdicts; a later version's host keys (SLO, ...) follow them.
void add_verdict_rows(Builder& b) {
  b.field("RAM", "GiB", {"ram_bytes"}, kGiB);
  b.add("memory verdict", "", [](const OrderedJson& h) { return bold(find_path(h, {"verdict"})); });
  b.add("service", "", [](const OrderedJson& h) { return bold(find_path(h, {"service"})); });
  // The SLO verdict (analysis/slo.hpp) when some host's workloads have targets; its reason is
  // printed under the table with the others.
  const auto& hosts = b.hosts();
  if (std::any_of(hosts.begin(), hosts.end(), [](const OrderedJson* h) { return h->contains("slo"); }))
    b.add("SLO", "", [](const OrderedJson& h) { return bold(find_path(h, {"slo"})); });
}

void add_memory_rows(Builder& b) {
  struct Field {
    const char* label;
    const char* unit;
    const char* key;
    double scale;
  };
  for (const Field f : {Field{"peak page cache", "GiB", "peak_file_bytes", kGiB},
                        {"peak anonymous", "GiB", "peak_anon_bytes", kGiB},
                        {"peak unevictable incl. wired", "GiB", "peak_unevictable_bytes", kGiB},
                        {"peak swap used", "GiB", "peak_swap_bytes", kGiB},
                        {"major faults", "count", "major_faults", 1},
                        {"read requests", "count", "read_requests", 1},
                        {"file read from disk", "GiB", "file_read_bytes", kGiB},
                        {"swap in", "GiB", "swap_in_bytes", kGiB},
                        {"swap out", "GiB", "swap_out_bytes", kGiB},
                        {"re-read after eviction (refaults)", "GiB", "refault_bytes", kGiB}})
    b.field(f.label, f.unit, {"memory", f.key}, f.scale);
  for (const auto& [label, key] : {std::pair{"direct reclaim", "direct_reclaim_pages"}, {"kswapd reclaim", "kswapd_reclaim_pages"}}) {
    b.add(label, "GiB", [key = std::string(key)](const OrderedJson& h) {
      const OrderedJson* pages = find_path(h, {"memory", key});
      const OrderedJson* page = find_path(h, {"page_bytes"});
      if (!pages || !page || !pages->is_number() || !page->is_number()) return json_cell(pages);
      return TableCell::of(pages->get<double>() * page->get<double>() * kGiB);
    });
  }
  b.field("OOM kills", "count", {"memory", "oom_kills"});
  b.field("memory stall some", "% of horizon", {"memory", "psi_some_fraction"}, 100);
  b.field("memory stall full", "% of horizon", {"memory", "psi_full_fraction"}, 100);
}

// The host keys the rows above (or the text around the table) show; any other is a row of its own.
bool known_host_key(const std::string& key) {
  static const std::vector<std::string> known{"name", "description", "ram_bytes", "ram_gib", "page_bytes",
                                              "mem_bw_effective_Bps", "horizon_s", "policy", "verdict",
                                              "verdict_reason", "service", "service_reason", "slo", "slo_reason", "memory",
                                              "groups", "workloads", "timeseries"};
  return std::find(known.begin(), known.end(), key) != known.end();
}

// Leaf paths under `json` (objects nest) in order, appended to `paths` when new. A distribution
// (an object with count and p50) gives its p50, p90 and p99 only.
void collect_paths(const OrderedJson& json, std::vector<std::string> prefix, std::vector<std::vector<std::string>>& paths) {
  if (json.is_object()) {
    const bool distribution = json.contains("count") && json.contains("p50");
    for (const auto& [key, value] : json.items()) {
      if (distribution && key != "p50" && key != "p90" && key != "p99") continue;
      if (key == "keeps_up") continue;  // the "keeps up" row
      prefix.push_back(key);
      collect_paths(value, prefix, paths);
      prefix.pop_back();
    }
    return;
  }
  if (prefix.empty() || display_key(prefix).hidden) return;
  if (std::find(paths.begin(), paths.end(), prefix) == paths.end()) paths.push_back(prefix);
}

void add_generic_rows(Builder& b, const std::string& label_prefix, const std::vector<std::vector<std::string>>& paths,
                      const std::function<const OrderedJson*(const OrderedJson& host)>& owner,
                      const std::vector<std::string>& base = {}) {
  for (const auto& path : paths) {
    const DisplayKey d = display_key(path);
    std::vector<std::string> full = base;
    full.insert(full.end(), path.begin(), path.end());
    // Failures are counted by cause: a cause a host does not list happened 0 times there.
    const bool count_by_cause = path.size() == 2 && path[0] == "failure_reasons";
    b.add(label_prefix + d.label, d.unit, [&, full, count_by_cause, scale = d.scale](const OrderedJson& h) {
      const OrderedJson* o = owner(h);
      if (!o) return TableCell::of_text("absent");
      const OrderedJson* value = find_path(*o, full);
      return !value && count_by_cause && find_path(*o, {full.begin(), full.end() - 1}) ? TableCell::of(0) : json_cell(value, scale);
    });
    b.drop_unit_of_text_row();
  }
}

const OrderedJson* named(const OrderedJson& host, const char* list, const std::string& name) {
  const OrderedJson* items = find_path(host, {list});
  if (!items || !items->is_array()) return nullptr;
  for (const OrderedJson& item : *items)
    if (item.is_object() && text_of(find_path(item, {"name"})) == name) return &item;
  return nullptr;
}

// Names of the objects in each host's `list` (groups, workloads), in order of first appearance.
std::vector<std::string> names_in(const std::vector<const OrderedJson*>& hosts, const char* list) {
  std::vector<std::string> names;
  for (const OrderedJson* h : hosts) {
    const OrderedJson* items = find_path(*h, {list});
    if (!items || !items->is_array()) continue;
    for (const OrderedJson& item : *items) {
      const std::string name = text_of(find_path(item, {"name"}));
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  return names;
}

void add_group_rows(Builder& b, const std::string& name) {
  const std::string p = "group " + name + ": ";
  const auto group_cell = [name](std::vector<std::string> path, double scale, const char* null_text) {
    return [name, path, scale, null_text](const OrderedJson& h) {
      const OrderedJson* g = named(h, "groups", name);
      if (!g) return TableCell::of_text("absent");
      const OrderedJson* v = find_path(*g, path);
      return v && v->is_null() && null_text ? TableCell::of_text(null_text) : json_cell(v, scale);
    };
  };
  for (const auto& [label, key] : {std::pair{"memory.max", "max_bytes"}, {"memory.high", "high_bytes"},
                                   {"memory.swap.max", "swap_max_bytes"}, {"memory.min", "min_bytes"},
                                   {"memory.low", "low_bytes"}})
    b.add(p + label, "GiB", group_cell({"limits", key}, kGiB, "max"));
  for (const auto& [label, key] : {std::pair{"usage now", "usage_bytes"}, {"usage peak", "peak_usage_bytes"},
                                   {"file now", "file_bytes"}, {"anonymous now", "anon_bytes"},
                                   {"swap now", "swap_bytes"}, {"swap peak", "peak_swap_bytes"}})
    b.add(p + label, "GiB", group_cell({key}, kGiB, nullptr));
  b.add(p + "major faults", "count", group_cell({"major_faults"}, 1, nullptr));
  b.add(p + "read requests", "count", group_cell({"read_requests"}, 1, nullptr));
  for (const auto& [label, key] : {std::pair{"refaults file", "refault_file_bytes"},
                                   {"refaults anonymous", "refault_anon_bytes"}, {"reclaimed", "reclaim_bytes"}})
    b.add(p + label, "GiB", group_cell({key}, kGiB, nullptr));
  for (const char* event : {"low", "high", "max", "oom", "oom_kill"})
    b.add(p + "events " + event, "count", group_cell({"events", event}, 1, nullptr));
  b.add(p + "memory.high throttle", "s", group_cell({"high_throttle_s"}, 1, nullptr));
  b.add(p + "memory stall some", "% of horizon", group_cell({"psi_some_fraction"}, 100, nullptr));
  b.add(p + "memory stall full", "% of horizon", group_cell({"psi_full_fraction"}, 100, nullptr));
}

// The workload keys shown by the rows of every kind; the rest of the top level is the kind's info.
bool common_workload_key(const std::string& key) {
  static const std::vector<std::string> common{"name", "kind", "group", "status", "cause", "status_detail",
                                               "fell_back", "start_s", "end_s", "peak", "busy_s", "service", "metrics"};
  return std::find(common.begin(), common.end(), key) != common.end();
}

void add_workload_rows(Builder& b, const std::string& name) {
  std::string kind;
  for (const OrderedJson* h : b.hosts())
    if (const OrderedJson* w = named(*h, "workloads", name); w && kind.empty()) kind = text_of(find_path(*w, {"kind"}));
  const auto owner = [name](const OrderedJson& h) { return named(h, "workloads", name); };
  const auto cell = [&](std::vector<std::string> path) {
    return [owner, path](const OrderedJson& h) {
      const OrderedJson* w = owner(h);
      return w ? json_cell(find_path(*w, path)) : TableCell::of_text("absent");
    };
  };
  const std::string p = name + ": ";
  b.add(name + " (" + kind + "): status", "", cell({"status"}));
  bool any_cause = false, any_fallback = false;
  for (const OrderedJson* h : b.hosts())
    if (const OrderedJson* w = owner(*h)) {
      any_cause = any_cause || text_of(find_path(*w, {"cause"}), "none") != "none";
      any_fallback = any_fallback || (find_path(*w, {"fell_back"}) && *find_path(*w, {"fell_back"}) == true);
    }
  if (any_cause) b.add(p + "cause", "", cell({"cause"}));
  if (any_fallback) b.add(p + "fell back", "", cell({"fell_back"}));
  b.add(p + "start", "s", cell({"start_s"}));
  b.add(p + "end", "s", cell({"end_s"}));
  b.add(p + "keeps up", "", [owner](const OrderedJson& h) {
    const OrderedJson* w = owner(h);
    if (!w) return TableCell::of_text("absent");
    const OrderedJson* keeps = find_path(*w, {"service", "keeps_up"});
    return TableCell::of_text(!keeps || !keeps->is_boolean() ? "n/a" : *keeps == true ? "yes" : "**no**");
  });
  std::vector<std::vector<std::string>> info, metrics;
  for (const OrderedJson* h : b.hosts()) {
    const OrderedJson* w = owner(*h);
    if (!w || !w->is_object()) continue;
    for (const auto& [key, value] : w->items())
      if (!common_workload_key(key)) collect_paths(value, {key}, info);
    if (const OrderedJson* m = find_path(*w, {"metrics"})) collect_paths(*m, {}, metrics);
  }
  add_generic_rows(b, p, info, owner);
  add_generic_rows(b, p, metrics, owner, {"metrics"});
}

std::string policy_text(const std::vector<const OrderedJson*>& hosts) {
  if (hosts.empty()) return "n/a";
  bool same = true;
  for (const OrderedJson* h : hosts) same = same && text_of(find_path(*h, {"policy"})) == text_of(find_path(*hosts.front(), {"policy"}));
  if (same) return "`" + text_of(find_path(*hosts.front(), {"policy"})) + "`";
  std::string out;
  for (const OrderedJson* h : hosts)
    out += (out.empty() ? "" : ", ") + ("`" + text_of(find_path(*h, {"policy"})) + "` (" + text_of(find_path(*h, {"name"})) + ")");
  return out;
}

std::vector<const OrderedJson*> hosts_of(const OrderedJson& result) {
  std::vector<const OrderedJson*> hosts;
  if (const OrderedJson* list = find_path(result, {"hosts"}); list && list->is_array())
    for (const OrderedJson& h : *list)
      if (h.is_object()) hosts.push_back(&h);
  return hosts;
}

}  // namespace

DisplayKey display_key(const std::vector<std::string>& path) {
  DisplayKey d;
  if (path.empty()) return d;
  const std::string& leaf = path.back();
  d.hidden = ends_with(leaf, "_gib") || ends_with(leaf, "_reason") || leaf == "reason";
  const auto [at, suffix] = unit_segment(path);
  for (std::size_t i = 0; i < path.size(); ++i) {
    std::string segment = path[i];
    if (i == at && suffix) {
      segment.resize(segment.size() - std::string(suffix->suffix).size());
      d.unit = suffix->shown;
      d.scale = suffix->scale;
    }
    segment = replace_all(replace_all(segment, "_per_s", "/s"), "_", " ");
    d.label += (i == 0 ? "" : " ") + segment;
  }
  return d;
}

std::string raw_unit(const std::vector<std::string>& path) {
  const auto [at, suffix] = unit_segment(path);
  if (suffix) return suffix->raw;
  if (at == path.size()) return "";
  const std::string& segment = path[at];  // "tokens_per_s" -> "tokens/s"
  return segment.substr(0, segment.find("_per_s")) + "/s";
}

std::optional<double> cell_ratio(const TableCell& first, const TableCell& other) {
  if (!first.number || !other.number || *first.number == 0) return std::nullopt;
  return *other.number / *first.number;
}

std::optional<double> cell_difference(const TableCell& first, const TableCell& other) {
  if (!first.number || !other.number) return std::nullopt;
  return *other.number - *first.number;
}

std::string cell_text(const TableCell& cell) { return cell.number ? format_readable(*cell.number) : cell.text; }

std::vector<std::vector<std::string>> table_cells(const ComparisonTable& table) {
  std::vector<std::string> header = table.label_headers;
  header.insert(header.end(), table.columns.begin(), table.columns.end());
  const bool ratios = table.ratio_columns && table.columns.size() > 1;
  if (ratios)
    for (std::size_t j = 1; j < table.columns.size(); ++j) {
      header.push_back("ratio " + table.columns[j] + " / " + table.columns[0]);
      header.push_back("difference " + table.columns[j] + " - " + table.columns[0]);
    }
  std::vector<std::vector<std::string>> out{header};
  for (const TableRow& row : table.rows) {
    std::vector<std::string> cells = row.labels;
    cells.resize(table.label_headers.size());
    if (!row.unit.empty() && !cells.empty()) cells.back() += " (" + row.unit + ")";
    for (std::size_t j = 0; j < table.columns.size(); ++j)
      cells.push_back(j < row.cells.size() ? cell_text(row.cells[j]) : "");
    if (ratios)
      for (std::size_t j = 1; j < table.columns.size(); ++j) {
        const bool numeric = !row.cells.empty() && j < row.cells.size() && row.cells[0].number && row.cells[j].number;
        const auto ratio = numeric ? cell_ratio(row.cells[0], row.cells[j]) : std::nullopt;
        const auto difference = numeric ? cell_difference(row.cells[0], row.cells[j]) : std::nullopt;
        cells.push_back(!numeric ? "" : ratio ? format_readable(*ratio) : "n/a");
        cells.push_back(difference ? signed_text(*difference) : "");
      }
    out.push_back(std::move(cells));
  }
  return out;
}

std::string render_markdown_table(const ComparisonTable& table) {
  const auto cells = table_cells(table);
  std::string out = markdown_line(cells.front()) + "|";
  for (std::size_t i = 0; i < cells.front().size(); ++i) out += i < table.label_headers.size() ? "---|" : "---:|";
  out += "\n";
  for (std::size_t r = 1; r < cells.size(); ++r) out += markdown_line(cells[r]);
  return out;
}

ComparisonTable comparison_table(const OrderedJson& result) {
  ComparisonTable table;
  const std::vector<const OrderedJson*> hosts = hosts_of(result);
  for (const OrderedJson* h : hosts) table.columns.push_back(text_of(find_path(*h, {"name"}), "n/a"));
  Builder b(table, hosts);
  add_verdict_rows(b);
  std::vector<std::vector<std::string>> extra;  // a later version's host keys (SLO, ...)
  for (const OrderedJson* h : hosts)
    for (const auto& [key, value] : h->items())
      if (!known_host_key(key)) collect_paths(value, {key}, extra);
  add_generic_rows(b, "", extra, [](const OrderedJson& h) { return &h; });
  add_memory_rows(b);
  for (const std::string& group : names_in(hosts, "groups")) add_group_rows(b, group);
  for (const std::string& workload : names_in(hosts, "workloads")) add_workload_rows(b, workload);
  return table;
}

std::string scenario_markdown(const OrderedJson& result, int level, const std::string& title) {
  const std::vector<const OrderedJson*> hosts = hosts_of(result);
  std::string out = std::string(static_cast<std::size_t>(std::max(level, 1)), '#') + " " +
                    (title.empty() ? text_of(find_path(result, {"scenario"})) : title) + "\n\n";
  if (const std::string description = text_of(find_path(result, {"description"})); !description.empty())
    out += description + "\n\n";
  const OrderedJson* seed = find_path(result, {"seed"});
  const OrderedJson* duration = find_path(result, {"duration_s"});
  out += "Scenario `" + text_of(find_path(result, {"scenario_path"})) + "`, seed " +
         (seed && seed->is_number_unsigned() ? format_u64(seed->get<std::uint64_t>()) : "n/a") + ", horizon " +
         (duration && duration->is_number() ? format_readable(duration->get<double>()) : "n/a") +
         " s of simulated time, eviction policy " + policy_text(hosts) + ".\n\n";
  if (const OrderedJson* order = find_path(result, {"start_order"}); order && order->is_array() && !order->empty()) {
    std::string names;
    for (const OrderedJson& name : *order) names += (names.empty() ? "" : ", ") + text_of(&name);
    out += "Start order: " + names + ".\n\n";
  }
  out += render_markdown_table(comparison_table(result)) + "\n";
  std::string behind;
  for (const OrderedJson* h : hosts) {
    const std::string name = text_of(find_path(*h, {"name"}));
    const std::string service = text_of(find_path(*h, {"service"}));
    out += "- **" + name + "**: memory " + text_of(find_path(*h, {"verdict"})) + ", service " + service +
           (h->contains("slo") ? ", SLO " + text_of(find_path(*h, {"slo"})) : std::string()) + ". Memory: " +
           text_of(find_path(*h, {"verdict_reason"})) + ". Service: " + text_of(find_path(*h, {"service_reason"})) +
           (h->contains("slo") ? ". SLO: " + text_of(find_path(*h, {"slo_reason"})) : std::string()) + "\n";
    if (service == "falls-behind") behind += (behind.empty() ? "" : ", ") + name;
  }
  out += behind.empty() ? "\nEvery host keeps up with its workloads.\n"
                        : "\nFalls behind: **" + behind + "** (a workload completes too little of what arrives).\n";
  if (hosts.size() > 1)
    out += "\nRatio and difference columns compare each host with the first, " +
           text_of(find_path(*hosts.front(), {"name"})) + " (n/a: the first is 0 or has no value).\n";
  out += "\nPercentiles are nearest-rank over requests; throughput is generated tokens / the time the workload ran (start to stop or horizon); "
         "memory stall some/full follow Linux PSI (see analysis/README.md).\n";
  return out;
}

const OrderedJson* find_path(const OrderedJson& json, const std::vector<std::string>& path) {
  const OrderedJson* at = &json;
  for (const std::string& key : path) {
    if (!at->is_object()) return nullptr;
    const auto found = at->find(key);
    if (found == at->end()) return nullptr;
    at = &*found;
  }
  return at;
}

}  // namespace headroom::analysis
