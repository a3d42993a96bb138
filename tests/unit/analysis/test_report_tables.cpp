// headroom report: the table model (ratio and difference, one value per cell, readable figures),
// key units, the tidy records, and the inputs (the shipped hand-made sweep and mrc fixtures).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "analysis/number_format.hpp"
#include "analysis/report.hpp"
#include "analysis/report_render.hpp"
#include "analysis/report_table.hpp"
#include "fixtures.hpp"

using namespace headroom::analysis;

namespace {

const std::string kData = HEADROOM_TEST_DATA;

ComparisonTable two_columns(std::vector<TableRow> rows) {
  ComparisonTable t;
  t.columns = {"a96", "b128"};
  t.rows = std::move(rows);
  return t;
}

// Cells of a csv line, quotes honoured (RFC 4180).
std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      cells.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / ("hr_report_" + std::to_string(::getpid()) + "_" + name)).string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("ratio and difference: other / first and other - first, none without two numbers or with a 0 first") {
  CHECK(*cell_ratio(TableCell::of(96), TableCell::of(128)) == doctest::Approx(128.0 / 96.0));
  CHECK(*cell_difference(TableCell::of(96), TableCell::of(128)) == 32);
  CHECK(*cell_difference(TableCell::of(2.5), TableCell::of(1)) == -1.5);
  CHECK_FALSE(cell_ratio(TableCell::of(0), TableCell::of(5)));
  CHECK(*cell_difference(TableCell::of(0), TableCell::of(5)) == 5);
  CHECK_FALSE(cell_ratio(TableCell::of_text("n/a"), TableCell::of(5)));
  CHECK_FALSE(cell_difference(TableCell::of(1), TableCell::of_text("oom")));
  // The closed forms over a sweep of values, as printed.
  for (double a : {0.5, 3.0, 96.0, 20330.0})
    for (double b : {0.25, 7.0, 128.0})
      CHECK(*cell_ratio(TableCell::of(a), TableCell::of(b)) == b / a);
}

TEST_CASE("table: one value per cell, ratio and difference columns, text rows leave them empty") {
  const ComparisonTable t = two_columns({{{"RAM"}, "GiB", {TableCell::of(96), TableCell::of(128)}},
                                         {{"tokens"}, "", {TableCell::of(20330), TableCell::of(10165)}},
                                         {{"verdict"}, "", {TableCell::of_text("oom"), TableCell::of_text("fits")}},
                                         {{"swap"}, "GiB", {TableCell::of(0), TableCell::of(0)}},
                                         {{"ttft"}, "s", {TableCell::of_text("n/a"), TableCell::of(2.5)}}});
  const auto cells = table_cells(t);
  REQUIRE(cells.size() == 6);
  CHECK(cells[0] == std::vector<std::string>{"metric", "a96", "b128", "ratio b128 / a96", "difference b128 - a96"});
  for (const auto& row : cells) CHECK(row.size() == 5);
  CHECK(cells[1] == std::vector<std::string>{"RAM (GiB)", "96", "128", "1.333", "+32"});
  CHECK(cells[2] == std::vector<std::string>{"tokens", "20,330", "10,165", "0.5", "-10,165"});
  CHECK(cells[3] == std::vector<std::string>{"verdict", "oom", "fits", "", ""});
  CHECK(cells[4] == std::vector<std::string>{"swap (GiB)", "0", "0", "n/a", "0"});
  CHECK(cells[5] == std::vector<std::string>{"ttft (s)", "n/a", "2.5", "", ""});
  const std::string md = render_markdown_table(t);
  CHECK(md.rfind("| metric | a96 | b128 | ratio b128 / a96 | difference b128 - a96 |\n|---|---:|---:|---:|---:|\n", 0) == 0);
  CHECK(md.find("| tokens | 20,330 | 10,165 | 0.5 | -10,165 |\n") != std::string::npos);
  CHECK(md.find("e+") == std::string::npos);
}

TEST_CASE("table: three hosts give a ratio and a difference per host after the first, one host none") {
  ComparisonTable t;
  t.columns = {"a", "b", "c"};
  t.rows = {{{"x"}, "", {TableCell::of(2), TableCell::of(3), TableCell::of(8)}}};
  const auto cells = table_cells(t);
  CHECK(cells[0] == std::vector<std::string>{"metric", "a", "b", "c", "ratio b / a", "difference b - a", "ratio c / a", "difference c - a"});
  CHECK(cells[1] == std::vector<std::string>{"x", "2", "3", "8", "1.5", "+1", "4", "+6"});
  t.columns = {"a"};
  t.rows = {{{"x"}, "", {TableCell::of(1234567)}}};
  CHECK(table_cells(t)[1] == std::vector<std::string>{"x", "1,234,567"});
}

