// sim/cli/capacity_command: `headroom capacity SCENARIO --workload W [--slo ...]`: per host, the
// largest request rate the workload serves within its SLO (analysis/slo.hpp), by bracketing and
// bisection over runs. Each probe is the scenario loaded with overrides (sim/config/overrides.hpp:
// the workload's rate, and `--slo` as its `slo:`), validated here, then simulated in a child
// process (host_runner.hpp); the hosts still searching are probed in parallel, one probe each per
// round. The search (README.md "Capacity at an SLO"):
//   1. the first probe is the scenario's own rate r0, clamped to [--min, --max] (default r0 / 64,
//      r0 x 64);
//   2. bracketing: while every probe met the SLO, double the rate (at most --max); while every
//      probe missed, halve it (at least --min);
//   3. bisection between the largest rate that met and the smallest that missed, at their
//      geometric mean, until smallest missed <= largest met x (1 + tolerance).
// The same scenario, seed and options give the same probes and the same bytes. Header-only,
// included by sim/main.cpp alone.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "analysis/number_format.hpp"
#include "analysis/slo.hpp"
#include "analysis/summary.hpp"
#include "models/workloads/common/arrivals.hpp"
#include "sim/cli/commands.hpp"
#include "sim/config/overrides.hpp"
#include "sim/config/slo.hpp"
#include "sim/config/units.hpp"

