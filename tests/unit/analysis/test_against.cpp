// `run --against`: recorded vs simulated, against errors computed by hand.
#include <doctest/doctest.h>

#include "analysis/against.hpp"

using namespace headroom::analysis;

namespace {

constexpr double MiB = 1024.0 * 1024.0;

TimeSample sim(double t, std::uint64_t anon_mib, std::uint64_t faults, double psi_some_s) {
  TimeSample s;
  s.time_s = t;
  s.anon_bytes = anon_mib << 20;
  s.pgmajfault = faults;
  s.psi_some_s = psi_some_s;
  s.workload_rss_bytes = {anon_mib << 20, 1 << 20};  // two workloads: rss is their sum
  return s;
}

RecordedSample rec(double t, double anon_mib, double faults, double psi_some_s) {
  RecordedSample r;
  r.time_s = t;
  r.anon_bytes = anon_mib * MiB;
  r.rss_bytes = (anon_mib + 1) * MiB;
  r.pgmajfault = faults;
  r.psi_some_s = psi_some_s;
  return r;
}

}  // namespace

TEST_CASE("against: levels relative, cumulative counters as growth, samples held, near-zero absolute") {
  HostResult h;
  h.name = "box";
  // Simulated at 0, 10, 20 s.
  h.timeseries = {sim(0, 100, 0, 0), sim(10, 200, 50, 0.5), sim(20, 300, 100, 1.0)};
  // Recorded at 0, 5, 20 s (at 10 s the 5 s sample holds), counters starting at boot values.
  const std::vector<RecordedSample> recorded = {rec(0, 100, 1000, 7.0), rec(5, 150, 1005, 7.0),
                                                rec(20, 300, 1080, 7.004)};
  const Comparison c = compare_with_recording(h, recorded, 10);
  REQUIRE(c.counters.size() == 4);  // rss, anon, pgmajfault, psi_some: the figures the capture has
  const CounterComparison& rss = c.counters[0];
  const CounterComparison& anon = c.counters[1];
  const CounterComparison& faults = c.counters[2];
  const CounterComparison& psi = c.counters[3];
  CHECK(rss.name == "rss");
  CHECK(anon.name == "anon");
  CHECK(faults.name == "pgmajfault");
  CHECK(psi.name == "psi_some");
  REQUIRE(anon.buckets.size() == 3);
  // anon at 10 s: recorded 150 MiB (the 5 s sample, held); simulated 200: +33.3%; 0 and 20 s equal,
  // so the overall (mean |error| of 3 buckets) is 1/9.
  CHECK(*anon.buckets[1].recorded == doctest::Approx(150 * MiB));
  CHECK(*anon.buckets[1].error == doctest::Approx(50.0 / 150.0));
  CHECK(*anon.buckets[2].error == doctest::Approx(0));
  CHECK(*anon.overall == doctest::Approx(50.0 / 150.0 / 3));
  // rss: simulated = both workloads (anon + 1 MiB), recorded anon + 1 MiB: equal too.
  CHECK(*rss.buckets[2].error == doctest::Approx(0));
  // pgmajfault growth: recorded at 10 s = 1005 - 1000 = 5 (held), below the 10-fault threshold:
  // absolute 50 - 5 = 45; at 20 s: 80 vs 100: +25%, the overall (the total); at 0 s: absolute 0.
  CHECK(*faults.buckets[1].recorded == doctest::Approx(5));
  CHECK(*faults.buckets[1].error == doctest::Approx(45));
  CHECK_FALSE(faults.buckets[1].relative);
  CHECK(*faults.buckets[2].error == doctest::Approx(0.25));
  CHECK(*faults.overall == doctest::Approx(0.25));
  CHECK_FALSE(faults.buckets[0].relative);
  CHECK(*faults.buckets[0].error == 0);
  // PSI some growth: recorded 4 ms by 20 s (below the 10 ms threshold): absolute, 1.0 - 0.004 s.
  CHECK_FALSE(psi.buckets[2].relative);
  CHECK(*psi.buckets[2].error == doctest::Approx(0.996));
  CHECK_FALSE(psi.overall_relative);
}

TEST_CASE("against: buckets stop at the end of the capture, csv has one row per bucket and an overall row") {
  HostResult h;
  h.timeseries = {sim(0, 100, 0, 0), sim(10, 100, 0, 0), sim(20, 100, 0, 0)};
  const std::vector<RecordedSample> recorded = {rec(0, 50, 0, 0), rec(10, 50, 0, 0)};
  Comparison c = compare_with_recording(h, recorded, 10);
  c.scenario = "s";
  c.capture = "cap.csv";
  REQUIRE(c.counters[1].buckets.size() == 2);  // 20 s is past the capture
  CHECK(*c.counters[1].overall == doctest::Approx(1.0));  // 100 vs 50 MiB: +100%
  const std::string csv = render_comparison(c, Format::csv);
  CHECK(csv.find("counter,unit,time_s,recorded,simulated,error,error_kind\n") == 0);
  CHECK(csv.find("anon,bytes,10,52428800,104857600,1,relative\n") != std::string::npos);
  CHECK(csv.find("anon,bytes,overall,,,1,relative\n") != std::string::npos);
  CHECK(render_comparison(c, Format::md).find("| anon | bytes | 100.0% (mean) |") != std::string::npos);
}

TEST_CASE("against: bucket width is the median spacing, widened to at most 20 buckets") {
  std::vector<RecordedSample> r;
  for (int i = 0; i <= 10; ++i) r.push_back(rec(i * 2.0, 1, 0, 0));
  CHECK(comparison_bucket_s(r, 100) == 2.0);   // 20 s span / 2 s = 10 buckets
  CHECK(comparison_bucket_s(r, 10) == 2.0);    // 10 s of horizon
  r.clear();
  for (int i = 0; i <= 100; ++i) r.push_back(rec(i * 1.0, 1, 0, 0));
  CHECK(comparison_bucket_s(r, 1000) == 5.0);  // 100 s / 20
}
