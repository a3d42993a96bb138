#include "analysis/report_inputs.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "sim/text.hpp"

namespace headroom::analysis {
namespace {

namespace fs = std::filesystem;

std::string where(const std::string& path) { return shown(path, 4096); }

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw ReportInputError(where(path) + ": error: " + message);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot read report input: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(path, std::string("cannot read report input: ") + std::strerror(errno));
  return text.str();
}

std::string type_name(const OrderedJson& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  if (value.is_string()) return "the string '" + shown(value.get<std::string>()) + "'";
  if (value.is_null()) return "null";
  return shown(value.dump());
}

// The keys of an object, for "found an object with keys a, b".
std::string key_list(const OrderedJson& object) {
  std::string keys;
  std::size_t n = 0;
  for (const auto& [key, value] : object.items()) {
    if (++n > 6) return keys + ", ...";
    keys += (keys.empty() ? "" : ", ") + shown(key);
  }
  return keys.empty() ? "no keys" : "keys " + keys;
}

const OrderedJson& member(const std::string& path, const OrderedJson& object, const std::string& key,
                          OrderedJson::value_t type, const char* expected) {
  const auto found = object.find(key);
  if (found == object.end()) fail(path, "expected " + std::string(expected) + " '" + key + "', found no such key");
  const bool ok = type == OrderedJson::value_t::number_unsigned ? found->is_number_unsigned() : found->type() == type;
  if (!ok) fail(path, "expected " + std::string(expected) + " '" + key + "', found " + type_name(*found));
  return *found;
}

std::string string_member(const std::string& path, const OrderedJson& object, const std::string& key) {
  return member(path, object, key, OrderedJson::value_t::string, "a string").get<std::string>();
}

// A run/compare result: an object with a `scenario` name and `hosts`, each an object with a `name`.
void check_result(const std::string& path, const OrderedJson& result) {
  string_member(path, result, "scenario");
  for (const OrderedJson& host : member(path, result, "hosts", OrderedJson::value_t::array, "an array")) {
    if (!host.is_object()) fail(path, "expected every entry of 'hosts' to be an object, found " + type_name(host));
    string_member(path, host, "name");
  }
}

// Point ids name files: refuse anything but letters, digits, '-' and '_' (no '/', no "..").
void check_point_id(const std::string& path, const std::string& id) {
  const bool ok = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  if (!ok) fail(path, "expected a point id of letters, digits, '-' or '_', found '" + shown(id) + "'");
}

std::string value_text(const OrderedJson& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

void read_point_file(const std::string& file, SweepPoint& point) {
  if (!fs::exists(file)) {
    point.status = SweepPoint::Status::missing;
    point.reason = "no point file (not run yet, or the sweep was stopped)";
    return;
  }
  const OrderedJson json = parse_json_file_text(file, read_file(file));
  if (!json.is_object()) fail(file, "expected a sweep point object, found " + type_name(json));
  const std::string status = string_member(file, json, "status");
  if (status == "ok") {
    point.status = SweepPoint::Status::ok;
    point.result = member(file, json, "result", OrderedJson::value_t::object, "an object");
    check_result(file, point.result);
  } else if (status == "failed") {
    point.status = SweepPoint::Status::failed;
    if (const auto code = json.find("exit_code"); code != json.end() && code->is_number_integer())
      point.exit_code = code->get<long long>();
    if (const auto reason = json.find("reason"); reason != json.end() && reason->is_string())
      point.reason = reason->get<std::string>();
  } else {
    fail(file, "expected status 'ok' or 'failed', found '" + shown(status) + "'");
  }
}

SweepInput load_sweep(const std::string& dir) {
  const std::string file = (fs::path(dir) / "sweep.json").string();
  if (!fs::is_regular_file(file)) fail(dir, "not a sweep directory: no sweep.json in it (expected the --out DIR of headroom sweep)");
  const OrderedJson json = parse_json_file_text(file, read_file(file));
  if (!json.is_object() || !json.contains("headroom_sweep"))
    fail(file, "expected a sweep description (an object with 'headroom_sweep'), found " +
                   (json.is_object() ? "an object with " + key_list(json) : type_name(json)));
  SweepInput sweep;
  sweep.dir = dir;
  sweep.scenario = string_member(file, json, "scenario");
  if (const auto p = json.find("scenario_path"); p != json.end() && p->is_string()) sweep.scenario_path = p->get<std::string>();
  for (const OrderedJson& parameter : member(file, json, "parameters", OrderedJson::value_t::array, "an array")) {
    if (!parameter.is_object()) fail(file, "expected every parameter to be an object, found " + type_name(parameter));
    sweep.parameter_paths.push_back(string_member(file, parameter, "path"));
  }
  for (const OrderedJson& host : member(file, json, "hosts", OrderedJson::value_t::array, "an array"))
    sweep.hosts.push_back(value_text(host));
  for (const OrderedJson& p : member(file, json, "points", OrderedJson::value_t::array, "an array")) {
    if (!p.is_object()) fail(file, "expected every point to be an object, found " + type_name(p));
    SweepPoint point;
    point.id = string_member(file, p, "id");
    check_point_id(file, point.id);
    point.index = member(file, p, "index", OrderedJson::value_t::number_unsigned, "a whole number").get<std::size_t>();
    point.host = string_member(file, p, "host");
    const OrderedJson& values = member(file, p, "parameters", OrderedJson::value_t::object, "an object");
    for (const std::string& path : sweep.parameter_paths) {
      const auto value = values.find(path);
      point.parameters.emplace_back(path, value == values.end() ? "" : value_text(*value));
    }
    read_point_file((fs::path(dir) / "points" / (point.id + ".json")).string(), point);
    sweep.points.push_back(std::move(point));
  }
  std::stable_sort(sweep.points.begin(), sweep.points.end(),
                   [](const SweepPoint& a, const SweepPoint& b) { return a.index < b.index; });
  return sweep;
}

}  // namespace

OrderedJson parse_json_file_text(const std::string& path, const std::string& text) {
  try {
    return OrderedJson::parse(text);
  } catch (const OrderedJson::parse_error& e) {
    // e.byte: 1-based position of the last character read, where the parser stopped.
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string detail = e.what();
    if (const std::size_t at = detail.find(": ", detail.find("column")); detail.find("column") != std::string::npos && at != std::string::npos)
      detail = detail.substr(at + 2);
    else if (const std::size_t bracket = detail.find("] "); bracket != std::string::npos)
      detail = detail.substr(bracket + 2);
    // nlohmann's "; last read: '...'" quotes the whole token so far; name the text where it stopped.
    if (const std::size_t last = detail.find("; last read"); last != std::string::npos) detail.resize(last);
    const std::size_t at = e.byte > 0 ? std::min<std::size_t>(e.byte - 1, text.size()) : 0;
    std::size_t end = at;
    while (end < text.size() && end - at < 20 && !std::isspace(static_cast<unsigned char>(text[end])) &&
           text[end] != ',' && text[end] != ']' && text[end] != '}')
      ++end;
    const std::string found = at >= text.size() ? "the end of the file" : "'" + shown(text.substr(at, std::max<std::size_t>(end - at, 1))) + "'";
    throw ReportInputError(where(path) + ":" + std::to_string(line) + ":" + std::to_string(column) +
                           ": error: not JSON: " + shown(detail, 160) + ", found " + found);
  }
}

ReportInput load_report_input(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) fail(path, std::string("cannot read report input: ") + std::strerror(errno));
  if (S_ISDIR(info.st_mode)) return load_sweep(path);
  const OrderedJson json = parse_json_file_text(path, read_file(path));
  if (json.is_object() && json.contains("headroom_sweep")) {
    const std::string dir = fs::path(path).parent_path().string();
    return load_sweep(dir.empty() ? "." : dir);
  }
  if (json.is_object() && json.contains("hosts") && json.contains("scenario")) {
    check_result(path, json);
    return ResultInput{path, json};
  }
  if (json.is_object() && json.contains("curve") && json.contains("ram_marks")) {
    member(path, json, "curve", OrderedJson::value_t::array, "an array");
    member(path, json, "ram_marks", OrderedJson::value_t::array, "an array");
    return MrcInput{path, json};
  }
  fail(path, "unknown kind of file: expected the JSON of headroom run or compare (scenario, hosts), of headroom mrc "
             "(curve, ram_marks), or a sweep directory, found " +
                 (json.is_object() ? "an object with " + key_list(json) : type_name(json)));
}

}  // namespace headroom::analysis
