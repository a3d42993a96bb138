#include "sim/sweep/grid.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "sim/config/error.hpp"
#include "sim/config/overrides.hpp"
#include "sim/text.hpp"

namespace headroom::sweep {

std::vector<std::string> split_values(const std::string& text, const std::string& what) {
  const auto fail = [&](const std::string& message) { throw SweepError("error: " + what + ": " + message); };
  std::vector<std::string> values;
  std::string open;  // the brackets and the quote open at this point, innermost last
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ',';
    const char quote = !open.empty() && (open.back() == '\'' || open.back() == '"') ? open.back() : 0;
    if (i == text.size() && !open.empty())
      fail(std::string("expected a closing ") +
           (open.back() == '[' ? "']'" : open.back() == '{' ? "'}'" : std::string("quote ") + open.back()) +
           ", found the end of the values");
    if (quote) {
      if (c == quote) open.pop_back();
      continue;
    }
    if (c == '\'' || c == '"' || c == '[' || c == '{') {
      open.push_back(c);
    } else if ((c == ']' || c == '}') && !open.empty() && open.back() == (c == ']' ? '[' : '{')) {
      open.pop_back();
    } else if (c == ']' || c == '}') {
      fail(std::string("expected values separated by commas, found an unmatched '") + c + "'");
    } else if (c == ',' && open.empty()) {
      std::string value = text.substr(begin, i - begin);
      if (value.find_first_not_of(" \t") == std::string::npos)
        fail("expected a value between commas, found an empty one");
      if (std::find(values.begin(), values.end(), value) != values.end())
        fail("value '" + shown(value) + "' is given twice");
      values.push_back(std::move(value));
      begin = i + 1;
    }
  }
  return values;
}

Parameter parse_parameter(const std::string& set_text) {
  config::Override parsed;
  try {
    parsed = config::parse_override(set_text);
  } catch (const config::ConfigError& e) {
    throw SweepError(e.what());
  }
  return {parsed.path, split_values(parsed.value, "--set " + shown(set_text))};
}

std::vector<Point> expand_grid(const std::vector<Parameter>& parameters, const std::vector<std::string>& hosts) {
  std::set<std::string> paths;
  for (const Parameter& p : parameters)
    if (!paths.insert(p.path).second) throw SweepError("error: --set " + shown(p.path) + " is given twice");
  if (hosts.empty()) throw SweepError("error: the sweep has no host");
  std::set<std::string> names;
  for (const std::string& h : hosts)
    if (!names.insert(h).second) throw SweepError("error: host '" + shown(h) + "' is given twice in --hosts");
  // A grid is run point by point: a million points is already days of work, and the product must
  // not wrap.
  constexpr std::size_t kMaxPoints = 1000000;
  std::size_t combinations = 1;
  for (const Parameter& p : parameters) {
    if (p.values.empty() || combinations > kMaxPoints / p.values.size() / hosts.size())
      throw SweepError("error: the sweep has more than " + std::to_string(kMaxPoints) +
                       " points (the product of every --set's values and the hosts)");
    combinations *= p.values.size();
  }
  const std::size_t count = combinations * hosts.size();
  std::vector<Point> points;
  points.reserve(count);
  for (std::size_t c = 0; c < combinations; ++c) {
    // Mixed-radix digits of c, the last parameter varying fastest.
    std::vector<std::pair<std::string, std::string>> chosen(parameters.size());
    std::size_t rest = c;
    for (std::size_t k = parameters.size(); k-- > 0;) {
      const auto& values = parameters[k].values;
      chosen[k] = {parameters[k].path, values[rest % values.size()]};
      rest /= values.size();
    }
    for (const std::string& host : hosts) {
      const std::size_t index = points.size();
      points.push_back({index, point_id(index, count), c, chosen, host});
    }
  }
  return points;
}

std::string point_id(std::size_t index, std::size_t count) {
  std::size_t digits = 1;
  for (std::size_t largest = count > 0 ? count - 1 : 0; largest >= 10; largest /= 10) ++digits;
  const std::string number = std::to_string(index);
  return "p" + std::string(std::max<std::size_t>(4, digits) - std::min(number.size(), std::max<std::size_t>(4, digits)), '0') + number;
}

Shard parse_shard(const std::string& text) {
  const auto fail = [&] {
    throw SweepError("error: --shard: expected i/n with 1 <= i <= n (e.g. 2/8), found '" + shown(text) + "'");
  };
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) fail();
  const auto number = [&](std::size_t from, std::size_t to) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(text.data() + from, text.data() + to, n);
    if (from == to || ec != std::errc() || end != text.data() + to || n > 1000000) fail();
    return n;
  };
  const Shard shard{number(0, slash), number(slash + 1, text.size())};
  if (shard.index < 1 || shard.index > shard.count) fail();
  return shard;
}

}  // namespace headroom::sweep
