#include "sim/trace/requests/stats.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

namespace headroom::reqtrace {

// --- TokenHistogram -------------------------------------------------------------------------------

void TokenHistogram::add(std::uint32_t tokens) {
  if (tokens < kSmall) ++small_[tokens];
  else ++large_[tokens];
  ++count_;
  sum_ += tokens;
  max_ = std::max(max_, tokens);
}

std::uint32_t TokenHistogram::percentile(unsigned p) const {
  if (count_ == 0) return 0;
  // rank = ceil(p * n / 100), without overflow for any n below 2^64.
  const std::uint64_t rank = count_ / 100 * p + (count_ % 100 * p + 99) / 100;
  std::uint64_t seen = 0;
  for (std::size_t v = 0; v < kSmall; ++v)
    if ((seen += small_[v]) >= rank) return static_cast<std::uint32_t>(v);
  for (const auto& [v, n] : large_)
    if ((seen += n) >= rank) return v;
  return max_;
}

// --- ArrivalBuckets -------------------------------------------------------------------------------

namespace {
// Each size divides the next, so coarsening merges whole buckets.
constexpr std::int64_t kBucketSizes_s[] = {60, 3600, 86400, 365 * 86400};
}

void ArrivalBuckets::coarsen_to(std::int64_t bucket_s) {
  const auto k = static_cast<std::size_t>(bucket_s / bucket_s_);
  std::vector<std::uint64_t> merged((counts_.size() + k - 1) / k, 0);
  for (std::size_t i = 0; i < counts_.size(); ++i) merged[i / k] += counts_[i];
  counts_ = std::move(merged);
  bucket_s_ = bucket_s;
}

void ArrivalBuckets::add(std::int64_t offset_ns) { add_seconds(static_cast<std::uint64_t>(std::max<std::int64_t>(offset_ns, 0) / 1000000000)); }

void ArrivalBuckets::add_seconds(std::uint64_t offset_s) {
  const auto index = [&] { return static_cast<std::size_t>(offset_s / static_cast<std::uint64_t>(bucket_s_)); };
  while (index() >= kMaxBuckets && bucket_s_ < kBucketSizes_s[3])
    coarsen_to(*std::upper_bound(std::begin(kBucketSizes_s), std::end(kBucketSizes_s), bucket_s_));
  const std::size_t i = index();  // at most 585 yearly buckets: epoch ns span 1677..2262
  if (i >= counts_.size()) counts_.resize(i + 1, 0);
  ++counts_[i];
}

void ArrivalBuckets::finish(double span_s) {
  const std::int64_t want = span_s <= 3 * 3600 ? 60 : span_s <= 14 * 86400 ? 3600 : span_s <= 366 * 86400 ? 86400 : 365 * 86400;
  if (want > bucket_s_) coarsen_to(want);
}

// --- compute ----------------------------------------------------------------------------------------

namespace {
// `later - earlier` in whole seconds (epoch ns 1677..2262 differ by up to 2^64: 128 bits).
std::uint64_t offset_s(std::int64_t earlier, std::int64_t later) {
  const __int128 d = static_cast<__int128>(later) - earlier;
  return d <= 0 ? 0 : static_cast<std::uint64_t>(d / 1000000000);
}
}  // namespace

TraceStats compute_stats(Reader& reader, const std::string& path) {
  TraceStats s;
  s.path = path;
  s.format = std::string(reader.format());
  Record r;
  bool first = true;
  while (reader.next(r)) {
    if (first) {
      first = false;
      s.has_date_time = r.has_date_time;
      s.first_ns = r.time_ns;
      s.first_date_time = r.date_time;
    }
    s.last_ns = r.time_ns;
    s.last_date_time = r.date_time;
    s.arrivals.add_seconds(offset_s(s.first_ns, r.time_ns));
    if (!r.failed) {
      s.input.add(r.input_tokens);
      s.output.add(r.output_tokens);
    }
  }
  s.counts = reader.counts();
  // Two epoch times can be 584 years apart (1677..2262): their difference in 128 bits.
  s.span_s = static_cast<double>(static_cast<__int128>(s.last_ns) - s.first_ns) * 1e-9;
  s.arrivals.finish(s.span_s);
  return s;
}

// --- output -------------------------------------------------------------------------------------------

namespace {

// "2023-11-16 18:15:46.680590000" (UTC), or "12.5 s" on the trace's own clock.
std::string time_text(const TraceStats& s, std::int64_t ns, const trace::DateTime& dt) {
  if (!s.has_date_time) return fmt::format("{} s", static_cast<double>(ns) * 1e-9);
  using namespace std::chrono;
  const sys_days day = floor<days>(dt.seconds);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{dt.seconds - day};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:09}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count(), dt.nanoseconds);
}

double mean_rate(const TraceStats& s) {
  return s.span_s > 0 ? static_cast<double>(s.counts.rows - 1) / s.span_s : 0.0;
}

std::string bucket_name(std::int64_t bucket_s) {
  switch (bucket_s) {
    case 60: return "minute";
    case 3600: return "hour";
    case 86400: return "day";
    default: return "365 days";
  }
}

