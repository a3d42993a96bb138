#include "sim/sweep/files.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/output_file.hpp"
#include "sim/text.hpp"

namespace headroom::sweep {
namespace {

using Json = nlohmann::ordered_json;

Json point_object(const Point& point) {
  Json parameters = Json::object();
  for (const auto& [path, value] : point.parameters) parameters[path] = value;
  return Json{{"id", point.id}, {"index", point.index}, {"parameters", parameters}, {"host", point.host}};
}

}  // namespace

std::string sweep_json(const SweepSpec& spec) {
  Json json{{"headroom_sweep", 1}, {"scenario", spec.scenario_name}, {"scenario_path", spec.scenario_path}};
  if (!spec.policy.empty()) json["policy"] = spec.policy;
  if (!spec.timeseries_interval.empty()) json["timeseries_interval"] = spec.timeseries_interval;
  Json parameters = Json::array();
  for (const Parameter& p : spec.parameters) parameters.push_back(Json{{"path", p.path}, {"values", p.values}});
  json["parameters"] = parameters;
  json["hosts"] = spec.hosts;
  Json points = Json::array();
  for (const Point& point : spec.points) points.push_back(point_object(point));
  json["points"] = points;
  return json.dump(2) + "\n";
}

// The report is spliced in as the text `run --format json` prints (an object), not re-serialised,
// so its numbers keep the report's formatting.
std::string point_json(const Point& point, const Outcome& outcome) {
  Json json{{"point", point_object(point)}, {"status", outcome.ok ? "ok" : "failed"}, {"exit_code", outcome.exit_code}};
  if (!outcome.ok) {
    json["reason"] = outcome.reason;
    return json.dump(2) + "\n";
  }
  std::string text = json.dump(2);
  text.erase(text.size() - 2);  // "\n}"
  std::string result = outcome.result_json;
  while (!result.empty() && (result.back() == '\n' || result.back() == ' ')) result.pop_back();
  return text + ",\n  \"result\": " + result + "\n}\n";
}

std::string sweep_file(const std::string& dir) { return (std::filesystem::path(dir) / "sweep.json").string(); }
std::string points_dir(const std::string& dir) { return (std::filesystem::path(dir) / "points").string(); }
std::string point_file(const std::string& dir, const Point& point) {
  return (std::filesystem::path(dir) / "points" / (point.id + ".json")).string();
}

std::optional<std::string> read_text(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

std::optional<std::string> point_status(const std::string& path, const Point& point) {
  const auto text = read_text(path);
  if (!text) return std::nullopt;
  const Json json = Json::parse(*text, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("point") || !json.contains("status")) return std::nullopt;
  if (json["point"] != point_object(point)) return std::nullopt;
  if (!json["status"].is_string()) return std::nullopt;
  const std::string status = json["status"].get<std::string>();
  if (status != "ok" && status != "failed") return std::nullopt;
  return status;
}

void make_sweep_dirs(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(points_dir(dir), error);
  if (error || !std::filesystem::is_directory(points_dir(dir)))
    throw SweepError("error: cannot create the sweep directory '" + shown(dir) + "': " +
                     (error ? error.message() : "not a directory"));
}

void write_file(const std::string& path, const std::string& text) {
  try {
    analysis::write_output_file(path, text);
  } catch (const analysis::OutputError& e) {
    throw SweepError(std::string("error: ") + e.what());
  }
}

}  // namespace headroom::sweep
