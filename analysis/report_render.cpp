#include "analysis/report_render.hpp"

#include <algorithm>

#include "analysis/number_format.hpp"
#include "analysis/report_table.hpp"

namespace headroom::analysis {

std::string render_report_html(const std::vector<ReportInput>& inputs);  // report_html.cpp

namespace {

template <class... F>
struct Overload : F... {
  using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;


std::string text_at(const OrderedJson& json, const char* key) {
  const auto found = json.find(key);
  return found != json.end() && found->is_string() ? found->get<std::string>() : "";
}

// ---- tidy records ----

class RecordSink {
 public:
  RecordSink(std::vector<ReportRecord>& out, std::string scenario, std::vector<std::string> parameters)
      : out_(out), scenario_(std::move(scenario)), parameters_(std::move(parameters)) {}
  void owner(std::string host, std::string workload) {
    host_ = std::move(host);
    workload_ = std::move(workload);
  }
  void add(const std::vector<std::string>& path, const OrderedJson& value, std::string unit) {
    std::string metric;
    for (const std::string& part : path) metric += (metric.empty() ? "" : ".") + part;
    out_.push_back({scenario_, parameters_, host_, workload_, metric, std::move(unit), value});
  }
  // Every leaf of `json` (objects nest; arrays as JSON text), unit from the key path.
  void flatten(const OrderedJson& json, std::vector<std::string>& path) {
    if (json.is_object()) {
      for (const auto& [key, value] : json.items()) {
        path.push_back(key);
        flatten(value, path);
        path.pop_back();
      }
      return;
    }
    add(path, json.is_array() ? OrderedJson(json.dump()) : json, raw_unit(path));
  }