void md_one(std::string& out, const TraceStats& s) {
  out += fmt::format("## {} ({})\n\n", s.path, s.format);
  out += "| figure | value |\n|---|---|\n";
  out += fmt::format("| rows | {} |\n| failed rows | {} |\n| bad rows skipped | {} |\n", s.counts.rows,
                     s.counts.failed, s.counts.skipped);
  if (s.counts.rows) {
    out += fmt::format("| first arrival | {} |\n| last arrival | {} |\n", time_text(s, s.first_ns, s.first_date_time),
                       time_text(s, s.last_ns, s.last_date_time));
    out += fmt::format("| span | {:.3f} s |\n| mean rate | {:.4f} /s |\n", s.span_s, mean_rate(s));
  }
  out += "\n| tokens (served rows) | p50 | p90 | p99 | max | mean |\n|---|---|---|---|---|---|\n";
  for (const auto& [name, h] : {std::pair{"input", &s.input}, {"output", &s.output}})
    out += fmt::format("| {} | {} | {} | {} | {} | {:.1f} |\n", name, h->percentile(50), h->percentile(90),
                       h->percentile(99), h->max(), h->mean());
  if (!s.counts.skipped_by_reason.empty()) {
    out += "\n| bad rows by reason | rows |\n|---|---|\n";
    for (const auto& [reason, n] : s.counts.skipped_by_reason) out += fmt::format("| {} | {} |\n", reason, n);
    out += fmt::format("\nfirst bad row: {}\n", s.counts.first_skipped);
  }
  const auto& counts = s.arrivals.counts();
  const std::int64_t b = s.arrivals.bucket_s();
  out += fmt::format("\n| arrivals per {} (from the first row) | requests | rate /s |\n|---|---|---|\n", bucket_name(b));
  for (std::size_t i = 0; i < counts.size(); ++i)
    out += fmt::format("| {} s | {} | {:.4f} |\n", static_cast<std::int64_t>(i) * b, counts[i],
                       static_cast<double>(counts[i]) / static_cast<double>(b));
}

std::string md(const std::vector<TraceStats>& traces) {
  std::string out = "# Request traces\n";
  for (const auto& s : traces) {
    out += "\n";
    md_one(out, s);
  }
  return out;
}

// RFC 4180: a field with a comma, quote or line end goes in quotes, quotes doubled.
std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv(const std::vector<TraceStats>& traces) {
  std::string out = "file,format,figure,value\n";
  for (const auto& s : traces) {
    const auto row = [&](const std::string& figure, const std::string& value) {
      out += csv_field(s.path) + "," + s.format + "," + csv_field(figure) + "," + csv_field(value) + "\n";
    };
    row("rows", std::to_string(s.counts.rows));
    row("failed_rows", std::to_string(s.counts.failed));
    row("skipped_rows", std::to_string(s.counts.skipped));
    for (const auto& [reason, n] : s.counts.skipped_by_reason) row("skipped:" + reason, std::to_string(n));
    row("span_s", fmt::format("{}", s.span_s));
    row("mean_rate_per_s", fmt::format("{}", mean_rate(s)));
    for (const auto& [name, h] : {std::pair{"input", &s.input}, {"output", &s.output}}) {
      for (unsigned p : {50u, 90u, 99u}) row(fmt::format("{}_tokens_p{}", name, p), std::to_string(h->percentile(p)));
      row(fmt::format("{}_tokens_max", name), std::to_string(h->max()));
      row(fmt::format("{}_tokens_mean", name), fmt::format("{}", h->mean()));
    }
    const std::int64_t b = s.arrivals.bucket_s();
    for (std::size_t i = 0; i < s.arrivals.counts().size(); ++i)
      row(fmt::format("arrivals_from_{}s_per_{}s", static_cast<std::int64_t>(i) * b, b),
          std::to_string(s.arrivals.counts()[i]));
  }
  return out;
}

std::string json(const std::vector<TraceStats>& traces) {
  using nlohmann::ordered_json;
  ordered_json all = ordered_json::array();
  for (const auto& s : traces) {
    ordered_json j;
    j["file"] = s.path;
    j["format"] = s.format;
    j["rows"] = s.counts.rows;
    j["failed_rows"] = s.counts.failed;
    j["skipped_rows"] = s.counts.skipped;
    j["skipped_by_reason"] = ordered_json::object();
    for (const auto& [reason, n] : s.counts.skipped_by_reason) j["skipped_by_reason"][reason] = n;
    if (s.counts.skipped) j["first_skipped"] = s.counts.first_skipped;
    if (s.counts.rows) {
      j["first_arrival"] = time_text(s, s.first_ns, s.first_date_time);
      j["last_arrival"] = time_text(s, s.last_ns, s.last_date_time);
    }
    j["span_s"] = s.span_s;
    j["mean_rate_per_s"] = mean_rate(s);
    for (const auto& [name, h] : {std::pair{"input_tokens", &s.input}, {"output_tokens", &s.output}})
      j[name] = {{"p50", h->percentile(50)}, {"p90", h->percentile(90)}, {"p99", h->percentile(99)},
                 {"max", h->max()}, {"mean", h->mean()}};
    ordered_json buckets = ordered_json::array();
    for (std::size_t i = 0; i < s.arrivals.counts().size(); ++i) buckets.push_back(s.arrivals.counts()[i]);
    j["arrivals"] = {{"bucket_s", s.arrivals.bucket_s()}, {"requests", buckets}};
    all.push_back(j);
  }
  return ordered_json{{"traces", all}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string format_stats(const std::vector<TraceStats>& traces, StatsFormat format) {
  switch (format) {
    case StatsFormat::csv: return csv(traces);
    case StatsFormat::json: return json(traces);
    case StatsFormat::md: break;
  }
  return md(traces);
}

}  // namespace headroom::reqtrace
