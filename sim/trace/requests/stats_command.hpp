// `headroom trace stats FILE [FILE...]`: the request-trace statistics of stats.hpp, printed as md
// (default), csv or json, to stdout or atomically to --out (analysis/output_file.hpp). Bad input
// (unreadable or malformed trace, bad option) prints one line on stderr and exits 2.
// Header-only so that hr_trace does not depend on hr_analysis; included by sim/main.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/output_file.hpp"
#include "sim/config/units.hpp"
#include "sim/text.hpp"
#include "sim/trace/requests/request_trace.hpp"
#include "sim/trace/requests/stats.hpp"
#include "sim/trace/requests/transform.hpp"

namespace headroom::reqtrace {

struct StatsArgs {
  std::vector<std::string> paths;
  std::string format_name, time_col, input_col, output_col, hash_col, time_unit = "s";
  std::string on_bad_row = "fail", order = "reject", format = "md", out;
  std::string start, end, time_scale, rate, sample, seed = "0", max_requests = "0";
};

namespace stats_detail {

inline double option_number(const char* option, const std::string& text, double (*parse)(std::string_view)) {
  try {
    return parse(text);
  } catch (const config::UnitError& e) {
    throw std::invalid_argument(std::string(option) + ": " + e.what());
  }
}

inline std::uint64_t option_count(const char* option, const std::string& text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || ec != std::errc() ||
      end != text.data() + text.size())
    throw std::invalid_argument(std::string(option) + ": expected a whole number from 0 to 18446744073709551615, found '" +
                                shown(text) + "'");
  return v;
}

inline Options reader_options(const StatsArgs& a) {
  Options o;
  o.format = a.format_name;
  o.columns = {a.time_col, a.input_col, a.output_col, a.hash_col, a.time_unit};
  o.on_bad_row = a.on_bad_row == "skip" ? trace::BadRowAction::skip : trace::BadRowAction::fail;
  o.order = a.order == "sort" ? Order::sort : Order::reject;
  return o;
}

inline Transform transform_of(const StatsArgs& a) {
  Transform t;
  if (!a.start.empty() || !a.end.empty()) {
    t.window = Window{};
    if (!a.start.empty()) t.window->start_s = option_number("--start", a.start, config::parse_duration_s);
    if (!a.end.empty()) t.window->end_s = option_number("--end", a.end, config::parse_duration_s);
  }
  if (t.window && !(t.window->end_s > t.window->start_s))
    throw std::invalid_argument("--end: expected a time after --start (" + shown(a.start.empty() ? "0" : a.start) +
                                "), found '" + shown(a.end) + "'");
  if (!a.time_scale.empty()) t.time_scale = option_number("--time-scale", a.time_scale, config::parse_number);
  if (!(t.time_scale > 0))
    throw std::invalid_argument("--time-scale: expected a number above 0, found '" + shown(a.time_scale) + "'");
  if (!a.rate.empty()) t.rate_per_s = option_number("--rate", a.rate, config::parse_rate_per_s);
  if (t.rate_per_s && !(*t.rate_per_s > 0))
    throw std::invalid_argument("--rate: expected a rate above 0/s, found '" + shown(a.rate) + "'");
  if (!a.sample.empty()) t.sample = option_number("--sample", a.sample, config::parse_number);
  if (t.sample && !(*t.sample > 0 && *t.sample <= 1))
    throw std::invalid_argument("--sample: expected a probability in (0, 1], found '" + shown(a.sample) + "'");
  t.seed = option_count("--seed", a.seed);
  t.max_requests = option_count("--max-requests", a.max_requests);
  return t;
}

inline StatsFormat format_of(const std::string& name) {
  return name == "csv" ? StatsFormat::csv : name == "json" ? StatsFormat::json : StatsFormat::md;
}

inline int run_stats(const StatsArgs& a, std::ostream& out) {
  const Options options = reader_options(a);
  const Transform t = transform_of(a);
  if (!a.out.empty()) analysis::check_output_path(a.out);  // refuse a bad --out before reading
  std::vector<TraceStats> all;
  for (const auto& path : a.paths) {
    // Without a transform the trace is read as recorded (a span past 292 years still reads).
    const auto reader = is_identity(t) ? open_requests(path, options) : open_transformed(path, options, t);
    all.push_back(compute_stats(*reader, path));
    if (all.back().counts.rows == 0)
      throw TraceError(path, 1, 1, "expected at least one request row, found none" +
                                       (all.back().counts.skipped ? " (" + std::to_string(all.back().counts.skipped) +
                                                                        " bad rows skipped; the first: " +
                                                                        all.back().counts.first_skipped + ")"
                                                                  : std::string()));
  }
  const std::string text = format_stats(all, format_of(a.format));
  if (a.out.empty()) out << text;
  else analysis::write_output_file(a.out, text);
  return 0;
}

}  // namespace stats_detail