 private:
  std::vector<ReportRecord>& out_;
  std::string scenario_;
  std::vector<std::string> parameters_;
  std::string host_, workload_;
};

// A host of a run/compare result: its keys (groups as groups.NAME.<field>, as `run --format csv`),
// then each workload's. The time series stays in the JSON (one value per row would be thousands).
void host_records(RecordSink& sink, const OrderedJson& host) {
  const std::string name = text_at(host, "name");
  sink.owner(name, "");
  std::vector<std::string> path;
  for (const auto& [key, value] : host.items()) {
    if (key == "name" || key == "workloads" || key == "timeseries") continue;
    if (key == "groups" && value.is_array()) {
      for (const OrderedJson& g : value) {
        if (!g.is_object()) continue;
        path = {"groups", text_at(g, "name")};
        for (const auto& [field, v] : g.items())
          if (field != "name") {
            path.push_back(field);
            sink.flatten(v, path);
            path.pop_back();
          }
      }
      continue;
    }
    path = {key};
    sink.flatten(value, path);
  }
  if (const auto workloads = host.find("workloads"); workloads != host.end() && workloads->is_array())
    for (const OrderedJson& w : *workloads) {
      if (!w.is_object()) continue;
      sink.owner(name, text_at(w, "name"));
      for (const auto& [key, value] : w.items())
        if (key != "name") {
          path = {key};
          sink.flatten(value, path);
        }
    }
}

void result_records(RecordSink& sink, const OrderedJson& result) {
  for (const OrderedJson& host : result.at("hosts")) host_records(sink, host);
}

std::vector<std::string> row_parameters(const std::vector<std::string>& columns,
                                        const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::vector<std::string> values(columns.size());
  for (const auto& [path, value] : parameters)
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (columns[i] == path) values[i] = value;
  return values;
}

void sweep_records(std::vector<ReportRecord>& out, const SweepInput& sweep, const std::vector<std::string>& columns) {
  for (const SweepPoint& p : sweep.points) {
    RecordSink sink(out, sweep.scenario, row_parameters(columns, p.parameters));
    sink.owner(p.host, "");
    sink.add({"point", "id"}, p.id, "");
    sink.add({"point", "status"}, p.status == SweepPoint::Status::ok ? "ok" : p.status == SweepPoint::Status::failed ? "failed" : "missing", "");
    if (p.status == SweepPoint::Status::ok) {
      result_records(sink, p.result);
      continue;
    }
    if (p.status == SweepPoint::Status::failed) sink.add({"point", "exit_code"}, p.exit_code, "");
    sink.add({"point", "reason"}, p.reason, "");
  }
}

// "96 GiB" (a table column), or "96GiB" (a metric path step).
std::string gib_label(const OrderedJson& bytes, const char* space = " ") {
  return bytes.is_number() ? format_readable(bytes.get<double>() / kBytesPerGiB) + space + "GiB" : "unknown";
}

void mrc_records(std::vector<ReportRecord>& out, const MrcInput& mrc, std::size_t columns) {
  RecordSink sink(out, text_at(mrc.mrc, "trace"), std::vector<std::string>(columns));
  for (const auto& [key, value] : mrc.mrc.items()) {
    if (key == "trace" || key == "curve" || key == "ram_marks" || value.is_structured()) continue;
    sink.add({key}, value, raw_unit({key}));
  }
  for (const OrderedJson& mark : mrc.mrc.at("ram_marks")) {
    if (!mark.is_object()) continue;
    const std::string at = gib_label(mark.contains("ram_bytes") ? mark.at("ram_bytes") : OrderedJson(), "");
    for (const auto& [key, value] : mark.items())
      if (key != "ram_bytes") sink.add({"ram_marks", at, key}, value, key == "frames" ? "frames" : "fraction");
  }
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string render_csv(const std::vector<ReportInput>& inputs) {
  // Appended field by field: GCC 12 warns falsely (-Wrestrict) on "," + string&&.
  std::string out = "scenario";
  const auto field = [&out](const std::string& text) {
    out += ',';
    out += csv_field(text);
  };
  for (const std::string& column : parameter_columns(inputs)) field(column);
  out += ",host,workload,metric,unit,value\n";
  for (const ReportRecord& r : report_records(inputs)) {
    out += csv_field(r.scenario);
    for (const std::string& value : r.parameters) field(value);
    for (const std::string* text : {&r.host, &r.workload, &r.metric, &r.unit}) field(*text);
    field(record_value_text(r.value));
    out += '\n';
  }
  return out;
}

std::string render_json(const std::vector<ReportInput>& inputs) {
  const std::vector<std::string> columns = parameter_columns(inputs);
  OrderedJson out = OrderedJson::array();
  for (const ReportRecord& r : report_records(inputs)) {
    OrderedJson parameters = OrderedJson::object();
    for (std::size_t i = 0; i < columns.size(); ++i) parameters[columns[i]] = r.parameters[i];
    out.push_back({{"scenario", r.scenario}, {"parameters", parameters}, {"host", r.host}, {"workload", r.workload},
                   {"metric", r.metric}, {"unit", r.unit}, {"value", r.value}});
  }
  return out.dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

// ---- markdown ----

std::string md_sweep(const SweepInput& sweep) {
  std::size_t ok = 0, failed = 0, missing = 0;
  for (const SweepPoint& p : sweep.points)
    (p.status == SweepPoint::Status::ok ? ok : p.status == SweepPoint::Status::failed ? failed : missing) += 1;
  std::string parameters;
  for (const std::string& path : sweep.parameter_paths) parameters += (parameters.empty() ? "" : " x ") + path;
  std::string out = "## Sweep of " + sweep.scenario + "\n\n";
  out += "Scenario `" + sweep.scenario_path + "`, sweep directory `" + sweep.dir + "`: " +
         format_u64(sweep.points.size()) + " points (" + (parameters.empty() ? "no parameters" : parameters) +
         " x hosts), " + format_u64(ok) + " ok, " + format_u64(failed) + " failed, " + format_u64(missing) + " missing.\n\n";
  if (failed + missing > 0) {
    out += "Points without a result:\n\n";
    for (const SweepPoint& p : sweep.points) {
      if (p.status == SweepPoint::Status::ok) continue;
      std::string where;
      for (const auto& [path, value] : p.parameters) where += path + "=" + value + ", ";
      out += "- " + p.id + " (" + where + "host " + p.host + "): " +
             (p.status == SweepPoint::Status::failed ? "failed, exit status " + std::to_string(p.exit_code) : std::string("missing")) +
             (p.reason.empty() ? "" : ": " + p.reason) + "\n";
    }
    out += "\n";
  }
  out += "### Key metrics\n\nOne table per metric: parameter values as rows, hosts as columns, then ratio and difference against the first host.\n\n";
  for (const KeyMetric& m : key_metrics(sweep))
    out += "#### " + m.label + (m.unit.empty() ? "" : " (" + m.unit + ")") + "\n\n" +
           render_markdown_table(sweep_metric_table(sweep, m)) + "\n";
  out += "### Points\n\n";
  for (const SweepCombo& combo : sweep_combos(sweep)) {
    const OrderedJson result = combo_result(combo);
    if (result.is_null())
      out += "#### " + combo_title(combo) + "\n\nNo point of this combination has a result.\n\n";
    else
      out += scenario_markdown(result, 4, combo_title(combo)) + "\n";
  }
  return out;
}

ComparisonTable mrc_table(const OrderedJson& mrc) {
  ComparisonTable table;
  std::vector<const OrderedJson*> marks;
  for (const OrderedJson& mark : mrc.at("ram_marks"))
    if (mark.is_object()) {
      marks.push_back(&mark);
      table.columns.push_back(gib_label(mark.contains("ram_bytes") ? mark.at("ram_bytes") : OrderedJson()));
    }
  const auto row = [&](const char* label, const char* key) {
    TableRow r{{label}, "", {}};
    bool any = false;
    for (const OrderedJson* m : marks) {
      const auto v = m->find(key);
      any = any || v != m->end();
      r.cells.push_back(v != m->end() && v->is_number() ? TableCell::of(v->get<double>()) : TableCell::of_text("n/a"));
    }
    if (any) table.rows.push_back(std::move(r));
  };
  row("frames", "frames");
  row("miss ratio", "miss_ratio");
  row("byte miss ratio", "byte_miss_ratio");
  return table;
}

std::string md_mrc(const MrcInput& input) {
  const OrderedJson& mrc = input.mrc;
  std::string out = "## Miss-ratio curve of " + text_at(mrc, "trace") + "\n\n";
  const auto number = [&](const char* key) {
    const auto v = mrc.find(key);
    return v != mrc.end() && v->is_number() ? format_readable(v->get<double>()) : std::string("n/a");
  };
  out += "From `" + input.path + "`: " + number("requests") + " requests, " + number("unique") + " unique pages of " +
         number("page_bytes") + " bytes; the miss ratio at each RAM size (frames after the OS reserve of " +
         number("os_reserve_bytes") + " bytes).\n\n";
  out += render_markdown_table(mrc_table(mrc)) + "\n";
  out += "Miss ratio drop between the marks: " + number("miss_ratio_drop") + ".\n";
  return out;
}

std::string render_md(const std::vector<ReportInput>& inputs) {
  std::string out = "# headroom report\n";
  for (const ReportInput& input : inputs) {
    out += "\n";
    out += std::visit(Overload{[](const ResultInput& r) { return scenario_markdown(r.result, 2); },
                               [](const SweepInput& s) { return md_sweep(s); },
                               [](const MrcInput& m) { return md_mrc(m); }},
                      input);
  }
  return out;
}

const OrderedJson* host_named(const OrderedJson& result, const std::string& name) {
  const auto hosts = result.find("hosts");
  if (hosts == result.end() || !hosts->is_array() || hosts->empty()) return nullptr;
  for (const OrderedJson& h : *hosts)
    if (text_at(h, "name") == name) return &h;
  return &hosts->front();  // a point's result has its one host (named as the catalog names it)
}

}  // namespace

std::optional<ReportFormat> parse_report_format(std::string_view name) {
  if (name == "md") return ReportFormat::md;
  if (name == "csv") return ReportFormat::csv;
  if (name == "json") return ReportFormat::json;
  if (name == "html") return ReportFormat::html;
  return std::nullopt;
}

std::string record_value_text(const OrderedJson& value) {
  if (value.is_null()) return "";
  if (value.is_number_unsigned()) return format_u64(value.get<std::uint64_t>());
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_number_float()) return format_g(value.get<double>());
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

std::vector<std::string> parameter_columns(const std::vector<ReportInput>& inputs) {
  std::vector<std::string> columns;
  for (const ReportInput& input : inputs)
    if (const auto* sweep = std::get_if<SweepInput>(&input))
      for (const std::string& path : sweep->parameter_paths)
        if (std::find(columns.begin(), columns.end(), path) == columns.end()) columns.push_back(path);
  return columns;
}

std::vector<ReportRecord> report_records(const std::vector<ReportInput>& inputs) {
  const std::vector<std::string> columns = parameter_columns(inputs);
  std::vector<ReportRecord> out;
  for (const ReportInput& input : inputs) {
    if (const auto* r = std::get_if<ResultInput>(&input)) {
      RecordSink sink(out, text_at(r->result, "scenario"), std::vector<std::string>(columns.size()));
      result_records(sink, r->result);
    } else if (const auto* s = std::get_if<SweepInput>(&input)) {
      sweep_records(out, *s, columns);
    } else if (const auto* m = std::get_if<MrcInput>(&input)) {
      mrc_records(out, *m, columns.size());
    }
  }
  return out;
}

std::vector<SweepCombo> sweep_combos(const SweepInput& sweep) {
  std::vector<SweepCombo> combos;
  for (const SweepPoint& p : sweep.points) {
    auto found = std::find_if(combos.begin(), combos.end(), [&](const SweepCombo& c) { return c.parameters == p.parameters; });
    if (found == combos.end()) {
      combos.push_back({p.parameters, {}});
      found = combos.end() - 1;
    }
    found->points.push_back(&p);
  }
  return combos;
}

std::string combo_title(const SweepCombo& combo) {
  std::string out;
  for (const auto& [path, value] : combo.parameters) out += (out.empty() ? "" : ", ") + path + "=" + value;
  return out.empty() ? "(no parameters)" : out;
}

OrderedJson combo_result(const SweepCombo& combo) {
  OrderedJson result;
  for (const SweepPoint* p : combo.points) {
    if (p->status != SweepPoint::Status::ok) continue;
    if (result.is_null()) {
      result = p->result;
      result["hosts"] = OrderedJson::array();
    }
    for (const OrderedJson& host : p->result.at("hosts")) result["hosts"].push_back(host);
  }
  return result;
}

std::vector<KeyMetric> key_metrics(const SweepInput& sweep) {
  std::vector<KeyMetric> candidates = {
      {"", {"verdict"}, "memory verdict", "", 1, true},
      {"", {"service"}, "service", "", 1, true},
      {"", {"memory", "psi_some_fraction"}, "memory stall some", "% of horizon", 100, false},
      {"", {"memory", "peak_swap_bytes"}, "peak swap used", "GiB", 1.0 / kBytesPerGiB, false},
      {"", {"memory", "refault_bytes"}, "re-read after eviction (refaults)", "GiB", 1.0 / kBytesPerGiB, false},
  };
  std::vector<std::string> workloads;
  for (const SweepPoint& p : sweep.points) {
    if (p.status != SweepPoint::Status::ok) continue;
    for (const OrderedJson& h : p.result.at("hosts"))
      if (const auto w = h.find("workloads"); w != h.end() && w->is_array())
        for (const OrderedJson& item : *w)
          if (const std::string name = text_at(item, "name");
              std::find(workloads.begin(), workloads.end(), name) == workloads.end())
            workloads.push_back(name);
  }
  for (const std::string& w : workloads)
    for (const std::vector<std::string>& path :
         std::vector<std::vector<std::string>>{{"metrics", "ttft_s", "p99"}, {"metrics", "tpot_s", "p50"},
                                               {"metrics", "e2e_s", "p99"}, {"metrics", "tokens_per_s"},
                                               {"metrics", "requests_completed"}, {"metrics", "step_time_s"},
                                               {"metrics", "memory_stall_s"}}) {
      const DisplayKey d = display_key({path.begin() + 1, path.end()});
      candidates.push_back({w, path, w + ": " + d.label, d.unit, d.scale, false});
    }
  std::vector<KeyMetric> present;
  for (const KeyMetric& m : candidates) {
    bool found = false;
    for (const SweepPoint& p : sweep.points) {
      if (p.status != SweepPoint::Status::ok || found) continue;
      for (const OrderedJson& h : p.result.at("hosts")) {
        const TableCell cell = key_metric_cell(h, m);
        found = found || cell.number || (m.text && !cell.text.empty() && cell.text != "absent");
      }
    }
    if (found) present.push_back(m);
  }
  return present;
}

TableCell key_metric_cell(const OrderedJson& host, const KeyMetric& metric) {
  const OrderedJson* owner = &host;
  if (!metric.workload.empty()) {
    owner = nullptr;
    if (const auto w = host.find("workloads"); w != host.end() && w->is_array())
      for (const OrderedJson& item : *w)
        if (text_at(item, "name") == metric.workload) owner = &item;
    if (!owner) return TableCell::of_text("absent");
  }
  const OrderedJson* value = find_path(*owner, metric.path);
  if (value && value->is_number()) return TableCell::of(value->get<double>() * metric.scale);
  if (value && value->is_string()) return TableCell::of_text(value->get<std::string>());
  return TableCell::of_text("n/a");
}

ComparisonTable sweep_metric_table(const SweepInput& sweep, const KeyMetric& metric) {
  ComparisonTable table;
  table.label_headers = sweep.parameter_paths.empty() ? std::vector<std::string>{"parameters"} : sweep.parameter_paths;
  table.columns = sweep.hosts;
  table.ratio_columns = !metric.text;
  for (const SweepPoint& p : sweep.points)
    if (std::find(table.columns.begin(), table.columns.end(), p.host) == table.columns.end()) table.columns.push_back(p.host);
  for (const SweepCombo& combo : sweep_combos(sweep)) {
    TableRow row;
    for (const auto& [path, value] : combo.parameters) row.labels.push_back(value);
    if (row.labels.empty()) row.labels.push_back("(none)");
    for (const std::string& host : table.columns) {
      TableCell cell;
      for (const SweepPoint* p : combo.points) {
        if (p->host != host) continue;
        if (p->status == SweepPoint::Status::ok) {
          const OrderedJson* h = host_named(p->result, host);
          cell = h ? key_metric_cell(*h, metric) : TableCell::of_text("n/a");
        } else {
          cell = TableCell::of_text(p->status == SweepPoint::Status::failed ? "failed" : "missing");
        }
      }
      row.cells.push_back(cell);
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::string render_report(const std::vector<ReportInput>& inputs, ReportFormat format) {
  switch (format) {
    case ReportFormat::md: return render_md(inputs);
    case ReportFormat::csv: return render_csv(inputs);
    case ReportFormat::json: return render_json(inputs);
    case ReportFormat::html: return render_report_html(inputs);
  }
  return {};
}

}  // namespace headroom::analysis
