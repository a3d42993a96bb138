// sim/sweep/files: the sweep directory's files (layout in README.md): DIR/sweep.json describes the
// sweep, DIR/points/<id>.json holds one point's outcome. Their bytes depend only on the sweep and
// the point's result, never on -j, --shard, --resume or time, so shards merge into what a local
// sweep writes, byte for byte.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/sweep/grid.hpp"

namespace headroom::sweep {

struct SweepSpec {
  std::string scenario_name;
  std::string scenario_path;  // as given on the command line
  std::vector<Parameter> parameters;
  std::vector<std::string> hosts;
  std::vector<Point> points;
  std::string policy;               // --policy, empty: none
  std::string timeseries_interval;  // --timeseries-interval as given, empty: none
};

// What running a point gave.
struct Outcome {
  bool ok = false;
  int exit_code = 0;        // the child's exit status (128 + N when it died of signal N)
  std::string reason;       // failed: the error line
  std::string result_json;  // ok: the `run --format json` report of the point's host
};

std::string sweep_json(const SweepSpec& spec);
std::string point_json(const Point& point, const Outcome& outcome);

std::string sweep_file(const std::string& dir);                          // DIR/sweep.json
std::string points_dir(const std::string& dir);                          // DIR/points
std::string point_file(const std::string& dir, const Point& point);      // DIR/points/<id>.json

// The status written in a point file ("ok" or "failed"), or nothing when the file is missing,
// unreadable, not a point file or the file of another point.
std::optional<std::string> point_status(const std::string& path, const Point& point);

// The whole file, or nothing when it cannot be read.
std::optional<std::string> read_text(const std::string& path);

// Creates DIR and DIR/points (SweepError naming the directory when it cannot).
void make_sweep_dirs(const std::string& dir);

// Writes `text` to `path` atomically (analysis/output_file.hpp); SweepError when it cannot.
void write_file(const std::string& path, const std::string& text);

}  // namespace headroom::sweep