// Adds `trace stats` to `app`; it runs in its callback and sets exit_code (0, or 2 on bad input).
inline void add_trace_stats_command(CLI::App& app, int& exit_code, std::ostream& out = std::cout,
                                    std::ostream& err = std::cerr) {
  auto args = std::make_shared<StatsArgs>();
  CLI::App* trace = app.add_subcommand("trace", "request traces of LLM servers (Azure, BurstGPT, Mooncake, ...)");
  trace->require_subcommand(1);
  CLI::App* stats = trace->add_subcommand("stats", "rows, span, arrival rate over time, token percentiles, bad rows");
  stats->add_option("FILE", args->paths, "request trace files (.gz read directly)")->required();
  std::string names;
  for (const auto& n : format_names()) names += (names.empty() ? "" : ", ") + n;
  stats->add_option("--format-name", args->format_name, "trace format (default: detected): " + names);
  stats->add_option("--time-col", args->time_col, "csv/jsonl: the arrival time column (key)");
  stats->add_option("--input-col", args->input_col, "csv/jsonl: the prompt token column (key)");
  stats->add_option("--output-col", args->output_col, "csv/jsonl: the output token column (key)");
  stats->add_option("--hash-col", args->hash_col, "jsonl: the prefix block hash list key");
  stats->add_option("--time-unit", args->time_unit, "unit of the time column: s (default), ms, us, ns or datetime")
      ->check(CLI::IsMember({"s", "ms", "us", "ns", "datetime"}));
  stats->add_option("--on-bad-row", args->on_bad_row, "fail (default: exit 2 at the first bad row) or skip (count them)")
      ->check(CLI::IsMember({"fail", "skip"}));
  stats->add_option("--order", args->order, "non-monotonic timestamps: reject (default) or sort (holds the trace)")
      ->check(CLI::IsMember({"reject", "sort"}));
  stats->add_option("--start", args->start, "window start after the first row, e.g. 1h (default 0)");
  stats->add_option("--end", args->end, "window end after the first row, e.g. 2h (default: the end)");
  stats->add_option("--time-scale", args->time_scale, "multiply gaps by this (default 1)");
  stats->add_option("--rate", args->rate, "rescale gaps so the mean rate is this, e.g. 2/s");
  stats->add_option("--sample", args->sample, "keep each row with this probability (0, 1]");
  stats->add_option("--seed", args->seed, "seed of --sample (default 0)");
  stats->add_option("--max-requests", args->max_requests, "at most this many rows (default 0: all)");
  stats->add_option("--format", args->format, "md (default), csv or json")->check(CLI::IsMember({"md", "csv", "json"}));
  stats->add_option("--out", args->out, "write the report to this file (atomically) instead of stdout");
  stats->callback([args, &exit_code, &out, &err] {
    try {
      exit_code = stats_detail::run_stats(*args, out);
    } catch (const TraceError& e) {
      err << e.what() << "\n";
      exit_code = 2;
    } catch (const analysis::OutputError& e) {
      err << "error: " << e.what() << "\n";
      exit_code = 2;
    } catch (const std::invalid_argument& e) {
      err << "headroom trace stats: error: " << e.what() << "\n";
      exit_code = 2;
    } catch (const std::exception& e) {
      err << "headroom trace stats: internal error: " << e.what() << "\n";
      exit_code = 1;
    }
  });
}

}  // namespace headroom::reqtrace
