#include "sim/config/overrides.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "sim/config/error.hpp"
#include "sim/config/yaml_reader.hpp"
#include "sim/text.hpp"

namespace headroom::config {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> steps;
  std::size_t begin = 0;
  for (std::size_t dot; (dot = path.find('.', begin)) != std::string::npos; begin = dot + 1)
    steps.push_back(path.substr(begin, dot - begin));
  steps.push_back(path.substr(begin));
  return steps;
}

// 0-based line of the last node of the tree (keys included).
int last_node_line(const YAML::Node& node, int depth = 0) {
  int line = node.Mark().is_null() ? 0 : node.Mark().line;
  if (depth > 80) return line;  // load_yaml_file already refused deeper trees
  if (node.IsMap()) {
    for (const auto& entry : node)
      line = std::max({line, last_node_line(entry.first, depth + 1), last_node_line(entry.second, depth + 1)});
  } else if (node.IsSequence()) {
    for (const auto& item : node) line = std::max(line, last_node_line(item, depth + 1));
  }
  return line;
}

int line_count(const std::string& text) {
  return 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

// "hosts" -> "host": how a list's elements are named in messages.
std::string element_noun(const std::string& list_key) {
  if (list_key.size() > 1 && list_key.back() == 's') return list_key.substr(0, list_key.size() - 1);
  return "element";
}

// A list element's name: a bare scalar (a catalog host), else its `name:`, else its `use:` (a
// catalog entry with overrides keeps the catalog name).
std::string element_name(const YAML::Node& item) {
  if (item.IsScalar()) return item.Scalar();
  if (!item.IsMap()) return "";
  for (const char* key : {"name", "use"}) {
    const YAML::Node value = item[key];
    if (value.IsDefined() && value.IsScalar()) return value.Scalar();
  }
  return "";
}

bool is_index(const std::string& step) {
  return !step.empty() && step.size() <= 9 && std::all_of(step.begin(), step.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

// Applies one override. Every node it creates is parsed from text placed after `base_line`
// newlines, so its mark lies past the end of the file, inside this override's lines.
class Applier {
 public:
  Applier(const std::string& file, const Override& o, int base_line)
      : file_(file), override_(o), steps_(split_path(o.path)), base_line_(base_line) {}

  void apply(YAML::Node root) {
    parse(override_.value);  // a bad value is refused even where no path matches
    walk(root, 0, "the scenario");
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw ConfigError::unlocated(override_text(override_) + ": " + message);
  }

  YAML::Node parse(const std::string& text) const {
    YAML::Node node;
    try {
      node = YAML::Load(std::string(static_cast<std::size_t>(base_line_), '\n') + text);
    } catch (const YAML::ParserException& e) {
      fail("invalid YAML value: " + e.msg);
    }
    try {
      check_yaml_tree(file_, node);
    } catch (const ConfigError& e) {
      fail(e.message());
    }
    return node;
  }

  // A key node marked inside this override's lines (JSON's quoting is YAML's double-quoted style).
  YAML::Node key_node(const std::string& key) const { return parse(nlohmann::json(key).dump()); }

  // A fresh copy of the value for each place `*` selects, so no two places share one node (parsed
  // again: YAML::Clone drops the marks).
  YAML::Node value() const { return parse(override_.value); }

  // A bare scalar that a further step reaches into becomes {use: SCALAR}: `hosts.*.ram=96GiB` on
  // `hosts: [m2-max-96]` gives `{use: m2-max-96, ram: 96GiB}` (the same host, with one field set).
  YAML::Node promoted(const YAML::Node& scalar) const {
    YAML::Node map = parse("{}");
    // A copy of `scalar` (the node being replaced) that keeps its place in the file: an unknown host
    // name is still the file's mistake.
    const YAML::Mark at = scalar.Mark();
    const std::string text = nlohmann::json(scalar.Scalar()).dump();
    YAML::Node use = at.is_null() ? parse(text)
                                  : YAML::Load(std::string(static_cast<std::size_t>(at.line), '\n') +
                                               std::string(static_cast<std::size_t>(at.column), ' ') + text);
    map.force_insert(key_node("use"), use);
    return map;
  }

  void walk(YAML::Node node, std::size_t i, const std::string& where) {
    const std::string& step = steps_[i];
    if (node.IsSequence()) return walk_list(node, i, where);
    if (!node.IsMap()) fail(where + " is " + describe(node) + ", which has no field '" + shown(step) + "'");
    if (step == "*" || step == "+")
      fail("'" + step + "' selects elements of a list, but " + where + " is a mapping");
    const bool last = i + 1 == steps_.size();
    const YAML::Node& view = node;
    YAML::Node child = view[step];
    if (last) {
      if (child.IsDefined()) node[step] = value();
      else node.force_insert(key_node(step), value());
      return;
    }
    if (!child.IsDefined() || child.IsNull()) {
      // A missing section is added (memory.swappiness on a file without memory:); the validation
      // then refuses it if the key is not one the scenario format knows.
      if (child.IsDefined()) node[step] = parse("{}");
      else node.force_insert(key_node(step), parse("{}"));
    } else if (child.IsScalar()) {
      node[step] = promoted(child);
    }
    walk(view[step], i + 1, step);
  }

  void walk_list(YAML::Node list, std::size_t i, const std::string& list_key) {
    const std::string& step = steps_[i];
    const bool last = i + 1 == steps_.size();
    if (step == "+") {
      if (!last) fail("'+' (append to a list) must be the last step of the path");
      list.push_back(value());
      return;
    }
    for (const std::size_t k : select(list, step, list_key)) {
      if (last) {
        list[k] = value();
        continue;
      }
      if (list[k].IsScalar()) list[k] = promoted(list[k]);
      walk(list[k], i + 1, list_key + " element '" + element_name(list[k]) + "'");
    }
  }

  std::vector<std::size_t> select(const YAML::Node& list, const std::string& step, const std::string& list_key) const {
    const std::string noun = element_noun(list_key);
    std::vector<std::size_t> chosen;
    if (step == "*") {
      if (list.size() == 0) fail("no " + noun + " in " + file_ + ": " + list_key + " is empty");
      for (std::size_t k = 0; k < list.size(); ++k) chosen.push_back(k);
      return chosen;
    }
    if (is_index(step)) {
      const std::size_t k = std::stoul(step);
      if (k >= list.size())
        fail("no " + noun + " at index " + step + " in " + file_ + " (" + list_key + " has " +
             std::to_string(list.size()) + ", indexed from 0)");
      return {k};
    }
    std::string names;
    for (std::size_t k = 0; k < list.size(); ++k) {
      const std::string name = element_name(list[k]);
      if (name == step) return {k};
      names += (names.empty() ? "" : ", ") + shown(name);
    }
    fail("no " + noun + " named '" + shown(step) + "' in " + file_ + " (" + list_key + ": " + names + ")");
  }

  const std::string& file_;
  const Override& override_;
  std::vector<std::string> steps_;
  int base_line_;
};

}  // namespace

std::string override_text(const Override& o) { return "--set " + shown(o.path) + "=" + shown(o.value); }

Override parse_override(const std::string& text) {
  const auto fail = [&](const std::string& message) {
    throw ConfigError::unlocated("--set " + shown(text) + ": " + message);
  };
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos)
    fail("expected PATH=VALUE (e.g. workloads.chat.max_batch=4), found no '='");
  Override o{text.substr(0, equals), text.substr(equals + 1)};
  if (o.path.empty()) fail("expected a dotted path before '=' (e.g. workloads.chat.max_batch), found nothing");
  for (const std::string& step : split_path(o.path))
    if (step.empty()) fail("expected a dotted path (steps separated by single dots), found an empty step in '" +
                           shown(o.path) + "'");
  if (o.value.find_first_not_of(" \t") == std::string::npos)
    fail("expected a value after '=', found nothing");
  return o;
}

std::vector<OverrideLines> apply_overrides(const std::string& file, YAML::Node document,
                                           const std::vector<Override>& overrides) {
  std::vector<OverrideLines> lines;
  int base_line = last_node_line(document) + 2;  // 0-based: one spare line after the last node
  for (const Override& o : overrides) {
    if (o.value.find_first_not_of(" \t") == std::string::npos)
      throw ConfigError::unlocated(override_text(o) + ": expected a value after '=', found nothing");
    Applier(file, o, base_line).apply(document);
    const int first = base_line + 1;  // 1-based
    lines.push_back({first, first + line_count(o.value) - 1});
    base_line = lines.back().last_line + 1;
  }
  return lines;
}

void rethrow_at_override(const ConfigError& error, const std::string& file, const std::vector<Override>& overrides,
                         const std::vector<OverrideLines>& lines) {
  if (error.file() == file && error.line() > 0) {
    for (std::size_t k = 0; k < lines.size(); ++k)
      if (error.line() >= lines[k].first_line && error.line() <= lines[k].last_line)
        throw ConfigError::unlocated(override_text(overrides[k]) + ": " + error.message());
  }
  throw error;
}

}  // namespace headroom::config
