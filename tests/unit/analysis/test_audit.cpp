// analysis::audit_finding and the audit table: the fixed rules of `headroom audit` on closed-form
// outcomes (each finding, the 5% boundary from both sides), the figure look-up in a result JSON,
// and the three formats.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "analysis/audit.hpp"

using namespace headroom::analysis;

namespace {

// A workload that ran and kept up on a host that fits, with `figure`.
AuditOutcome ran(std::optional<double> figure, std::string verdict = "fits") {
  AuditOutcome o;
  o.verdict = std::move(verdict);
  o.service = "keeps-up";
  o.workload = "w";
  o.status = "running";
  o.figure = figure;
  return o;
}

AuditOutcome failed_to_start() {
  AuditOutcome o = ran(std::nullopt, "oom");
  o.service = "falls-behind";
  o.status = "failed-to-start";
  o.ran = false;
  o.keeps_up = false;
  return o;
}

AuditOutcome behind(std::optional<double> figure, std::string verdict = "fits") {
  AuditOutcome o = ran(figure, std::move(verdict));
  o.service = "falls-behind";
  o.keeps_up = false;
  return o;
}

std::string finding(const AuditOutcome& gb96, const AuditOutcome& gb128, bool higher = true) {
  return to_string(audit_finding(gb96, gb128, higher));
}

}  // namespace

TEST_CASE("audit: enables when 96 GB fails or falls behind and 128 GB fits and keeps up") {
  CHECK(finding(failed_to_start(), ran(10.0)) == "enables");
  CHECK(finding(failed_to_start(), ran(10.0, "pressured")) == "enables");
  CHECK(finding(behind(5.0, "thrashing"), ran(10.0)) == "enables");
  // Enables wins over the figures, even when 96 GB's figure is the better one.
  CHECK(finding(behind(50.0), ran(10.0)) == "enables");
  CHECK(audit_finding(failed_to_start(), ran(10.0), true).kind == FindingKind::enables);
}

TEST_CASE("audit: no enables when the 128 GB host thrashes, is oom or falls behind too") {
  CHECK(finding(failed_to_start(), ran(10.0, "thrashing")) == "runs only on 128 GB");
  CHECK(finding(failed_to_start(), behind(10.0)) == "runs only on 128 GB");
  CHECK(finding(behind(5.0), behind(10.0)) == "helps by 2x");
  CHECK(finding(behind(10.0), behind(10.0)) == "no difference");
}

TEST_CASE("audit: helps by X when 128 GB is better by 5% or more, exactly 5% included") {
  CHECK(finding(ran(100.0), ran(105.0)) == "helps by 1.05x");
  CHECK(audit_finding(ran(100.0), ran(105.0), true).ratio == doctest::Approx(1.05));
  CHECK(finding(ran(2.0), ran(2.1)) == "helps by 1.05x");  // 2.1 / 2 is 1.05 only up to rounding
  CHECK(finding(ran(100.0), ran(132.0)) == "helps by 1.32x");
  // Lower is better: the 128 GB figure is the smaller one.
  CHECK(finding(ran(105.0), ran(100.0), false) == "helps by 1.05x");
  CHECK(finding(ran(86.0752878), ran(10.344694), false) == "helps by 8.32x");
}

TEST_CASE("audit: no difference within 5% either way") {
  CHECK(finding(ran(100.0), ran(104.99)) == "no difference");
  CHECK(finding(ran(104.99), ran(100.0)) == "no difference");
  CHECK(finding(ran(100.0), ran(104.99), false) == "no difference");
  CHECK(finding(ran(100.0), ran(100.0)) == "no difference");
  CHECK(finding(ran(0.0), ran(0.0)) == "no difference");
  CHECK(audit_finding(ran(100.0), ran(104.99), true).ratio == 1);
}

TEST_CASE("audit: 96 GB better by X when 96 GB is better by 5% or more") {
  CHECK(finding(ran(105.0), ran(100.0)) == "96 GB better by 1.05x");
  CHECK(finding(ran(100.0), ran(105.0), false) == "96 GB better by 1.05x");
  CHECK(finding(ran(5.34416468), ran(6.9038869), false) == "96 GB better by 1.29x");
  const Finding f = audit_finding(ran(1905.15726), ran(1510.27017), true);
  CHECK(f.kind == FindingKind::better_96);
  CHECK(f.ratio == doctest::Approx(1905.15726 / 1510.27017));
}

TEST_CASE("audit: a zero against a non-zero figure is an unbounded ratio") {
  const Finding helps = audit_finding(ran(0.0), ran(3.0), true);
  CHECK(helps.kind == FindingKind::helps);
  CHECK(std::isinf(helps.ratio));
  CHECK(to_string(helps) == "helps (against 0)");
  CHECK(finding(ran(3.0), ran(0.0), false) == "helps (against 0)");
  CHECK(finding(ran(3.0), ran(0.0), true) == "96 GB better (against 0)");
}

TEST_CASE("audit: runs only on one host, or fails on both, when a figure is missing") {
  CHECK(finding(ran(1.0), failed_to_start()) == "runs only on 96 GB");
  CHECK(finding(failed_to_start(), failed_to_start()) == "fails on both");
  AuditOutcome killed = ran(7.0);
  killed.ran = false;  // a figure of a workload that did not run does not count
  CHECK(finding(killed, behind(1.0)) == "runs only on 128 GB");
}