TEST_CASE("table: a '|' or newline in a name stays inside its cell") {
  ComparisonTable t = two_columns({{{"a|b\nc"}, "", {TableCell::of_text("x|y"), TableCell::of(1)}}});
  const std::string md = render_markdown_table(t);
  CHECK(md.find("| a\\|b c | x\\|y | 1 |  |  |") != std::string::npos);
}

TEST_CASE("display keys: the unit from the suffix, scaled, a distribution's leaf takes its parent's") {
  DisplayKey d = display_key({"weights_bytes"});
  CHECK(d.label == "weights");
  CHECK(d.unit == "GiB");
  CHECK(d.scale * 1073741824.0 == doctest::Approx(1));
  d = display_key({"ttft_s", "p99"});
  CHECK(d.label == "ttft p99");
  CHECK(d.unit == "s");
  d = display_key({"tokens_per_s"});
  CHECK(d.label == "tokens/s");
  CHECK(d.unit == "");
  d = display_key({"buffer_fill_fraction"});
  CHECK(d.unit == "%");
  CHECK(d.scale == 100);
  CHECK(display_key({"ram_gib"}).hidden);
  CHECK(display_key({"keeps_up_reason"}).hidden);
  CHECK(raw_unit({"metrics", "ttft_s", "p99"}) == "s");
  CHECK(raw_unit({"metrics", "tokens_per_s"}) == "tokens/s");
  CHECK(raw_unit({"memory", "peak_anon_bytes"}) == "bytes");
  CHECK(raw_unit({"memory", "major_faults"}) == "");
}

TEST_CASE("comparison table of a result: every row has one cell per host, tokens/s and RAM from the model") {
  ScenarioResult r;
  r.scenario = "unit";
  r.scenario_path = "scenarios/unit.yaml";
  r.duration_s = 10;
  r.hosts = {testing::small_host("h96", 96), testing::small_host("h128", 128)};
  const auto json = OrderedJson::parse(render_json(r));
  const ComparisonTable t = comparison_table(json);
  CHECK(t.columns == std::vector<std::string>{"h96", "h128"});
  for (const TableRow& row : t.rows) CHECK(row.cells.size() == 2);
  const auto cells = table_cells(t);
  bool ram = false, tokens = false;
  for (const auto& row : cells) {
    ram = ram || row == std::vector<std::string>{"RAM (GiB)", "96", "128", "1.333", "+32"};
    if (row[0] == "chat: tokens/s") {
      tokens = true;
      CHECK(row[1] == format_readable(json["hosts"][0]["workloads"][0]["metrics"]["tokens_per_s"].get<double>()));
    }
  }
  CHECK(ram);
  CHECK(tokens);
}

TEST_CASE("report inputs: the hand-made sweep directory, its failed point, its key-metric tables") {
  const auto input = load_report_input(kData + "/report/sweep-rate");
  const auto* sweep = std::get_if<SweepInput>(&input);
  REQUIRE(sweep);
  CHECK(sweep->parameter_paths == std::vector<std::string>{"workloads.chat.arrivals.poisson"});
  REQUIRE(sweep->points.size() == 6);
  CHECK(sweep->points[5].status == SweepPoint::Status::failed);
  CHECK(sweep->points[5].exit_code == 1);
  const auto combos = sweep_combos(*sweep);
  REQUIRE(combos.size() == 3);
  CHECK(combo_title(combos[1]) == "workloads.chat.arrivals.poisson=4/min");
  CHECK(combo_result(combos[1])["hosts"].size() == 2);
  CHECK(combo_result(combos[2])["hosts"].size() == 1);  // the 128 GB point failed
  bool ttft = false;
  for (const KeyMetric& m : key_metrics(*sweep)) {
    if (m.label != "chat: ttft p99") continue;
    ttft = true;
    const ComparisonTable t = sweep_metric_table(*sweep, m);
    REQUIRE(t.rows.size() == 3);
    CHECK(t.rows[0].labels == std::vector<std::string>{"1/min"});
    CHECK(cell_text(t.rows[2].cells[1]) == "failed");
    const double p99 = sweep->points[3].result["hosts"][0]["workloads"][0]["metrics"]["ttft_s"]["p99"].get<double>();
    CHECK(*t.rows[1].cells[1].number == p99);
  }
  CHECK(ttft);
}

