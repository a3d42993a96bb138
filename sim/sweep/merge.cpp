#include "sim/sweep/merge.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "sim/sweep/files.hpp"
#include "sim/text.hpp"

namespace headroom::sweep {
namespace {

using Json = nlohmann::ordered_json;

// The point ids and indices sweep.json lists, in order (checked enough to name files safely).
std::vector<Point> listed_points(const std::string& file, const std::string& text) {
  const Json json = Json::parse(text, nullptr, false);
  const auto fail = [&](const std::string& what) {
    throw SweepError("error: " + shown(file) + ": expected a headroom sweep file, found " + what);
  };
  if (json.is_discarded()) fail("text that is not JSON");
  if (!json.is_object() || json.value("headroom_sweep", 0) != 1 || !json.contains("points") ||
      !json["points"].is_array())
    fail("JSON without \"headroom_sweep\": 1 and a list of points");
  std::vector<Point> points;
  for (const Json& p : json["points"]) {
    if (!p.is_object() || !p.contains("id") || !p["id"].is_string() || !p.contains("index") ||
        !p["index"].is_number_unsigned())
      fail("a point without an id and an index");
    const std::string id = p["id"].get<std::string>();
    if (id.empty() || id.find_first_not_of("p0123456789") != std::string::npos) fail("the point id '" + shown(id) + "'");
    Point point;
    point.id = id;
    point.index = p["index"].get<std::size_t>();
    for (const auto& [path, value] : p.value("parameters", Json::object()).items())
      point.parameters.emplace_back(path, value.is_string() ? value.get<std::string>() : value.dump());
    point.host = p.value("host", "");
    points.push_back(point);
  }
  return points;
}

}  // namespace

MergeSummary merge_sweeps(const std::vector<std::string>& inputs, const std::string& out) {
  if (inputs.empty()) throw SweepError("error: merge: expected at least one sweep directory");
  std::optional<std::string> sweep_text;
  for (const std::string& dir : inputs) {
    const std::string file = sweep_file(dir);
    const auto text = read_text(file);
    if (!text) throw SweepError("error: cannot read " + shown(file) + ": expected a sweep directory");
    if (!sweep_text) sweep_text = text;
    else if (*text != *sweep_text)
      throw SweepError("error: " + shown(file) + " differs from " + shown(sweep_file(inputs.front())) +
                       ": the directories are not parts of one sweep");
  }
  const std::vector<Point> points = listed_points(sweep_file(inputs.front()), *sweep_text);
  std::map<std::string, std::string> chosen;  // point id -> the file's text
  MergeSummary summary;
  for (const Point& point : points) {
    std::optional<std::string> text;
    std::string from;
    for (const std::string& dir : inputs) {
      const std::string file = point_file(dir, point);
      if (!point_status(file, point)) continue;  // absent, or not this point's file (a partial copy)
      const auto found = read_text(file);
      if (!found) continue;
      if (text && *found != *text)
        throw SweepError("error: point " + point.id + " differs between " + shown(from) + " and " + shown(file));
      if (!text) from = file;
      text = found;
    }
    if (!text)
      throw SweepError("error: point " + point.id + " (index " + std::to_string(point.index) +
                       ") is missing from every input: run its shard again (or `headroom sweep --resume`)");
    if (point_status(from, point) == "failed") ++summary.failed;
    chosen[point.id] = *text;
  }
  make_sweep_dirs(out);
  for (const Point& point : points) write_file(point_file(out, point), chosen[point.id]);
  write_file(sweep_file(out), *sweep_text);  // last: a directory with sweep.json is complete
  summary.points = points.size();
  return summary;
}

}  // namespace headroom::sweep
