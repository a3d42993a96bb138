#include "sim/config/slo.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "sim/config/units.hpp"
#include "sim/config/workload_parsers.hpp"
#include "sim/text.hpp"

namespace headroom::config {

namespace {

constexpr SloMetric kMetrics[] = {SloMetric::ttft, SloMetric::tpot, SloMetric::e2e, SloMetric::queue_wait};
constexpr SloStat kStats[] = {SloStat::p50, SloStat::p90, SloStat::p99, SloStat::mean};

// The target a key names (not `deadline`); false when none.
bool target_of(std::string_view key, SloTarget& target) {
  for (SloMetric m : kMetrics)
    for (SloStat s : kStats)
      if (key == SloTarget{m, s, 0}.key()) {
        target.metric = m;
        target.stat = s;
        return true;
      }
  return false;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

const std::vector<std::string>& slo_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (SloMetric m : kMetrics)
      for (SloStat s : kStats) out.push_back(SloTarget{m, s, 0}.key());
    out.push_back("deadline");
    return out;
  }();
  return keys;
}

SloSpec parse_slo(const std::string& file, const YAML::Node& node) {
  const MapReader map(file, node, "slo", slo_keys());
  if (node.size() == 0)
    map.fail(node, "slo: expected at least one target such as {ttft_p99: 2s} or {deadline: 2h}, found an empty mapping");
  SloSpec slo;
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (key == "deadline") {
      slo.deadline_s = map.duration_s(key, true);
      continue;
    }
    SloTarget target;
    target_of(key, target);  // MapReader refused every other key
    target.limit_s = map.duration_s(key, true);
    slo.targets.push_back(target);
  }
  return slo;
}

void check_slo(const ParseContext& ctx, const YAML::Node& workload, const WorkloadSpec& spec) {
  if (spec.slo.empty()) return;
  const YAML::Node node = workload["slo"];
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (key == "deadline") {
      if (!spec.can_finish())
        fail_at(ctx.file, entry.first,
                fmt::format("slo: deadline needs a workload that finishes (a job with a fixed amount of work), "
                            "found kind {} which {}",
                            spec.kind, spec.serves_requests() ? "serves requests until the horizon: give it request "
                                                                "targets such as ttft_p99"
                                                              : "runs until the horizon"));
      if (*spec.slo.deadline_s > ctx.duration_s)
        fail_at(ctx.file, entry.second,
                fmt::format("slo: deadline: expected a time within the scenario's duration ({} s), found '{}' "
                            "(a deadline after the horizon cannot be judged)",
                            ctx.duration_s, shown(entry.second.Scalar())));
    } else if (!spec.serves_requests()) {
      fail_at(ctx.file, entry.first,
              fmt::format("slo: {} is a request target, found kind {} which serves no requests{}", key, spec.kind,
                          spec.can_finish() ? " (a job takes {deadline: DURATION})" : ""));
    }
  }
}

SloSpec parse_slo_text(std::string_view text) {
  SloSpec slo;
  std::string_view rest = text;
  if (rest.empty()) throw std::invalid_argument("expected targets such as ttft_p99=2s,tpot_p50=100ms, found ''");
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const std::size_t eq = item.find('=');
    const std::string key(item.substr(0, eq));
    SloTarget target;
    if (eq == std::string_view::npos || !target_of(key, target))
      throw std::invalid_argument(fmt::format("expected TARGET=DURATION with TARGET one of {} (deadline is a "
                                              "scenario key only), found '{}'",
                                              joined({slo_keys().begin(), slo_keys().end() - 1}), shown(item)));
    try {
      target.limit_s = parse_duration_s(item.substr(eq + 1));
    } catch (const UnitError& e) {
      throw std::invalid_argument(key + ": " + e.what());
    }
    if (target.limit_s <= 0)
      throw std::invalid_argument(fmt::format("{}: expected a value above zero, found '{}'", key,
                                              shown(item.substr(eq + 1))));
    for (const SloTarget& t : slo.targets)
      if (t.key() == key) throw std::invalid_argument(fmt::format("{} is given twice", key));
    slo.targets.push_back(target);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return slo;
}

}  // namespace headroom::config
