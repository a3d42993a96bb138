// analysis/report_inputs: what `headroom report` reads, checked once before anything is written.
//
//   a FILE holding the JSON of `run`/`compare --format json` (an object with `scenario` and
//     `hosts`), or of `mrc --format json` (an object with `curve` and `ram_marks`), or a sweep's
//     `sweep.json` (its directory is read);
//   a DIRECTORY written by `headroom sweep --out DIR`: DIR/sweep.json (`headroom_sweep`, the
//     parameters, hosts and points) and DIR/points/<id>.json (one per point: status ok with its
//     `result`, or failed with `exit_code` and `reason`). A point without its file is reported as
//     missing (a sweep still running, or stopped), not refused.
// Bad input throws ReportInputError with one line: "PATH: error: ..." or "PATH:LINE:COL: error: ..."
// (the JSON position of a syntax error), user text through headroom::shown().
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "analysis/report_table.hpp"

namespace headroom::analysis {

class ReportInputError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ResultInput {
  std::string path;
  OrderedJson result;  // run/compare JSON
};

struct MrcInput {
  std::string path;
  OrderedJson mrc;  // mrc --format json
};

struct SweepPoint {
  std::string id;
  std::size_t index = 0;
  std::vector<std::pair<std::string, std::string>> parameters;  // path -> value as given, sweep.json's order
  std::string host;
  enum class Status { ok, failed, missing } status = Status::missing;
  long long exit_code = 0;
  std::string reason;  // failed: why; missing: that no file was found
  OrderedJson result;  // ok: the run JSON of this one host
};

struct SweepInput {
  std::string dir;
  std::string scenario, scenario_path;
  std::vector<std::string> parameter_paths;
  std::vector<std::string> hosts;
  std::vector<SweepPoint> points;  // in index order
};

using ReportInput = std::variant<ResultInput, SweepInput, MrcInput>;

// Reads and checks one RESULTS argument. Throws ReportInputError.
ReportInput load_report_input(const std::string& path);

// The JSON in `text` read from `path`; a syntax error is "PATH:LINE:COL: error: not JSON: ...".
OrderedJson parse_json_file_text(const std::string& path, const std::string& text);

}  // namespace headroom::analysis
