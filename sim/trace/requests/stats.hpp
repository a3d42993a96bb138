// `headroom trace stats`: what a request trace holds, computed in one streaming pass in bounded
// memory: rows, failed rows, bad rows by reason, span, arrival rate over time, and exact token
// percentiles (a count per distinct token value: at most 2^16 counters + one per larger value).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/trace/requests/request_trace.hpp"

namespace headroom::reqtrace {

// Exact distribution of token counts in bounded memory.
class TokenHistogram {
 public:
  void add(std::uint32_t tokens);
  std::uint64_t count() const { return count_; }
  // Nearest rank: the smallest value v with at least ceil(p/100 * n) values <= v (p in 1..100); 0 when empty.
  std::uint32_t percentile(unsigned p) const;
  std::uint32_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  std::uint64_t sum() const { return sum_; }

 private:
  static constexpr std::size_t kSmall = 65536;
  std::vector<std::uint64_t> small_ = std::vector<std::uint64_t>(kSmall, 0);
  std::map<std::uint32_t, std::uint64_t> large_;
  std::uint64_t count_ = 0, sum_ = 0;  // sum < 2^32 * 2^32: fits
  std::uint32_t max_ = 0;
};

// Requests per time bucket since the first row; the bucket grows (1 min, 1 h, 1 day, 365 days)
// so that at most kMaxBuckets are held whatever the span.
class ArrivalBuckets {
 public:
  static constexpr std::size_t kMaxBuckets = 20160;  // two weeks of minutes
  void add(std::int64_t offset_ns);
  void add_seconds(std::uint64_t offset_s);  // the same from whole seconds (spans past 2^63 ns)
  // Coarsened for display: minutes up to 3 h of span, hours up to 14 days, days up to 366 days, else years.
  void finish(double span_s);
  std::int64_t bucket_s() const { return bucket_s_; }
  const std::vector<std::uint64_t>& counts() const { return counts_; }

 private:
  void coarsen_to(std::int64_t bucket_s);
  std::int64_t bucket_s_ = 60;
  std::vector<std::uint64_t> counts_;
};

struct TraceStats {
  std::string path, format;
  Counts counts;                   // rows (failed included), failed, skipped by reason
  bool has_date_time = false;      // first/last are calendar times (else the trace's own clock)
  std::int64_t first_ns = 0, last_ns = 0;
  trace::DateTime first_date_time{}, last_date_time{};
  double span_s = 0;
  TokenHistogram input, output;    // over served rows (failed rows excluded)
  ArrivalBuckets arrivals;
};

// Reads `reader` to the end (it must yield rows in time order: Order::reject or Order::sort).
TraceStats compute_stats(Reader& reader, const std::string& path);

enum class StatsFormat { md, csv, json };
std::string format_stats(const std::vector<TraceStats>& traces, StatsFormat format);

}  // namespace headroom::reqtrace
