// SLO evaluation (analysis/slo.hpp) on hand-made request records whose percentiles and attainment
// follow from counting.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/report.hpp"
#include "analysis/result_json.hpp"
#include "analysis/slo.hpp"
#include "analysis/summary.hpp"
#include "fixtures.hpp"

using namespace headroom;
using namespace headroom::analysis;
using headroom::analysis::testing::llm;
using headroom::analysis::testing::request;

namespace {

SloTarget target(SloMetric m, SloStat s, double limit_s) { return SloTarget{m, s, limit_s}; }

// 100 completed requests: request i (1..100) arrives at 10 i and has TTFT i x 0.1 s, so the
// nearest-rank p50 is 5 s, p90 9 s, p99 9.9 s; e2e = TTFT + 10 s.
std::vector<RequestRecord> hundred() {
  std::vector<RequestRecord> out;
  for (int i = 1; i <= 100; ++i) {
    const double a = 10.0 * i, ttft = 0.1 * i;
    out.push_back(request(a, a, a + ttft, a + ttft + 10.0, 11));  // 11 tokens: TPOT = 10 / 10 = 1 s
  }
  return out;
}

}  // namespace

TEST_CASE("slo: percentiles and attainment over completed requests (closed form)") {
  const auto reqs = hundred();
  const double horizon = 2000;
  SloTargetResult p99 = evaluate_request_target(target(SloMetric::ttft, SloStat::p99, 9.5), reqs, horizon);
  CHECK(p99.arrived == 100);
  CHECK(p99.decided == 100);
  CHECK(*p99.value_s == doctest::Approx(9.9));
  CHECK_FALSE(p99.met);
  CHECK(p99.met_requests == 95);  // TTFT 0.1 .. 9.5 s
  CHECK(*p99.attainment == doctest::Approx(0.95));

  SloTargetResult p90 = evaluate_request_target(target(SloMetric::ttft, SloStat::p90, 9.0), reqs, horizon);
  CHECK(*p90.value_s == doctest::Approx(9.0));
  CHECK(p90.met);  // 9.0 <= 9.0
  CHECK(p90.key == "ttft_p90");

  SloTargetResult mean = evaluate_request_target(target(SloMetric::e2e, SloStat::mean, 15.05), reqs, horizon);
  CHECK(*mean.value_s == doctest::Approx(15.05));  // 10 + 0.1 x 50.5
  CHECK(mean.met);

  SloTargetResult tpot = evaluate_request_target(target(SloMetric::tpot, SloStat::p50, 0.5), reqs, horizon);
  CHECK(*tpot.value_s == doctest::Approx(1.0));
  CHECK(tpot.met_requests == 0);
  CHECK_FALSE(tpot.met);

  SloTargetResult wait = evaluate_request_target(target(SloMetric::queue_wait, SloStat::p99, 0.001), reqs, horizon);
  CHECK(*wait.value_s == 0);
  CHECK(wait.met);
}

TEST_CASE("slo: a failed request is +inf, an unfinished one misses once past the limit, else is left out") {
  std::vector<RequestRecord> reqs;
  for (int i = 0; i < 8; ++i) reqs.push_back(request(i, i, i + 1.0, i + 5.0, 5));  // TTFT 1 s, e2e 5 s
  RequestRecord failed = request(20, -1, -1, -1, 0);
  failed.failed = true;
  failed.failure = "oom-killed";
  reqs.push_back(failed);
  // Waiting since t = 50 with no token at the horizon 100: TTFT at least 50 s > 2 s: missed.
  reqs.push_back(request(50, -1, -1, -1, 0));
  // Arrived at 99.5, no token yet: TTFT at least 0.5 s, under the 2 s limit: undecided.
  reqs.push_back(request(99.5, -1, -1, -1, 0));
  // A request past the horizon does not count at all.
  reqs.push_back(request(150, -1, -1, -1, 0));
  const double horizon = 100;

  SloTargetResult ttft = evaluate_request_target(target(SloMetric::ttft, SloStat::p50, 2.0), reqs, horizon);
  CHECK(ttft.arrived == 11);
  CHECK(ttft.decided == 10);  // 8 completed, the failed one, the one waiting since 50
  CHECK(ttft.met_requests == 8);
  CHECK(*ttft.attainment == doctest::Approx(0.8));
  CHECK(*ttft.value_s == doctest::Approx(1.0));  // 5th of 10 sorted values
  CHECK(ttft.met);

  SloTargetResult p90 = evaluate_request_target(target(SloMetric::ttft, SloStat::p90, 2.0), reqs, horizon);
  CHECK(std::isinf(*p90.value_s));  // 9th of 10: an infinite one
  CHECK_FALSE(p90.met);

  SloTargetResult mean = evaluate_request_target(target(SloMetric::e2e, SloStat::mean, 100.0), reqs, horizon);
  CHECK(std::isinf(*mean.value_s));  // a failed request makes the mean infinite
  CHECK_FALSE(mean.met);

  // An unfinished request with a first token has a real TTFT even at the horizon.
  std::vector<RequestRecord> decoding{request(10, 10, 11.5, -1, 3)};
  SloTargetResult one = evaluate_request_target(target(SloMetric::ttft, SloStat::p99, 2.0), decoding, horizon);
  CHECK(one.decided == 1);
  CHECK(*one.value_s == doctest::Approx(1.5));
  CHECK(one.met);
  // Its TPOT is at least (100 - 11.5) / (3 - 1) = 44.25 s/token: past a 1 s limit, missed.
  SloTargetResult tpot = evaluate_request_target(target(SloMetric::tpot, SloStat::p99, 1.0), decoding, horizon);
  CHECK(tpot.decided == 1);
  CHECK_FALSE(tpot.met);
}

