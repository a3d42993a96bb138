// `headroom report --format html`: one self-contained page (analysis/plot): the tables of the md
// report, a metric-vs-parameter plot per key metric and swept parameter (one line per host), a
// memory timeline per host result that carries a time series, and an MRC plot per mrc JSON with
// the RAM sizes marked. Every user string reaches the page through plot::html_escape (HtmlTable,
// html_paragraph, the plot's own escaping).
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "analysis/number_format.hpp"
#include "analysis/plot/html.hpp"
#include "analysis/plot/svg.hpp"
#include "analysis/report_render.hpp"

namespace headroom::analysis {

std::string render_report_html(const std::vector<ReportInput>& inputs);

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string text_at(const OrderedJson& json, const char* key) {
  const auto found = json.find(key);
  return found != json.end() && found->is_string() ? found->get<std::string>() : "";
}

double number_at(const OrderedJson& json, const char* key) {
  const auto found = json.find(key);
  return found != json.end() && found->is_number() ? found->get<double>() : kNaN;
}

std::string html_table(const ComparisonTable& table, const std::string& caption = "") {
  auto cells = table_cells(table);
  plot::HtmlTable html;
  html.caption = caption;
  html.header = cells.front();
  html.rows.assign(cells.begin() + 1, cells.end());
  for (auto& row : html.rows)
    for (auto& cell : row)  // the md bold marks are not text
      if (cell.size() > 4 && cell.rfind("**", 0) == 0 && cell.compare(cell.size() - 2, 2, "**") == 0)
        cell = cell.substr(2, cell.size() - 4);
  return plot::render_table(html);
}

// Simulated time in the unit that reads best for the span.
struct TimeUnit {
  const char* name;
  double seconds;
};
TimeUnit time_unit(double span_s) {
  if (span_s > 2 * 3600) return {"h", 3600};
  if (span_s > 600) return {"min", 60};
  return {"s", 1};
}

// Memory by kind (stacked, GiB), major faults/s and memory stall (% of each interval) over time.
std::vector<std::string> timeline_figures(const OrderedJson& host) {
  const auto ts = host.find("timeseries");
  if (ts == host.end() || !ts->is_object()) return {};
  const auto samples = ts->find("samples");
  if (samples == ts->end() || !samples->is_array() || samples->empty()) return {};
  const std::string name = text_at(host, "name");
  const TimeUnit unit = time_unit(number_at(samples->back(), "time_s"));
  std::vector<std::string> kinds;  // every *_bytes figure of a sample, in its order
  for (const OrderedJson& s : *samples)
    if (s.is_object())
      for (const auto& [key, value] : s.items())
        if (value.is_number() && key.size() > 6 && key.compare(key.size() - 6, 6, "_bytes") == 0 &&
            std::find(kinds.begin(), kinds.end(), key) == kinds.end())
          kinds.push_back(key);
  plot::LinePlot memory{name + ": memory by kind", std::string("simulated time (") + unit.name + ")", "GiB", {}, {}};
  memory.stacked = true;
  for (const std::string& kind : kinds) {
    plot::Series series{kind.substr(0, kind.size() - 6), {}};
    for (const OrderedJson& s : *samples)
      series.points.push_back({number_at(s, "time_s") / unit.seconds, number_at(s, kind.c_str()) / kBytesPerGiB});
    memory.series.push_back(std::move(series));
  }
  // Rates over each interval between samples, placed at its end.
  const auto rate_series = [&](const char* name_text, const char* key, double scale) {
    plot::Series series{name_text, {}};
    for (std::size_t i = 1; i < samples->size(); ++i) {
      const double t0 = number_at((*samples)[i - 1], "time_s"), t1 = number_at((*samples)[i], "time_s");
      const double d = number_at((*samples)[i], key) - number_at((*samples)[i - 1], key);
      series.points.push_back({t1 / unit.seconds, t1 > t0 ? scale * d / (t1 - t0) : kNaN});
    }
    return series;
  };
  plot::LinePlot faults{name + ": major faults per second", std::string("simulated time (") + unit.name + ")",
                        "faults/s", {rate_series("major faults", "pgmajfault", 1)}, {}};
  plot::LinePlot psi{name + ": memory stall (PSI)", std::string("simulated time (") + unit.name + ")",
                     "% of the interval", {rate_series("some", "psi_some_s", 100), rate_series("full", "psi_full_s", 100)}, {}};
  return {plot::html_figure(plot::render_svg(memory), name + ": memory by kind over simulated time (stacked)"),
          plot::html_figure(plot::render_svg(faults), name + ": major faults per second of simulated time"),
          plot::html_figure(plot::render_svg(psi), name + ": share of each interval stalled on memory")};
}

std::string verdict_text(const OrderedJson& host) {
  return text_at(host, "name") + ": memory " + text_at(host, "verdict") + ", service " + text_at(host, "service") +
         ". Memory: " + text_at(host, "verdict_reason") + ". Service: " + text_at(host, "service_reason");
}

// The blocks of one run/compare result: its line, table, verdicts and timelines.
std::vector<std::string> result_blocks(const OrderedJson& result) {
  std::vector<std::string> blocks;
  if (const std::string d = text_at(result, "description"); !d.empty()) blocks.push_back(plot::html_paragraph(d));
  const auto seed = result.find("seed");
  blocks.push_back(plot::html_paragraph(
      "Scenario " + text_at(result, "scenario_path") + ", seed " +
      (seed != result.end() && seed->is_number_unsigned() ? format_u64(seed->get<std::uint64_t>()) : "n/a") + ", horizon " +
      format_readable(number_at(result, "duration_s")) + " s of simulated time."));
  blocks.push_back(html_table(comparison_table(result)));
  const auto hosts = result.find("hosts");
  if (hosts == result.end() || !hosts->is_array()) return blocks;
  for (const OrderedJson& h : *hosts) blocks.push_back(plot::html_paragraph(verdict_text(h)));
  if (hosts->size() > 1)
    blocks.push_back(plot::html_paragraph("Ratio and difference columns compare each host with the first, " +
                                          text_at(hosts->front(), "name") + " (n/a: the first is 0 or has no value)."));
  for (const OrderedJson& h : *hosts)
    for (std::string& figure : timeline_figures(h)) blocks.push_back(std::move(figure));
  return blocks;
}

// A parameter value as a number: its leading figure ("2/min" -> 2, "96GiB" -> 96); the rest is
// its unit. nullopt when it does not start with a number.
std::optional<std::pair<double, std::string>> numeric_value(const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(value)) return std::nullopt;
  return std::pair{value, std::string(end)};
}

