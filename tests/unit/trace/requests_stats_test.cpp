// `trace stats` figures and the transforms on generated traces whose answers are known in closed form.
#include <doctest/doctest.h>

#include <CLI/CLI.hpp>

#include <sstream>

#include "sim/trace/requests/stats.hpp"
#include "sim/trace/requests/transform.hpp"
#include "tests/unit/trace/requests_helpers.hpp"

using namespace headroom::reqtrace;
using namespace headroom::reqtrace::test;

namespace {

// n rows, one every `gap_ms`, row i (0-based) with input i + 1 + offset and output 2 (i + 1); a
// Splitwise-style CSV (times in seconds).
std::string generated(std::uint64_t n, std::uint64_t gap_ms, std::uint64_t input_offset = 0) {
  std::string t = "arrived_at,num_prefill_tokens,num_decode_tokens\n";
  for (std::uint64_t i = 0; i < n; ++i)
    t += std::to_string(i * gap_ms / 1000) + "." + std::to_string(1000 + i * gap_ms % 1000).substr(1) + "," +
         std::to_string(i + 1 + input_offset) + "," + std::to_string(2 * (i + 1)) + "\n";
  return t;
}

TraceStats stats_of(const std::string& path, const Options& o = {}, const Transform& t = {}) {
  const auto reader = is_identity(t) ? open_requests(path, o) : open_transformed(path, o, t);
  return compute_stats(*reader, path);
}

}  // namespace

TEST_CASE("stats: nearest-rank percentiles of 1..n are ceil(p n / 100), arrivals per minute") {
  const auto path = write_file("gen.csv", generated(1000, 600));  // one row every 0.6 s: 100 per minute
  const TraceStats s = stats_of(path);
  CHECK(s.counts.rows == 1000);
  CHECK(s.span_s == doctest::Approx(999 * 0.6).epsilon(1e-12));
  CHECK(s.input.percentile(50) == 500);
  CHECK(s.input.percentile(90) == 900);
  CHECK(s.input.percentile(99) == 990);
  CHECK(s.input.max() == 1000);
  CHECK(s.input.mean() == 500.5);
  CHECK(s.output.percentile(50) == 1000);
  CHECK(s.output.max() == 2000);
  REQUIRE(s.arrivals.bucket_s() == 60);
  REQUIRE(s.arrivals.counts().size() == 10);
  for (auto c : s.arrivals.counts()) CHECK(c == 100);
}

TEST_CASE("stats: token values past 2^16 go through the sparse counts, exactly") {
  const auto path = write_file("big.csv", generated(101, 1000, 100000));  // inputs 100001..100101
  const TraceStats s = stats_of(path);
  CHECK(s.input.percentile(50) == 100051);  // rank ceil(50.5) = 51
  CHECK(s.input.percentile(99) == 100100);  // rank ceil(99.99) = 100
  CHECK(s.input.max() == 100101);
  TokenHistogram h;
  CHECK(h.percentile(50) == 0);  // empty
  h.add(7);
  CHECK(h.percentile(1) == 7);
  CHECK(h.percentile(100) == 7);
}

TEST_CASE("stats: buckets grow to hours and days with the span, failed rows excluded from percentiles") {
  ArrivalBuckets hours;
  for (int i = 0; i < 48; ++i) hours.add(std::int64_t{i} * 3600 * 1000000000 + 5);
  hours.finish(47 * 3600.0);
  CHECK(hours.bucket_s() == 3600);
  CHECK(hours.counts() == std::vector<std::uint64_t>(48, 1));
  ArrivalBuckets years;  // 100 years of one row a day: coarsened as it grows, never above 20160 buckets
  for (std::int64_t d = 0; d < 36500; ++d) years.add(d * 86400 * 1000000000);
  years.finish(36499 * 86400.0);
  CHECK(years.bucket_s() == 365 * 86400);
  CHECK(years.counts().size() == 100);
  CHECK(years.counts()[0] == 365);
  const auto burst = write_file("fail.csv", "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
                                            "0,a,10,0,10,x\n1,a,20,5,25,x\n2,a,30,6,36,x\n");
  const TraceStats s = stats_of(burst);
  CHECK(s.counts.rows == 3);
  CHECK(s.counts.failed == 1);
  CHECK(s.input.count() == 2);
  CHECK(s.input.percentile(50) == 20);
}