namespace headroom::cli {

struct CapacityOptions {
  std::string scenario_path;
  std::string workload;
  std::string slo;                 // --slo ttft_p99=2s,...; empty: the workload's `slo:`
  std::vector<std::string> hosts;  // empty: every host of the scenario
  std::string min_rate, max_rate;  // rates with units (2/min); empty: r0 / 64, r0 x 64
  std::string tolerance = "2%";
  std::size_t jobs = 2;
  OutputOptions output;
};

// Bracketing doubles or halves the rate; the default bounds are this factor around r0.
inline constexpr double kCapacityDefaultSpan = 64;
// A search stops after this many probes per host whatever the tolerance (a 0.01% tolerance over
// [r0/64, 64 r0] needs about 30).
inline constexpr std::size_t kCapacityMaxProbes = 40;

struct CapacityProbe {
  double rate_per_s = 0;
  bool met = false;
  std::string verdict, service, verdict_reason, service_reason;
  analysis::SloResult slo;  // the workload's targets at this rate
};

struct HostCapacity {
  std::string host;
  std::vector<CapacityProbe> probes;       // in the order run (rates strictly inside the bracket)
  std::optional<std::size_t> best;        // the largest rate that met
  std::optional<std::size_t> first_miss;  // the smallest rate that missed
  // "found" (best and first_miss bracket the capacity within the tolerance), "below-min" (even
  // --min missed), "at-least-max" (--max still met), "probe-limit" (kCapacityMaxProbes reached).
  std::string outcome;
};

struct CapacityReport {
  std::string scenario, scenario_path, workload, rate_key;  // rate_key: the overridden YAML path
  std::uint64_t seed = 0;
  double duration_s = 0, base_rate_per_s = 0, min_rate_per_s = 0, max_rate_per_s = 0, tolerance = 0;
  std::vector<SloTarget> targets;
  std::vector<HostCapacity> hosts;
};

namespace capacity_detail {

// What a probe changes: the rate key (Poisson or trace `rate`) and the SLO mapping (--slo).
struct Setup {
  std::string rate_path;                 // workloads.W.arrivals.poisson | workloads.W.arrivals.rate
  std::optional<std::string> slo_yaml;   // {ttft_p99: 2s, ...} from --slo
  double base_rate_per_s = 0;
  std::vector<SloTarget> targets;
};

// A rate as the override text: requests per hour in fixed notation (6 decimals: no exponent, which
// the unit parser refuses), and the rate that text means, so a probe's printed rate is exactly
// what it simulated.
inline std::pair<std::string, double> rate_text(double rate_per_s) {
  const std::string text = fmt::format("{:.6f}/h", rate_per_s * 3600.0);
  return {text, config::parse_rate_per_s(text)};
}

inline double parse_rate_option(const std::string& text, const std::string& option) {
  try {
    const double rate = config::parse_rate_per_s(text);
    if (rate > 0) return rate;
  } catch (const config::UnitError&) {
  }
  throw CliError{"error: " + option + ": expected a request rate above zero such as 2/min or 0.5/s, found '" +
                 shown(text) + "'"};
}

inline config::Scenario load_with(const std::string& path, const std::vector<config::Override>& overrides) {
  try {
    return config::load_scenario(path, overrides);
  } catch (const config::ConfigError& e) {
    throw CliError{e.what()};
  }
}

// The workload and its arrivals, checked; the rate key to override and the SLO targets.
inline Setup setup(const config::Scenario& scenario, const CapacityOptions& o) {
  const config::WorkloadSpec* spec = nullptr;
  std::string names;
  for (const auto& w : scenario.workloads) {
    names += (names.empty() ? "" : ", ") + w->name;
    if (w->name == o.workload) spec = w.get();
  }
  if (!spec)
    throw CliError{"error: --workload: no workload named '" + shown(o.workload) + "' in " + scenario.path +
                   " (workloads: " + names + ")"};
  const workloads::ArrivalSpec* arrivals = spec->request_arrivals();
  if (!arrivals)
    throw CliError{"error: --workload " + shown(o.workload) + ": capacity searches a request rate, found kind " +
                   spec->kind + ", which serves no requests"};
  Setup s;
  const std::string base = "workloads." + o.workload + ".arrivals.";
  using Kind = workloads::ArrivalSpec::Kind;
  if (arrivals->kind == Kind::router)
    throw CliError{"error: --workload " + shown(o.workload) + ": its requests come from router '" +
                   shown(arrivals->router) + "': search the router's rate (--workload " + shown(arrivals->router) + ")"};
  if (arrivals->kind == Kind::poisson) {
    s.rate_path = base + "poisson";
    s.base_rate_per_s = arrivals->rate_per_s;
  } else {
    if (arrivals->time_scale != 1.0)
      throw CliError{"error: --workload " + shown(o.workload) + ": capacity scales a trace by its arrivals.rate, "
                     "found time_scale: give the trace a rate: instead (sim/config/README.md, \"Trace arrivals\")"};
    s.rate_path = base + "rate";
    const std::size_t n = arrivals->trace_requests ? arrivals->trace_requests->size() : 0;
    if (n == 0) throw CliError{"error: --workload " + shown(o.workload) + ": its trace has no request before the horizon"};
    s.base_rate_per_s = static_cast<double>(n) / scenario.duration_s;  // where the search starts
  }
  if (!o.slo.empty()) {
    SloSpec parsed;
    try {
      parsed = config::parse_slo_text(o.slo);
    } catch (const std::invalid_argument& e) {
      throw CliError{std::string("error: --slo: ") + e.what()};
    }
    s.targets = parsed.targets;
    std::string yaml;
    std::string rest = o.slo;
    for (std::size_t comma; (comma = rest.find(',')) != std::string::npos; rest = rest.substr(comma + 1))
      yaml += (yaml.empty() ? "" : ", ") + rest.substr(0, comma);
    yaml += (yaml.empty() ? "" : ", ") + rest;
    std::string mapping;
    for (char c : yaml) mapping += c == '=' ? std::string(": ") : std::string(1, c);
    s.slo_yaml = "{" + mapping + "}";
  } else {
    s.targets = spec->slo.targets;
  }
  if (s.targets.empty())
    throw CliError{"error: capacity needs SLO targets: give --slo ttft_p99=2s,... or slo: {ttft_p99: 2s} on workload '" +
                   shown(o.workload) + "' in " + scenario.path};
  return s;
}

// The rate the search probes next for one host, or nullopt when it is done (outcome set).
inline std::optional<double> next_rate(HostCapacity& h, const CapacityReport& r) {
  const std::optional<double> ok = h.best ? std::optional<double>(h.probes[*h.best].rate_per_s) : std::nullopt;
  const std::optional<double> miss =
      h.first_miss ? std::optional<double>(h.probes[*h.first_miss].rate_per_s) : std::nullopt;
  if (h.probes.empty()) return std::clamp(r.base_rate_per_s, r.min_rate_per_s, r.max_rate_per_s);
  if (h.probes.size() >= kCapacityMaxProbes) {
    h.outcome = "probe-limit";
    return std::nullopt;
  }
  if (ok && miss) {
    if (*miss <= *ok * (1 + r.tolerance)) {
      h.outcome = "found";
      return std::nullopt;
    }
    return std::sqrt(*ok * *miss);
  }
  if (ok) {
    if (*ok >= r.max_rate_per_s) {
      h.outcome = "at-least-max";
      return std::nullopt;
    }
    return std::min(*ok * 2, r.max_rate_per_s);
  }
  const double missed = miss.value_or(r.min_rate_per_s);  // only misses so far
  if (missed <= r.min_rate_per_s) {
    h.outcome = "below-min";
    return std::nullopt;
  }
  return std::max(missed / 2, r.min_rate_per_s);
}

inline void record(HostCapacity& h, CapacityProbe probe) {
  h.probes.push_back(std::move(probe));
  const std::size_t k = h.probes.size() - 1;
  const double rate = h.probes[k].rate_per_s;
  if (h.probes[k].met) {
    if (!h.best || rate > h.probes[*h.best].rate_per_s) h.best = k;
  } else if (!h.first_miss || rate < h.probes[*h.first_miss].rate_per_s) {
    h.first_miss = k;
  }
}

inline CapacityProbe probe_result(const analysis::HostResult& result, const std::string& workload, double rate_per_s) {
  const analysis::HostSummary s = analysis::summarize_host(result);
  CapacityProbe p;
  p.rate_per_s = rate_per_s;
  p.verdict = analysis::to_string(s.verdict.verdict);
  p.service = analysis::to_string(s.service.verdict);
  p.verdict_reason = s.verdict.reason;
  p.service_reason = s.service.reason;
  for (std::size_t i = 0; i < s.workloads.size() && i < result.workloads.size(); ++i)
    if (result.workloads[i].name == workload && s.workloads[i].slo) p.slo = *s.workloads[i].slo;
  // Met only when judged: every request target had a decided request (a server that failed to start
  // and a rate so low that nothing arrived do not show a capacity).
  p.met = !p.slo.targets.empty() && p.slo.met &&
          std::all_of(p.slo.targets.begin(), p.slo.targets.end(),
                      [](const analysis::SloTargetResult& t) { return t.key == "deadline" || t.decided > 0; });
  return p;
}

}  // namespace capacity_detail

// The search itself, for every chosen host.
inline CapacityReport capacity_search(const CapacityOptions& o) {
  using namespace capacity_detail;
  const config::Scenario scenario = load_with(o.scenario_path, {});
  const Setup s = setup(scenario, o);
  CapacityReport r;
  r.scenario = scenario.name;
  r.scenario_path = scenario.path;
  r.workload = o.workload;
  r.rate_key = s.rate_path;
  r.seed = scenario.seed;
  r.duration_s = scenario.duration_s;
  r.base_rate_per_s = s.base_rate_per_s;
  r.targets = s.targets;
  r.min_rate_per_s = o.min_rate.empty() ? s.base_rate_per_s / kCapacityDefaultSpan : parse_rate_option(o.min_rate, "--min");
  r.max_rate_per_s = o.max_rate.empty() ? s.base_rate_per_s * kCapacityDefaultSpan : parse_rate_option(o.max_rate, "--max");
  if (r.min_rate_per_s >= r.max_rate_per_s)
    throw CliError{"error: --min " + analysis::format_g(r.min_rate_per_s) + "/s must be below --max " +
                   analysis::format_g(r.max_rate_per_s) + "/s"};
  try {
    r.tolerance = config::parse_percent(o.tolerance) / 100.0;
  } catch (const config::UnitError& e) {
    throw CliError{std::string("error: --tolerance: ") + e.what()};
  }
  std::vector<std::size_t> chosen;
  if (o.hosts.empty())
    for (std::size_t i = 0; i < scenario.hosts.size(); ++i) chosen.push_back(i);
  for (const std::string& name : o.hosts) {
    const std::size_t index = find_host(scenario, name);
    if (std::find(chosen.begin(), chosen.end(), index) != chosen.end())
      throw CliError{"error: host '" + shown(name) + "' is given twice in --hosts"};
    chosen.push_back(index);
  }
  for (std::size_t i : chosen) r.hosts.push_back({scenario.hosts[i].name, {}, {}, {}, {}});
  check_output(o.output);
  const engine::SimulateHostFn simulate_host = engine_or_fail();

  while (true) {
    // One probe per host still searching: loaded (validated) here, simulated in children.
    std::vector<std::size_t> searching;
    std::vector<config::Scenario> probes;
    std::vector<double> rates;
    std::vector<std::string> names;
    for (std::size_t k = 0; k < r.hosts.size(); ++k) {
      const std::optional<double> rate = next_rate(r.hosts[k], r);
      if (!rate) continue;
      const auto [text, exact_rate] = rate_text(*rate);
      std::vector<config::Override> overrides{{s.rate_path, text}};
      if (s.slo_yaml) overrides.push_back({"workloads." + o.workload + ".slo", *s.slo_yaml});
      probes.push_back(load_with(o.scenario_path, overrides));
      searching.push_back(k);
      rates.push_back(exact_rate);
      names.push_back(r.hosts[k].host);
    }
    if (searching.empty()) break;
    std::vector<analysis::HostResult> results;
    try {
      results = run_hosts_in_children(
          names,
          [&](std::size_t j) {
            const config::Scenario& p = probes[j];
            return simulate_host(p, p.hosts[chosen[searching[j]]]);
          },
          std::max<std::size_t>(o.jobs, 1));
    } catch (const HostRunError& e) {
      throw CliError{e.what(), e.exit_code()};
    }
    for (std::size_t j = 0; j < searching.size(); ++j)
      record(r.hosts[searching[j]], probe_result(results[j], o.workload, rates[j]));
  }
  return r;
}

namespace capacity_detail {

inline std::string per_min(double rate_per_s) { return analysis::format_readable(rate_per_s * 60.0); }

inline std::string targets_text(const std::vector<SloTarget>& targets) {
  std::string out;
  for (const SloTarget& t : targets)
    out += (out.empty() ? "" : ", ") + t.key() + " <= " + analysis::format_readable(t.limit_s) + " s";
  return out;
}

// "ttft_p99 1.2 s (99.5% of 400)", per target.
inline std::string slo_figures(const analysis::SloResult& slo) {
  std::string out;
  for (const analysis::SloTargetResult& t : slo.targets) {
    out += (out.empty() ? "" : "; ") + t.key + " " + (t.value_s ? analysis::format_readable(*t.value_s) + " s" : "n/a");
    if (t.attainment)
      out += " (" + analysis::format_readable(100.0 * *t.attainment, 3) + "% of " + analysis::format_u64(t.decided) + ")";
  }
  return out;
}

inline std::string outcome_sentence(const HostCapacity& h, const CapacityReport& r) {
  const std::string bold = "**" + h.host + "**: ";
  if (h.outcome == "below-min")
    return bold + "even the lowest rate, " + per_min(r.min_rate_per_s) +
           " requests/min (--min), misses the SLO: its capacity is below it.";
  if (h.outcome == "at-least-max")
    return bold + "the highest rate, " + per_min(r.max_rate_per_s) +
           " requests/min (--max), still meets the SLO: its capacity is at least that.";
  std::string out = bold + "serves " + per_min(h.probes[*h.best].rate_per_s) + " requests/min within the SLO";
  if (h.first_miss) out += "; " + per_min(h.probes[*h.first_miss].rate_per_s) + " requests/min misses it";
  if (h.outcome == "probe-limit")
    out += " (stopped after " + std::to_string(kCapacityMaxProbes) + " probes, before the tolerance was reached)";
  return out + ".";
}

inline std::string render_capacity_md(const CapacityReport& r) {
  using analysis::format_readable;
  std::string out = "## Capacity of " + r.workload + " at its SLO: " + r.scenario + "\n\n";
  out += "Scenario `" + r.scenario_path + "`, seed " + analysis::format_u64(r.seed) + ", horizon " +
         format_readable(r.duration_s) + " s of simulated time. SLO: " + targets_text(r.targets) + ". Rate: `" +
         r.rate_key + "`, from " + per_min(r.base_rate_per_s) + " requests/min, between " + per_min(r.min_rate_per_s) +
         " and " + per_min(r.max_rate_per_s) + " requests/min, tolerance " + format_readable(100.0 * r.tolerance) + "%.\n\n";
  out += "| host | capacity (requests/min) | first missed (requests/min) | verdict | service | SLO at capacity | probes |\n";
  out += "|---|---:|---:|---|---|---|---:|\n";
  for (const HostCapacity& h : r.hosts) {
    const CapacityProbe* best = h.best ? &h.probes[*h.best] : nullptr;
    out += "| " + h.host + " | " + (best ? per_min(best->rate_per_s) : "< " + per_min(r.min_rate_per_s)) + " | " +
           (h.first_miss ? per_min(h.probes[*h.first_miss].rate_per_s) : "none (>= " + per_min(r.max_rate_per_s) + ")") +
           " | " + (best ? best->verdict : "n/a") + " | " + (best ? best->service : "n/a") + " | " +
           (best ? slo_figures(best->slo) : "n/a") + " | " + std::to_string(h.probes.size()) + " |\n";
  }
  out += "\n";
  for (const HostCapacity& h : r.hosts) out += "- " + outcome_sentence(h, r) + "\n";
  out += "\n| host | probe | rate (requests/min) | SLO | verdict | service | SLO figures |\n|---|---:|---:|---|---|---|---|\n";
  for (const HostCapacity& h : r.hosts)
    for (std::size_t k = 0; k < h.probes.size(); ++k) {
      const CapacityProbe& p = h.probes[k];
      out += "| " + h.host + " | " + std::to_string(k + 1) + " | " + per_min(p.rate_per_s) + " | " +
             analysis::slo_word(p.met) + " | " + p.verdict + " | " + p.service + " | " + slo_figures(p.slo) + " |\n";
    }
  out += "\nA probe meets the SLO when every target is met with at least one request judged (analysis/README.md "
         "\"SLO targets\": failed requests, and unfinished ones already past a limit, count as missing it).\n";
  return out;
}

inline nlohmann::ordered_json number_or_null(std::optional<double> v) {
  return v && std::isfinite(*v) ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

inline nlohmann::ordered_json slo_json(const analysis::SloResult& slo) {
  nlohmann::ordered_json targets = nlohmann::ordered_json::object();
  for (const analysis::SloTargetResult& t : slo.targets)
    targets[t.key] = {{"limit_s", t.limit_s},          {"value_s", number_or_null(t.value_s)},
                      {"met", t.met},                  {"arrived", t.arrived},
                      {"decided", t.decided},          {"met_requests", t.met_requests},
                      {"attainment", number_or_null(t.attainment)}};
  return targets;
}

inline nlohmann::ordered_json probe_json(const CapacityProbe& p) {
  return {{"rate_per_s", p.rate_per_s}, {"slo", analysis::slo_word(p.met)}, {"verdict", p.verdict},
          {"service", p.service},       {"targets", slo_json(p.slo)}};
}

inline std::string render_capacity_json(const CapacityReport& r) {
  using Json = nlohmann::ordered_json;
  Json targets = Json::object();
  for (const SloTarget& t : r.targets) targets[t.key()] = t.limit_s;
  Json hosts = Json::array();
  for (const HostCapacity& h : r.hosts) {
    Json probes = Json::array();
    for (const CapacityProbe& p : h.probes) probes.push_back(probe_json(p));
    const CapacityProbe* best = h.best ? &h.probes[*h.best] : nullptr;
    Json at = nullptr;
    if (best)
      at = {{"rate_per_s", best->rate_per_s}, {"verdict", best->verdict}, {"verdict_reason", best->verdict_reason},
            {"service", best->service}, {"service_reason", best->service_reason}, {"slo", "met"},
            {"targets", slo_json(best->slo)}};
    hosts.push_back({{"name", h.host},
                     {"outcome", h.outcome},
                     {"capacity_rate_per_s", best ? Json(best->rate_per_s) : Json(nullptr)},
                     {"first_missed_rate_per_s", h.first_miss ? Json(h.probes[*h.first_miss].rate_per_s) : Json(nullptr)},
                     {"at_capacity", at},
                     {"probes", probes}});
  }
  Json j = {{"headroom_capacity", 1},
            {"scenario", r.scenario},
            {"scenario_path", r.scenario_path},
            {"seed", r.seed},
            {"duration_s", r.duration_s},
            {"workload", r.workload},
            {"rate_key", r.rate_key},
            {"slo", targets},
            {"base_rate_per_s", r.base_rate_per_s},
            {"min_rate_per_s", r.min_rate_per_s},
            {"max_rate_per_s", r.max_rate_per_s},
            {"tolerance", r.tolerance},
            {"hosts", hosts}};
  return j.dump(2) + "\n";
}

inline std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Tidy: one row per probe, with the host's outcome and whether the probe is its capacity.
inline std::string render_capacity_csv(const CapacityReport& r) {
  std::string out = "host,outcome,probe,rate_per_s,is_capacity,slo,verdict,service";
  for (const SloTarget& t : r.targets) out += "," + t.key() + "_s," + t.key() + "_attainment";
  out += "\n";
  const auto cell = [](std::optional<double> v) { return v && std::isfinite(*v) ? analysis::format_g(*v) : std::string(); };
  for (const HostCapacity& h : r.hosts)
    for (std::size_t k = 0; k < h.probes.size(); ++k) {
      const CapacityProbe& p = h.probes[k];
      out += csv_cell(h.host) + "," + h.outcome + "," + std::to_string(k + 1) + "," +
             analysis::format_g(p.rate_per_s) + "," + (h.best && *h.best == k ? "true" : "false") + "," +
             analysis::slo_word(p.met) + "," + p.verdict + "," + p.service;
      for (const analysis::SloTargetResult& t : p.slo.targets) out += "," + cell(t.value_s) + "," + cell(t.attainment);
      out += "\n";
    }
  return out;
}

}  // namespace capacity_detail

inline void capacity_command(const CapacityOptions& o) {
  const CapacityReport r = capacity_search(o);
  using namespace capacity_detail;
  const std::string text = o.output.format == "json"  ? render_capacity_json(r)
                           : o.output.format == "csv" ? render_capacity_csv(r)
                                                      : render_capacity_md(r);
  emit_text(text, o.output);
}

}  // namespace headroom::cli