// Per swept parameter, the metric against its values, one line per host (and per value of the
// other parameters). Values that are not all numbers with one unit are placed at 0, 1, 2...
std::vector<std::string> sweep_plots(const SweepInput& sweep, const KeyMetric& metric) {
  std::vector<std::string> figures;
  const auto combos = sweep_combos(sweep);
  for (std::size_t k = 0; k < sweep.parameter_paths.size(); ++k) {
    std::vector<std::string> values;
    for (const SweepCombo& c : combos)
      if (std::find(values.begin(), values.end(), c.parameters[k].second) == values.end()) values.push_back(c.parameters[k].second);
    bool numeric = true;
    std::string unit;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto v = numeric_value(values[i]);
      numeric = numeric && v && (i == 0 || v->second == unit);
      if (v && i == 0) unit = v->second;
    }
    plot::LinePlot p;
    p.title = metric.label + " vs " + sweep.parameter_paths[k];
    p.x_label = sweep.parameter_paths[k] + (numeric && !unit.empty() ? " (" + unit + ")" : "");
    p.y_label = metric.label + (metric.unit.empty() ? "" : " (" + metric.unit + ")");
    if (!numeric)
      for (std::size_t i = 0; i < values.size(); ++i) p.x_markers.push_back({static_cast<double>(i), values[i]});
    for (const SweepCombo& c : combos) {
      for (const SweepPoint* point : c.points) {
        std::string name = point->host;
        for (std::size_t j = 0; j < c.parameters.size(); ++j)
          if (j != k) name += ", " + c.parameters[j].first + "=" + c.parameters[j].second;
        auto series = std::find_if(p.series.begin(), p.series.end(), [&](const plot::Series& s) { return s.name == name; });
        if (series == p.series.end()) {
          p.series.push_back({name, {}});
          series = p.series.end() - 1;
        }
        const std::string& value = c.parameters[k].second;
        const double x = numeric ? numeric_value(value)->first
                                 : static_cast<double>(std::find(values.begin(), values.end(), value) - values.begin());
        double y = kNaN;
        if (point->status == SweepPoint::Status::ok) {
          const auto& hosts = point->result.at("hosts");
          if (!hosts.empty()) {
            const TableCell cell = key_metric_cell(hosts.front(), metric);
            if (cell.number) y = *cell.number;
          }
        }
        series->points.push_back({x, y});
      }
    }
    figures.push_back(plot::html_figure(plot::render_svg(p), p.title + ", one line per host"));
  }
  return figures;
}

