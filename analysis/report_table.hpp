// analysis/report_table: the comparison table of `run`/`compare --format md` and `headroom report`.
//
// Both read the same thing, the JSON a run prints (render_json): `run --format md` renders its own
// JSON, `report` the JSON files it is given, so a report of a compare JSON prints the tables the
// compare printed. Metrics are rows, hosts columns, then per host after the first a ratio
// (host / first host) and a difference (host - first host) column; exactly one value per cell;
// the unit in the row header; numbers through format_readable (thousands separators, never
// scientific notation). Text rows (verdicts, statuses) leave the ratio and difference empty.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace headroom::analysis {

using OrderedJson = nlohmann::ordered_json;

// The value at a key path (`{"metrics", "ttft_s", "p99"}`) through nested objects; nullptr when a
// step is missing or not an object.
const OrderedJson* find_path(const OrderedJson& json, const std::vector<std::string>& path);

// One value: a number (printed through format_readable) or a text; both empty = an empty cell.
struct TableCell {
  std::optional<double> number;
  std::string text;
  static TableCell of(double value) { return {value, ""}; }
  static TableCell of_text(std::string text) { return {std::nullopt, std::move(text)}; }
};

struct TableRow {
  std::vector<std::string> labels;  // one per label column (the metric; a sweep: each parameter value)
  std::string unit;                 // "" = a count or a text; else printed "label (unit)"
  std::vector<TableCell> cells;     // one per value column
};

struct ComparisonTable {
  std::vector<std::string> label_headers{"metric"};
  std::vector<std::string> columns;  // hosts
  bool ratio_columns = true;         // ratio and difference of every column against the first
  std::vector<TableRow> rows;
};

// other / first; nullopt unless both are numbers and first is not 0.
std::optional<double> cell_ratio(const TableCell& first, const TableCell& other);
// other - first; nullopt unless both are numbers.
std::optional<double> cell_difference(const TableCell& first, const TableCell& other);

// A cell as printed: format_readable of a number, else its text.
std::string cell_text(const TableCell& cell);

// The printed table as text cells: the header row first, then one row per TableRow (label
// columns, value columns, then ratio and difference columns when there are several value columns).
std::vector<std::vector<std::string>> table_cells(const ComparisonTable& table);

// The Markdown table: a header row, an alignment row, then one line per row. '|' in a cell is
// escaped and a newline becomes a space, so every row has the same number of cells.
std::string render_markdown_table(const ComparisonTable& table);

// The table of one run/compare JSON result (render_json's layout): the hosts' memory rows, each
// memory group's rows, then per workload its status, start, end, keeps up, its info fields and its
// metrics (distributions as p50, p90, p99). Unknown keys (a later version's) are rows too.
ComparisonTable comparison_table(const OrderedJson& result);

// The whole Markdown section of one result: heading (`level` #s), description, the line naming
// scenario file, seed, horizon and policy, start order, the table, one verdict line per host, the
// hosts that fall behind, and the footnote. render_markdown(ScenarioResult) is this of its JSON.
// `title` replaces the scenario name in the heading when not empty.
std::string scenario_markdown(const OrderedJson& result, int level = 2, const std::string& title = "");

// A JSON key's display form: unit from its suffix (`_bytes` -> GiB, `_s` -> s, `_fraction` -> %,
// `_Bps` -> GB/s; `_per_s` -> "/s" kept in the label), the value scaled to it. `path` is the key
// path; a distribution's leaf (`ttft_s`, `p99`) takes its parent's unit.
struct DisplayKey {
  std::string label, unit;
  double scale = 1;
  bool hidden = false;  // `_gib` (the `_bytes` twin) and `_reason` texts
};
DisplayKey display_key(const std::vector<std::string>& path);

// The unit of a JSON key in csv/json records (the raw value's unit, from the key's suffix):
// "bytes", "GiB", "s", "fraction", "B/s", "tokens/s" (`tokens_per_s`), or "" (no suffix).
std::string raw_unit(const std::vector<std::string>& path);

}  // namespace headroom::analysis
