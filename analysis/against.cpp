#include "analysis/against.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/number_format.hpp"
#include "sim/json_text.hpp"

namespace headroom::analysis {
namespace {

using Field = std::optional<double> RecordedSample::*;

struct Counter {
  const char* name;
  const char* unit;
  bool cumulative;
  double near_zero;  // below this |recorded| the error is absolute
  Field recorded;
  double (*simulated)(const TimeSample&);
};

double total_rss(const TimeSample& t) {
  double sum = 0;
  for (std::uint64_t b : t.workload_rss_bytes) sum += static_cast<double>(b);
  return sum;
}

constexpr double kMiB = 1024.0 * 1024.0;
const Counter kCounters[] = {
    {"rss", "bytes", false, kMiB, &RecordedSample::rss_bytes, total_rss},
    {"anon", "bytes", false, kMiB, &RecordedSample::anon_bytes, [](const TimeSample& t) { return double(t.anon_bytes); }},
    {"file", "bytes", false, kMiB, &RecordedSample::file_bytes, [](const TimeSample& t) { return double(t.file_bytes); }},
    {"swap", "bytes", false, kMiB, &RecordedSample::swap_bytes, [](const TimeSample& t) { return double(t.swap_bytes); }},
    {"pgmajfault", "faults", true, 10, &RecordedSample::pgmajfault, [](const TimeSample& t) { return double(t.pgmajfault); }},
    {"pswpin", "pages", true, 10, &RecordedSample::pswpin, [](const TimeSample& t) { return double(t.pswpin); }},
    {"pswpout", "pages", true, 10, &RecordedSample::pswpout, [](const TimeSample& t) { return double(t.pswpout); }},
    {"psi_some", "s", true, 0.01, &RecordedSample::psi_some_s, [](const TimeSample& t) { return t.psi_some_s; }},
    {"psi_full", "s", true, 0.01, &RecordedSample::psi_full_s, [](const TimeSample& t) { return t.psi_full_s; }},
};

// A capture's sample times jitter by up to a millisecond around k x interval: a sample this close
// after a bucket's time is that bucket's.
constexpr double kSampleJitter_s = 0.01;

// The recorded figure at `t_s`: the last sample at or before it (samples missing the figure are
// passed over), held as the `recorded` kind replays it: a step at each sample, not a line between
// them (which put the simulated level one sample behind the recorded one on a growing series);
// nullopt before the first and after the last sample that has it.
std::optional<double> recorded_at(const std::vector<RecordedSample>& samples, Field field, double t_s) {
  std::optional<double> held;
  bool recorded_until_t = false;  // a sample at or after t_s (within the jitter): t is inside the recording
  for (const RecordedSample& s : samples) {
    if (!(s.*field)) continue;
    recorded_until_t = recorded_until_t || s.time_s >= t_s - kSampleJitter_s;
    if (s.time_s > t_s + kSampleJitter_s) break;
    held = *(s.*field);
  }
  return recorded_until_t ? held : std::nullopt;
}

std::optional<double> first_value(const std::vector<RecordedSample>& samples, Field field) {
  for (const RecordedSample& s : samples)
    if (s.*field) return *(s.*field);
  return std::nullopt;
}

}  // namespace

double comparison_bucket_s(const std::vector<RecordedSample>& recorded, double horizon_s, std::size_t max_buckets) {
  std::vector<double> gaps;
  for (std::size_t i = 1; i < recorded.size(); ++i) gaps.push_back(recorded[i].time_s - recorded[i - 1].time_s);
  double bucket_s = horizon_s;
  if (!gaps.empty()) {
    std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2), gaps.end());
    bucket_s = gaps[gaps.size() / 2];
  }
  const double span_s = std::min(horizon_s, recorded.empty() ? horizon_s : recorded.back().time_s);
  if (bucket_s > 0 && span_s / bucket_s > static_cast<double>(max_buckets))
    bucket_s = span_s / static_cast<double>(max_buckets);
  return bucket_s > 0 ? bucket_s : horizon_s;
}

Comparison compare_with_recording(const HostResult& host, const std::vector<RecordedSample>& recorded,
                                  double bucket_s) {
  Comparison out;
  out.host = host.name;
  out.bucket_s = bucket_s;
  const double span_s = recorded.empty() ? 0 : recorded.back().time_s;
  for (const Counter& c : kCounters) {
    const std::optional<double> base = first_value(recorded, c.recorded);
    if (!base) continue;  // the capture has no such figure
    CounterComparison cc{c.name, c.unit, c.cumulative, {}, std::nullopt, true};
    double sum_relative = 0, sum_absolute = 0;
    std::size_t relative_count = 0, absolute_count = 0;
    for (const TimeSample& t : host.timeseries) {
      if (t.time_s > span_s + 1e-9) break;
      BucketRow row;
      row.time_s = t.time_s;
      row.simulated = c.simulated(t);
      row.recorded = recorded_at(recorded, c.recorded, t.time_s);
      if (row.recorded && c.cumulative) *row.recorded -= *base;
      if (row.recorded) {
        row.relative = std::fabs(*row.recorded) >= c.near_zero;
        row.error = row.relative ? (*row.simulated - *row.recorded) / *row.recorded : *row.simulated - *row.recorded;
        (row.relative ? sum_relative : sum_absolute) += std::fabs(*row.error);
        ++(row.relative ? relative_count : absolute_count);
      }
      cc.buckets.push_back(row);
    }
    if (c.cumulative) {
      for (auto it = cc.buckets.rbegin(); it != cc.buckets.rend(); ++it)
        if (it->error) {
          cc.overall = it->error;
          cc.overall_relative = it->relative;
          break;
        }
    } else if (relative_count > 0) {
      cc.overall = sum_relative / static_cast<double>(relative_count);
    } else if (absolute_count > 0) {  // recorded near zero throughout: the mean absolute error
      cc.overall = sum_absolute / static_cast<double>(absolute_count);
      cc.overall_relative = false;
    }
    out.counters.push_back(std::move(cc));
  }
  return out;
}