TEST_CASE("tidy csv: a constant column count, one value per row, parameters as columns") {
  const std::vector<ReportInput> inputs{load_report_input(kData + "/report/sweep-rate"),
                                        load_report_input(kData + "/report/mrc-cyclic.json")};
  const std::string csv = render_report(inputs, ReportFormat::csv);
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  CHECK(line == "scenario,workloads.chat.arrivals.poisson,host,workload,metric,unit,value");
  std::size_t rows = 0, mrc_rows = 0;
  while (std::getline(in, line)) {
    const auto cells = csv_cells(line);
    REQUIRE_MESSAGE(cells.size() == 7, line);
    ++rows;
    if (cells[0] == "tests/data/report/cyclic-110.txt") ++mrc_rows;
    if (cells[4] == "metrics.ttft_s.p99" && cells[2] == "m3-max-128" && cells[1] == "4/min") CHECK(cells[5] == "s");
  }
  CHECK(rows > 100);
  CHECK(mrc_rows > 0);
  CHECK(csv.find(",m3-max-128,,point.status,,failed\n") != std::string::npos);
  CHECK(csv.find(",,,ram_marks.96GiB.miss_ratio,fraction,1\n") != std::string::npos);
  // json: the same records.
  const auto json = OrderedJson::parse(render_report(inputs, ReportFormat::json));
  CHECK(json.size() == rows);
  CHECK(json[0].contains("parameters"));
}

TEST_CASE("report inputs: bad files are one line naming the file (and the JSON position)") {
  const auto message = [](const std::string& path) {
    try {
      load_report_input(path);
    } catch (const ReportInputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string bad = temp_file("bad.json", "{\"hosts\": [\n  1,\n  x]}");
  CHECK(message(bad).rfind(bad + ":3:3: error: not JSON: syntax error while parsing value", 0) == 0);
  const std::string other = temp_file("other.json", "{\"a\": 1}");
  CHECK(message(other) == other + ": error: unknown kind of file: expected the JSON of headroom run or compare (scenario, hosts), "
                                  "of headroom mrc (curve, ram_marks), or a sweep directory, found an object with keys a");
  const std::string hosts = temp_file("hosts.json", "{\"scenario\": \"s\", \"hosts\": [{\"ram_bytes\": 1}]}");
  CHECK(message(hosts) == hosts + ": error: expected a string 'name', found no such key");
  CHECK(message("/nonexistent/x.json") == "/nonexistent/x.json: error: cannot read report input: No such file or directory");
  const std::string dir = std::filesystem::temp_directory_path() / ("hr_report_dir_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  CHECK(message(dir) == dir + ": error: not a sweep directory: no sweep.json in it (expected the --out DIR of headroom sweep)");
  for (const std::string& p : {bad, other, hosts, dir}) std::filesystem::remove_all(p);
}

TEST_CASE("comparison table: keys a later version adds (an SLO) are rows too, after the verdicts") {
  const auto json = OrderedJson::parse(R"({"scenario": "s", "hosts": [
    {"name": "a", "ram_bytes": 1073741824, "verdict": "fits", "service": "keeps-up", "slo": "met", "energy_j": 10,
     "workloads": [{"name": "chat", "kind": "llm-server", "status": "running",
                    "slo": {"ttft_p99_s": {"target": 2, "value": 1.5, "met": true}}}]},
    {"name": "b", "ram_bytes": 2147483648, "verdict": "fits", "service": "keeps-up", "slo": "missed", "energy_j": 15,
     "workloads": [{"name": "chat", "kind": "llm-server", "status": "running",
                    "slo": {"ttft_p99_s": {"target": 2, "value": 3, "met": false}}}]}]})");
  const auto cells = table_cells(comparison_table(json));
  REQUIRE(cells.size() > 5);
  CHECK(cells[1] == std::vector<std::string>{"RAM (GiB)", "1", "2", "2", "+1"});
  // The SLO verdict is a row of its own right after the service (bold, as the verdicts); a host key
  // no row names (energy_j here) is a row too, after them.
  CHECK(cells[4] == std::vector<std::string>{"SLO", "**met**", "**missed**", "", ""});
  CHECK(cells[5] == std::vector<std::string>{"energy j", "10", "15", "1.5", "+5"});
  const auto has = [&](const std::vector<std::string>& row) { return std::find(cells.begin(), cells.end(), row) != cells.end(); };
  CHECK(has({"chat: slo ttft p99 target (s)", "2", "2", "1", "0"}));
  CHECK(has({"chat: slo ttft p99 value (s)", "1.5", "3", "2", "+1.5"}));
  CHECK(has({"chat: slo ttft p99 met", "yes", "no", "", ""}));
}
