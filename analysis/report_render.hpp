// analysis/report_render: `headroom report` output from checked inputs (report_inputs.hpp).
//
//   md:   per run/compare result the comparison table of `compare --format md` (report_table);
//         per sweep: its points (failed and missing ones with their reasons), per key metric a
//         table of parameter values (rows) x hosts (columns) with ratio and difference columns,
//         then each parameter combination's comparison table; per mrc JSON its RAM marks.
//   csv:  tidy records `scenario,<one column per swept parameter>,host,workload,metric,unit,value`,
//         one value per row, full precision (integers exact, other numbers %.9g); metric is the
//         JSON key path of `run --format csv` (`metrics.ttft_s.p99`), unit from its suffix.
//   json: the same records as an array of objects.
//   html: one self-contained page: the md tables plus plots (report_html.cpp).
// Pure functions of the inputs: the same files give byte-identical output.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/report_inputs.hpp"

namespace headroom::analysis {

enum class ReportFormat { md, csv, json, html };
std::optional<ReportFormat> parse_report_format(std::string_view name);  // md | csv | json | html

std::string render_report(const std::vector<ReportInput>& inputs, ReportFormat format);

// One tidy record. `parameters` has one entry per column of parameter_columns() ("" where the
// record's input did not sweep that parameter); `value` is a JSON number, string, bool or null.
struct ReportRecord {
  std::string scenario;
  std::vector<std::string> parameters;
  std::string host, workload, metric, unit;
  OrderedJson value;
};
// The swept parameter paths of every sweep among the inputs, in order of first appearance.
std::vector<std::string> parameter_columns(const std::vector<ReportInput>& inputs);
std::vector<ReportRecord> report_records(const std::vector<ReportInput>& inputs);
// A record value as csv/json text: integers exact, other numbers %.9g, null empty.
std::string record_value_text(const OrderedJson& value);

// A sweep's parameter combinations (points that differ only in host), in point order.
struct SweepCombo {
  std::vector<std::pair<std::string, std::string>> parameters;
  std::vector<const SweepPoint*> points;  // one per host
};
std::vector<SweepCombo> sweep_combos(const SweepInput& sweep);
// "path=value, path=value" (or "(no parameters)").
std::string combo_title(const SweepCombo& combo);
// The combination as one run/compare result: the first ok point's result with the hosts of every
// ok point (null when no point of it is ok).
OrderedJson combo_result(const SweepCombo& combo);

// A metric the sweep tables and plots follow: a host key (workload empty) or a workload's metric.
struct KeyMetric {
  std::string workload;
  std::vector<std::string> path;  // under the host, or under the workload
  std::string label, unit;        // display (unit already scaled)
  double scale = 1;
  bool text = false;  // verdict words: tables only, no plot
};
// The key metrics present in at least one ok point: memory and service verdicts, memory stall
// share, peak swap, refaults; per workload TTFT p99, TPOT p50, E2E p99, tokens/s, completed
// requests, step time, memory stall.
std::vector<KeyMetric> key_metrics(const SweepInput& sweep);
// The metric's cell in one host's JSON ("absent" when the workload is not there).
TableCell key_metric_cell(const OrderedJson& host, const KeyMetric& metric);
// Parameter values (rows) x hosts (columns), cells "failed" / "missing" for such points.
ComparisonTable sweep_metric_table(const SweepInput& sweep, const KeyMetric& metric);

}  // namespace headroom::analysis