TEST_CASE("slo: nothing arrived meets, nothing decided while requests arrived misses") {
  SloTargetResult none = evaluate_request_target(target(SloMetric::ttft, SloStat::p99, 1.0), {}, 10);
  CHECK(none.met);
  CHECK_FALSE(none.value_s);
  CHECK_FALSE(none.attainment);
  std::vector<RequestRecord> fresh{request(9.5, -1, -1, -1, 0)};
  SloTargetResult undecided = evaluate_request_target(target(SloMetric::ttft, SloStat::p99, 1.0), fresh, 10);
  CHECK(undecided.arrived == 1);
  CHECK(undecided.decided == 0);
  CHECK_FALSE(undecided.met);
}

TEST_CASE("slo: a deadline is met by finishing in time, missed by finishing late or not at all") {
  WorkloadResult w;
  w.slo.deadline_s = 60;
  w.status = WorkloadStatus::finished;
  w.end_s = 59;
  auto slo = evaluate_slo(w, 100);
  REQUIRE(slo);
  CHECK(slo->met);
  CHECK(*slo->targets.at(0).value_s == 59);
  w.end_s = 61;
  CHECK_FALSE(evaluate_slo(w, 100)->met);
  w.status = WorkloadStatus::running;
  w.end_s = -1;
  slo = evaluate_slo(w, 100);
  CHECK_FALSE(slo->met);
  CHECK_FALSE(slo->targets.at(0).value_s);
  CHECK(slo_missed_text(*slo) == "deadline not finished (limit 60 s)");
}

TEST_CASE("slo: a host's report gains slo fields only when a workload has targets, and they survive compare's JSON") {
  HostResult h;
  h.name = "h";
  h.ram_bytes = 1ull << 30;
  h.page_bytes = 4096;
  h.horizon_s = 2000;
  WorkloadResult w;
  w.name = "chat";
  w.kind = "llm-server";
  w.status = WorkloadStatus::running;
  w.start_s = 0;
  llm(w).requests = hundred();
  h.workloads.push_back(w);
  ScenarioResult plain;
  plain.scenario = "s";
  plain.hosts.push_back(h);
  CHECK(render_json(plain).find("\"slo\"") == std::string::npos);
  CHECK(render_markdown(plain).find("SLO") == std::string::npos);

  h.workloads[0].slo.targets = {target(SloMetric::ttft, SloStat::p99, 9.5)};
  ScenarioResult with = plain;
  with.hosts = {h};
  const std::string json = render_json(with);
  CHECK(json.find("\"slo\": \"missed\"") != std::string::npos);
  CHECK(json.find("\"slo_reason\": \"chat: ttft_p99 9.9 s > 9.5 s (attainment 95% of 100 requests)\"") !=
        std::string::npos);
  CHECK(json.find("\"attainment\": 0.95") != std::string::npos);
  const std::string md = render_markdown(with);
  CHECK(md.find("| SLO | **missed** |") != std::string::npos);
  // One value per cell (the md table since issue 11): the target's limit, value, verdict, attainment.
  CHECK(md.find("| chat: slo targets ttft p99 limit (s) | 9.5 |") != std::string::npos);
  CHECK(md.find("| chat: slo targets ttft p99 value (s) | 9.9 |") != std::string::npos);
  CHECK(md.find("| chat: slo targets ttft p99 met | no |") != std::string::npos);
  CHECK(md.find("| chat: slo targets ttft p99 attainment | 0.95 |") != std::string::npos);
  CHECK(md.find("SLO: chat: ttft_p99 9.9 s > 9.5 s (attainment 95% of 100 requests)") != std::string::npos);
  CHECK(render_csv(with).find("h,chat,slo.targets.ttft_p99.attainment,fraction,0.95") != std::string::npos);

  // Through compare's child pipe: summarised, to JSON and back, the same report.
  ScenarioResult piped = with;
  piped.hosts = {host_result_from_json(host_result_to_json(summarised(h)))};
  CHECK(render_json(piped) == json);
  CHECK(render_markdown(piped) == md);
}