TEST_CASE("transform: window, time_scale, max_requests") {
  const auto path = write_file("win.csv", generated(100, 1000));  // rows at 0, 1, ..., 99 s
  Transform t;
  t.window = Window{10, 20};
  t.time_scale = 0.5;
  const auto reader = open_transformed(path, {}, t);
  Record r;
  std::vector<std::int64_t> times;
  while (reader->next(r)) times.push_back(r.time_ns);
  REQUIRE(times.size() == 10);  // 10 .. 19 s
  CHECK(times.front() == 0);
  CHECK(times.back() == 4500000000);  // (19 - 10) s x 0.5
  CHECK(reader->counts().rows == 10);
  Transform cap;
  cap.max_requests = 7;
  CHECK(stats_of(path, {}, cap).counts.rows == 7);
}

TEST_CASE("transform: a rate rescale gives exactly the asked mean rate") {
  const auto path = write_file("rate.csv", generated(101, 250));  // 4/s over 25 s
  Transform t;
  t.rate_per_s = 2.0;
  const TraceStats s = stats_of(path, {}, t);
  CHECK(s.counts.rows == 101);
  CHECK(s.span_s == doctest::Approx(50.0).epsilon(1e-12));  // 100 gaps at 2/s
  const auto one = write_file("one.csv", generated(1, 250));
  CHECK_THROWS_AS(stats_of(one, {}, t), TraceError);
}

TEST_CASE("transform: sampling is seeded, reproducible and keeps about p of the rows") {
  const auto path = write_file("sample.csv", generated(20000, 10));
  Transform t;
  t.sample = 0.25;
  t.seed = 42;
  const auto a = stats_of(path, {}, t).counts.rows;
  CHECK(a == stats_of(path, {}, t).counts.rows);
  // Binomial(20000, 0.25): mean 5000, sd 61; 6 sd either side.
  CHECK(a > 4634);
  CHECK(a < 5366);
  t.seed = 43;
  CHECK(stats_of(path, {}, t).counts.rows != a);
  t.sample = 0.0;
  CHECK_THROWS_AS(open_transformed(path, {}, t), std::invalid_argument);
}

TEST_CASE("stats: json and csv reports hold the same figures") {
  const auto path = write_file("rep.csv", generated(10, 1000));
  std::vector<TraceStats> all{stats_of(path)};
  const std::string json = format_stats(all, StatsFormat::json);
  CHECK(json.find("\"rows\": 10,") != std::string::npos);
  CHECK(json.find("\"p50\": 5,") != std::string::npos);
  CHECK(json.find("\"span_s\": 9.0,") != std::string::npos);
  const std::string csv = format_stats(all, StatsFormat::csv);
  CHECK(csv.find(path + ",vidur,input_tokens_p90,9\n") != std::string::npos);
  CHECK(csv.find(path + ",vidur,mean_rate_per_s,1\n") != std::string::npos);
  const std::string md = format_stats(all, StatsFormat::md);
  CHECK(md.find("| input | 5 | 9 | 10 | 10 | 5.5 |") != std::string::npos);
}

TEST_CASE("stats: a trace from 1678 to 2261 has its span without a wrapped difference") {
  // Epoch ns -9.2e18 .. 9.2e18: the difference needs 65 bits.
  const auto path = write_file("wide.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n1678-01-01 00:00:00,1,1\n"
                                           "2261-12-31 00:00:00,2,2\n");
  const TraceStats s = stats_of(path);
  CHECK(s.counts.rows == 2);
  // 213,300 days (Python: date(2261,12,31) - date(1678,1,1)).
  CHECK(s.span_s == doctest::Approx(213300.0 * 86400).epsilon(1e-12));
  CHECK(s.arrivals.bucket_s() == 365 * 86400);
  CHECK(s.arrivals.counts().size() == 585);  // the last row is 584.4 years of 365 days in
  CHECK(s.arrivals.counts().front() == 1);
  CHECK(s.arrivals.counts().back() == 1);
}