plot::HtmlSection sweep_section(const SweepInput& sweep) {
  plot::HtmlSection section{"Sweep of " + sweep.scenario, {}};
  std::size_t ok = 0;
  for (const SweepPoint& p : sweep.points) ok += p.status == SweepPoint::Status::ok;
  section.html_blocks.push_back(plot::html_paragraph("Scenario " + sweep.scenario_path + ", sweep directory " + sweep.dir +
                                                     ": " + format_u64(sweep.points.size()) + " points, " + format_u64(ok) +
                                                     " with a result."));
  for (const SweepPoint& p : sweep.points) {
    if (p.status == SweepPoint::Status::ok) continue;
    std::string where;
    for (const auto& [path, value] : p.parameters) where += path + "=" + value + ", ";
    section.html_blocks.push_back(plot::html_paragraph(
        p.id + " (" + where + "host " + p.host + "): " +
        (p.status == SweepPoint::Status::failed ? "failed, exit status " + std::to_string(p.exit_code) : std::string("missing")) +
        (p.reason.empty() ? "" : ": " + p.reason)));
  }
  for (const KeyMetric& m : key_metrics(sweep)) {
    section.html_blocks.push_back(
        html_table(sweep_metric_table(sweep, m), m.label + (m.unit.empty() ? "" : " (" + m.unit + ")")));
    if (!m.text)
      for (std::string& figure : sweep_plots(sweep, m)) section.html_blocks.push_back(std::move(figure));
  }
  return section;
}

plot::HtmlSection mrc_section(const MrcInput& input) {
  const OrderedJson& mrc = input.mrc;
  const std::string trace = text_at(mrc, "trace");
  plot::HtmlSection section{"Miss-ratio curve of " + trace, {}};
  const double page_bytes = number_at(mrc, "page_bytes");
  plot::LinePlot p{"LRU miss ratio of " + trace, "memory for the trace's pages (GiB)", "miss ratio", {}, {}};
  p.log_x = true;
  plot::Series requests{"miss ratio", {}}, bytes{"byte miss ratio", {}};
  // The curve lists the sizes where the miss ratio changes: a step function, held until the next
  // size (and up to the largest RAM mark). 0 frames is drawn at 1 (a log axis has no 0).
  double last_x = 0;
  const auto step = [&](plot::Series& series, double x, double y) {
    if (!series.points.empty()) series.points.push_back({x, series.points.back().y});
    series.points.push_back({x, y});
  };
  for (const OrderedJson& point : mrc.at("curve")) {
    if (!point.is_object()) continue;
    last_x = std::max(number_at(point, "frames"), 1.0) * page_bytes / kBytesPerGiB;
    step(requests, last_x, number_at(point, "miss_ratio"));
    if (point.contains("byte_miss_ratio")) step(bytes, last_x, number_at(point, "byte_miss_ratio"));
  }
  for (const OrderedJson& mark : mrc.at("ram_marks"))
    if (const double x = number_at(mark, "frames") * page_bytes / kBytesPerGiB; x > last_x) last_x = x;
  for (plot::Series* series : {&requests, &bytes})
    if (!series->points.empty() && series->points.back().x < last_x) series->points.push_back({last_x, series->points.back().y});
  p.series.push_back(std::move(requests));
  if (!bytes.points.empty()) p.series.push_back(std::move(bytes));
  ComparisonTable marks;
  for (const OrderedJson& mark : mrc.at("ram_marks")) {
    if (!mark.is_object()) continue;
    const double ram_gib = number_at(mark, "ram_bytes") / kBytesPerGiB;
    const double x = number_at(mark, "frames") * page_bytes / kBytesPerGiB;
    if (std::isfinite(x) && x > 0) p.x_markers.push_back({x, format_readable(ram_gib) + " GiB RAM"});
    marks.columns.push_back(format_readable(ram_gib) + " GiB");
  }
  for (const auto& [label, key] : {std::pair{"frames", "frames"}, {"miss ratio", "miss_ratio"}}) {
    TableRow row{{label}, "", {}};
    for (const OrderedJson& mark : mrc.at("ram_marks"))
      if (mark.is_object()) row.cells.push_back(TableCell::of(number_at(mark, key)));
    marks.rows.push_back(std::move(row));
  }
  section.html_blocks.push_back(plot::html_paragraph("From " + input.path + "; the marks are the frames each RAM size leaves "
                                                     "after the OS reserve."));
  section.html_blocks.push_back(html_table(marks));
  section.html_blocks.push_back(plot::html_figure(plot::render_svg(p), "miss ratio against memory, RAM sizes marked"));
  return section;
}

}  // namespace

std::string render_report_html(const std::vector<ReportInput>& inputs) {
  plot::HtmlPage page{"headroom report", {}};
  for (const ReportInput& input : inputs) {
    if (const auto* r = std::get_if<ResultInput>(&input)) {
      page.sections.push_back({text_at(r->result, "scenario"), result_blocks(r->result)});
    } else if (const auto* s = std::get_if<SweepInput>(&input)) {
      page.sections.push_back(sweep_section(*s));
      for (const SweepCombo& combo : sweep_combos(*s)) {
        const OrderedJson result = combo_result(combo);
        if (!result.is_null()) page.sections.push_back({s->scenario + ": " + combo_title(combo), result_blocks(result)});
      }
    } else if (const auto* m = std::get_if<MrcInput>(&input)) {
      page.sections.push_back(mrc_section(*m));
    }
  }
  return plot::render_html(page);
}

}  // namespace headroom::analysis