namespace {

nlohmann::json host_json(const std::string& verdict, const std::string& service) {
  return nlohmann::json::parse(R"({"name": "h", "verdict": ")" + verdict + R"(", "service": ")" + service + R"(",
    "memory": {"stall_some_s": 12.5},
    "workloads": [
      {"name": "chat", "status": "running", "service": {"keeps_up": true},
       "metrics": {"tokens_per_s": 4.5, "ttft_s": {"p50": 2.25, "p99": null}, "failure_reasons": {}}},
      {"name": "train", "status": "failed-to-start", "service": {"keeps_up": false},
       "metrics": {"steps_done": 0, "tokens_per_s": 0}}]})");
}

}  // namespace

TEST_CASE("audit: look_up_figure reads a workload's metric by its dotted path") {
  const FigureLookup found = look_up_figure(host_json("fits", "keeps-up"), "chat", "ttft_s.p50");
  CHECK(found.metric_found);
  REQUIRE(found.outcome.figure);
  CHECK(*found.outcome.figure == 2.25);
  CHECK(found.outcome.ran);
  CHECK(found.outcome.keeps_up);
  CHECK(found.outcome.status == "running");
  CHECK(found.outcome.verdict == "fits");
  // null: the metric exists, without a value.
  const FigureLookup null_value = look_up_figure(host_json("fits", "keeps-up"), "chat", "ttft_s.p99");
  CHECK(null_value.metric_found);
  CHECK_FALSE(null_value.outcome.figure);
}

TEST_CASE("audit: a missing metric is reported with the metrics there are") {
  const FigureLookup found = look_up_figure(host_json("fits", "keeps-up"), "chat", "ttft_s.p42");
  CHECK_FALSE(found.metric_found);
  CHECK(found.metrics == std::vector<std::string>{"tokens_per_s", "ttft_s.p50", "ttft_s.p99"});
  CHECK_FALSE(look_up_figure(host_json("fits", "keeps-up"), "chat", "tokens_per_s.x").metric_found);
  CHECK_FALSE(look_up_figure(host_json("fits", "keeps-up"), "chat", "ttft_s").metric_found);  // an object
}

TEST_CASE("audit: a workload that did not run has no figure, whatever its result holds") {
  const FigureLookup found = look_up_figure(host_json("oom", "falls-behind"), "train", "tokens_per_s");
  CHECK(found.metric_found);
  CHECK_FALSE(found.outcome.figure);
  CHECK_FALSE(found.outcome.ran);
  CHECK(found.outcome.status == "failed-to-start");
}

TEST_CASE("audit: a host figure keeps up unless the host is oom or falls behind") {
  const FigureLookup thrashing = look_up_figure(host_json("thrashing", "keeps-up"), "", "memory.stall_some_s");
  CHECK(thrashing.outcome.keeps_up);
  CHECK(thrashing.outcome.ran);
  REQUIRE(thrashing.outcome.figure);
  CHECK(*thrashing.outcome.figure == 12.5);
  CHECK_FALSE(look_up_figure(host_json("oom", "keeps-up"), "", "memory.stall_some_s").outcome.keeps_up);
  CHECK_FALSE(look_up_figure(host_json("fits", "falls-behind"), "", "memory.stall_some_s").outcome.keeps_up);
  CHECK(audit_finding(look_up_figure(host_json("oom", "keeps-up"), "", "memory.stall_some_s").outcome,
                      look_up_figure(host_json("fits", "keeps-up"), "", "memory.stall_some_s").outcome, false)
            .kind == FindingKind::enables);
}

namespace {

AuditRow row() {
  AuditRow r;
  r.claim_id = "corpus";
  r.claim = "corpora, in RAM";
  r.case_name = "90 GiB | loaded";
  r.scenario_path = "scenarios/claims/corpus-in-ram.yaml";
  r.host_96 = "ddr5-2x48";
  r.host_128 = "ddr5-4x32";
  r.workload = "load-90g";
  r.metric = "mb_per_s";
  r.unit = "MB/s";
  r.gb96 = ran(344.922537, "thrashing");
  r.gb128 = ran(638.004424, "pressured");
  r.finding = audit_finding(r.gb96, r.gb128, true);
  return r;
}

}  // namespace

TEST_CASE("audit: the md table, one row per case, rules in the footnote") {
  AuditRow asked = row();
  asked.capacity_asked = true;
  asked.capacity_128_per_min = 12345.6;
  const std::string md = render_audit({row(), asked}, "claims.yaml", "md");
  CHECK(md.find("| corpora, in RAM | 90 GiB \\| loaded | `scenarios/claims/corpus-in-ram.yaml` | ddr5-2x48 / "
                "ddr5-4x32 | thrashing, keeps-up | pressured, keeps-up | `load-90g` mb_per_s (MB/s; higher is "
                "better) | 344.9 | 638 | **helps by 1.85x** | - | - |\n") != std::string::npos);
  CHECK(md.find("| **helps by 1.85x** | n/a | 12,346 |\n") != std::string::npos);
  CHECK(md.find("exactly 5% counts as a difference") != std::string::npos);
  CHECK(md == render_audit({row(), asked}, "claims.yaml", "md"));  // deterministic
}

TEST_CASE("audit: csv and json keep full precision") {
  const std::string csv = render_audit({row()}, "claims.yaml", "csv");
  CHECK(csv.find("corpus,\"corpora, in RAM\",90 GiB | loaded,") != std::string::npos);
  CHECK(csv.find(",thrashing,keeps-up,running,344.922537,pressured,keeps-up,running,638.004424,helps by 1.85x,") !=
        std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(render_audit({row()}, "claims.yaml", "json"));
  CHECK(j["threshold"] == 0.05);
  CHECK(j["rows"][0]["96GB"]["value"] == 344.922537);
  CHECK(j["rows"][0]["finding"] == "helps by 1.85x");
  CHECK(j["rows"][0]["ratio"].get<double>() == doctest::Approx(638.004424 / 344.922537));
  CHECK(j["rows"][0]["capacity_per_min"].is_null());
}