namespace {

std::string number(std::optional<double> v, std::string_view empty) {
  return v && std::isfinite(*v) ? format_g(*v) : std::string(empty);
}

// The markdown's cells: rounded for reading, never in scientific notation (csv/json keep format_g).
std::string readable(std::optional<double> v, std::string_view empty) {
  return v && std::isfinite(*v) ? format_readable(*v, 6) : std::string(empty);
}

std::string error_text(std::optional<double> error, bool relative) {
  if (!error) return "n/a";
  return relative ? format_fixed(*error * 100, 1) + "%" : format_readable(*error, 4) + " abs";
}

std::string render_md(const Comparison& c) {
  std::string out = "# " + c.scenario + " (host " + c.host + ") against " + c.capture + "\n\n";
  out += "Buckets of " + format_readable(c.bucket_s, 6) + " s from the start; cumulative counters as growth since the "
         "first sample; error relative to the recorded value, absolute below the near-zero threshold.\n\n";
  out += "| counter | unit | overall error |\n|---|---|---:|\n";
  for (const CounterComparison& k : c.counters)
    out += "| " + k.name + " | " + k.unit + " | " + error_text(k.overall, k.overall_relative) +
           (!k.overall ? "" : k.cumulative ? " (at the end)" : " (mean)") + " |\n";
  for (const CounterComparison& k : c.counters) {
    out += "\n## " + k.name + " (" + k.unit + (k.cumulative ? ", since the start" : "") + ")\n\n";
    out += "| time (s) | recorded | simulated | error |\n|---:|---:|---:|---:|\n";
    for (const BucketRow& r : k.buckets)
      out += "| " + format_readable(r.time_s, 6) + " | " + readable(r.recorded, "n/a") + " | " +
             readable(r.simulated, "n/a") + " | " +
             error_text(r.error, r.relative) + " |\n";
  }
  return out;
}

std::string render_csv_text(const Comparison& c) {
  std::string out = "counter,unit,time_s,recorded,simulated,error,error_kind\n";
  for (const CounterComparison& k : c.counters) {
    for (const BucketRow& r : k.buckets)
      out += k.name + "," + k.unit + "," + format_g(r.time_s) + "," + number(r.recorded, "") + "," +
             number(r.simulated, "") + "," + number(r.error, "") + "," + (r.error ? (r.relative ? "relative" : "absolute") : "") + "\n";
    out += k.name + "," + k.unit + ",overall,,," + number(k.overall, "") + "," +
           (k.overall ? (k.overall_relative ? "relative" : "absolute") : "") + "\n";
  }
  return out;
}

std::string json_value(std::optional<double> v) { return number(v, "null"); }

std::string render_json_text(const Comparison& c) {
  std::string out = "{\n  \"scenario\": " + json_quote(c.scenario) + ",\n  \"host\": " + json_quote(c.host) +
                    ",\n  \"capture\": " + json_quote(c.capture) + ",\n  \"bucket_s\": " + format_g(c.bucket_s) +
                    ",\n  \"counters\": [";
  for (std::size_t i = 0; i < c.counters.size(); ++i) {
    const CounterComparison& k = c.counters[i];
    out += std::string(i ? "," : "") + "\n    {\n      \"name\": " + json_quote(k.name) + ",\n      \"unit\": " +
           json_quote(k.unit) + ",\n      \"cumulative\": " + (k.cumulative ? "true" : "false") +
           ",\n      \"overall_error\": " + json_value(k.overall) + ",\n      \"overall_error_kind\": " +
           json_quote(k.overall ? (k.overall_relative ? "relative" : "absolute") : "none") + ",\n      \"buckets\": [";
    for (std::size_t b = 0; b < k.buckets.size(); ++b) {
      const BucketRow& r = k.buckets[b];
      out += std::string(b ? "," : "") + "\n        {\"time_s\": " + format_g(r.time_s) + ", \"recorded\": " +
             json_value(r.recorded) + ", \"simulated\": " + json_value(r.simulated) + ", \"error\": " +
             json_value(r.error) + ", \"error_kind\": " +
             json_quote(r.error ? (r.relative ? "relative" : "absolute") : "none") + "}";
    }
    out += std::string(k.buckets.empty() ? "" : "\n      ") + "]\n    }";
  }
  out += std::string(c.counters.empty() ? "" : "\n  ") + "]\n}\n";
  return out;
}

}  // namespace

std::string render_comparison(const Comparison& comparison, Format format) {
  switch (format) {
    case Format::md: return render_md(comparison);
    case Format::json: return render_json_text(comparison);
    case Format::csv: return render_csv_text(comparison);
  }
  return {};
}

}  // namespace headroom::analysis
