#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

#include "analysis/report.hpp"
#include "analysis/result_json.hpp"
#include "analysis/summary.hpp"
#include "fixtures.hpp"

using namespace headroom::analysis;
using headroom::analysis::testing::small_host;

namespace {

ScenarioResult two_hosts() {
  ScenarioResult r;
  r.scenario = "unit";
  r.description = "two hand-made hosts";
  r.scenario_path = "scenarios/unit.yaml";
  r.seed = 7;
  r.duration_s = 10;
  r.start_order = {"chat"};
  r.hosts = {small_host("h96", 96), small_host("h128", 128)};
  r.hosts[0].memory.oom_kills = 1;
  testing::llm(r.hosts[0].workloads[0]).requests[1].failed = true;
  testing::llm(r.hosts[0].workloads[0]).requests[1].failure = "oom-killed";
  testing::llm(r.hosts[0].workloads[0]).requests[1].generated_tokens = 0;  // killed before its first token
  testing::llm(r.hosts[0].workloads[0]).requests[1].first_token_s = -1;
  testing::llm(r.hosts[0].workloads[0]).requests[1].finish_s = -1;
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t count_char(const std::string& s, char c) { return std::count(s.begin(), s.end(), c); }

}  // namespace

TEST_CASE("json carries the required keys with model values") {
  const auto json = nlohmann::json::parse(render_json(two_hosts()));
  CHECK(json["percentile_method"] == "nearest-rank");
  CHECK(json["description"] == "two hand-made hosts");
  CHECK(json["start_order"] == nlohmann::json::array({"chat"}));
  REQUIRE(json["hosts"].size() == 2);
  const auto& h = json["hosts"][1];
  CHECK(h["name"] == "h128");
  CHECK(h["ram_bytes"] == 128ull << 30);
  CHECK(h["verdict"] == "fits");
  CHECK(json["hosts"][0]["verdict"] == "oom");
  for (const char* key : {"major_faults", "swap_in_bytes", "swap_out_bytes", "oom_kills"}) {
    CHECK_MESSAGE(h["memory"].contains(key), key);
  }
  CHECK(json["hosts"][0]["memory"]["oom_kills"] == 1);
  const auto& w = h["workloads"][0];
  CHECK(w["name"] == "chat");
  CHECK(w["kind"] == "llm-server");
  CHECK(w["status"] == "running");
  CHECK(w["cause"] == "none");
  CHECK(w["start_s"] == 0);
  CHECK(w["end_s"].is_null());
  CHECK(w["device"] == "cpu");
  CHECK(w["weights_bytes"] == 10ull << 30);
  CHECK(w["service"]["completed"] == 2);
  CHECK(w["service"]["keeps_up"] == true);
  CHECK(h["service"] == "keeps-up");
  CHECK(w["metrics"]["tokens_per_s"] == 1.2);  // 12 tokens / 10 s
  CHECK(w["metrics"]["ttft_s"]["p50"] == 1);   // TTFTs {1, 2}
  CHECK(w["metrics"]["ttft_s"]["p99"] == 2);
  CHECK(json["hosts"][0]["workloads"][0]["metrics"]["failure_reasons"]["oom-killed"] == 1);
}

TEST_CASE("json: TTFT percentiles are null when no request produced a token") {
  ScenarioResult r = two_hosts();
  for (auto& req : testing::llm(r.hosts[0].workloads[0]).requests) req.first_token_s = -1;
  const auto json = nlohmann::json::parse(render_json(r));
  CHECK(json["hosts"][0]["workloads"][0]["metrics"]["ttft_s"]["p50"].is_null());
  CHECK(json["hosts"][0]["workloads"][0]["metrics"]["ttft_s"]["p99"].is_null());
  CHECK(json["hosts"][0]["workloads"][0]["metrics"]["ttft_s"]["count"] == 0);
}

TEST_CASE("json numbers use %.9g and rendering is byte-stable, also through the child transport") {
  ScenarioResult r = two_hosts();
  r.hosts[1].horizon_s = 30;
  testing::llm(r.hosts[1].workloads[0]).requests[0].generated_tokens = 10;  // 17 tokens / 30 s = 0.5666...
  const std::string first = render_json(r);
  CHECK(first.find("\"tokens_per_s\": 0.566666667") != std::string::npos);
  CHECK(render_json(r) == first);
  ScenarioResult moved = r;
  for (auto& h : moved.hosts) h = host_result_from_json(host_result_to_json(summarised(h)));
  CHECK(render_json(moved) == first);
  CHECK(render_markdown(moved) == render_markdown(r));
  CHECK(render_csv(moved) == render_csv(r));
}

TEST_CASE("child transport rejects malformed results") {
  CHECK_THROWS_AS(host_result_from_json("{\"name\": 3}"), std::runtime_error);
  CHECK_THROWS_AS(host_result_from_json("not json"), std::runtime_error);
}

TEST_CASE("markdown: metrics as rows, hosts as columns, ratio and difference, one value per cell") {
  const std::string md = render_markdown(two_hosts());
  const auto lines = lines_of(md);
  std::vector<std::string> table;
  for (const auto& l : lines) {
    if (!l.empty() && l[0] == '|') table.push_back(l);
  }
  REQUIRE(table.size() > 10);
  CHECK(md.rfind("## unit\n\ntwo hand-made hosts\n\n", 0) == 0);
  CHECK(table[0] == "| metric | h96 | h128 | ratio h128 / h96 | difference h128 - h96 |");
  CHECK(table[1] == "|---|---:|---:|---:|---:|");
  for (std::size_t i = 0; i < table.size(); ++i) {
    const std::string& row = table[i];
    CHECK_MESSAGE(count_char(row, '|') - count_char(row, '\\') == 6, row);
    if (i > 0) CHECK_MESSAGE(row.find(" / ") == std::string::npos, row);  // no packed "a / b" cell or label
    CHECK_MESSAGE(row.find("e+") == std::string::npos, row);   // never scientific notation
  }
  CHECK(md.find("| RAM (GiB) | 96 | 128 | 1.333 | +32 |") != std::string::npos);
  CHECK(md.find("\nStart order: chat.\n") != std::string::npos);
  CHECK(md.find("| memory verdict | **oom** | **fits** |  |  |") != std::string::npos);
  CHECK(md.find("| service | **keeps-up** | **keeps-up** |  |  |") != std::string::npos);
  CHECK(md.find("| chat (llm-server): status | running | running |  |  |") != std::string::npos);
  CHECK(md.find("| chat: start (s) | 0 | 0 | n/a | 0 |") != std::string::npos);
  CHECK(md.find("| chat: end (s) | n/a | n/a |  |  |") != std::string::npos);
  CHECK(md.find("| chat: tokens/s | 0.5 | 1.2 | 2.4 | +0.7 |") != std::string::npos);
  CHECK(md.find("| OOM kills (count) | 1 | 0 | 0 | -1 |") != std::string::npos);
  CHECK(md.find("- **h96**: memory oom, service keeps-up. Memory: 1 OOM kill(s); chat: 1 request(s) failed: oom-killed. Service: chat keeps up: completed 1 of 2 requests") != std::string::npos);
  CHECK(md.find("- **h128**: memory fits, service keeps-up. Memory: ") != std::string::npos);
  CHECK(md.find("\nEvery host keeps up with its workloads.\n") != std::string::npos);
}

TEST_CASE("csv: long format, one row per host x workload x metric") {
  const std::string csv = render_csv(two_hosts());
  const auto lines = lines_of(csv);
  REQUIRE(lines.size() > 2);
  CHECK(lines[0] == "host,workload,metric,unit,value");
  std::size_t h96_rows = 0, h128_rows = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto& l = lines[i];
    if (l.find('"') == std::string::npos) CHECK_MESSAGE(count_char(l, ',') == 4, l);
    if (l.rfind("h96,", 0) == 0) ++h96_rows;
    if (l.rfind("h128,", 0) == 0) ++h128_rows;
  }
  CHECK(h96_rows == h128_rows + 1);  // h96 has one failure-reason row more
  CHECK(csv.find("\nh128,chat,metrics.tokens_per_s,tokens/s,1.2\n") != std::string::npos);
  CHECK(csv.find("\nh128,chat,metrics.ttft_s.p50,s,1\n") != std::string::npos);
  CHECK(csv.find("\nh128,chat,status,,running\n") != std::string::npos);
  CHECK(csv.find("\nh128,chat,service.keeps_up,,true\n") != std::string::npos);
  CHECK(csv.find("\nh128,,memory.oom_kills,kills,0\n") != std::string::npos);
  CHECK(csv.find("\nh96,,verdict,,oom\n") != std::string::npos);
}

TEST_CASE("groups: md rows only when the scenario has groups, json and csv with every limit") {
  ScenarioResult r = two_hosts();
  const std::string plain = render_markdown(r);
  CHECK(plain.find("group") == std::string::npos);  // a scenario without groups keeps its layout
  CHECK(nlohmann::json::parse(render_json(r)).at("hosts").at(0).at("groups") == nlohmann::json::array());
  for (HostResult& h : r.hosts) {
    GroupResult g;
    g.name = "db";
    g.max_bytes = 2 * testing::kGiB;
    g.usage_bytes = testing::kGiB;
    g.peak_usage_bytes = 2 * testing::kGiB;
    g.refault_file_bytes = 3 * testing::kGiB;
    g.events_max = 9;
    g.high_throttle_s = 1.5;
    h.groups.push_back(g);
    h.workloads[0].group = "db";
  }
  r.hosts[1].groups[0].events_max = 4;
  const std::string md = render_markdown(r);
  CHECK(md.find("| group db: memory.max (GiB) | 2 | 2 | 1 | 0 |") != std::string::npos);
  CHECK(md.find("| group db: memory.high (GiB) | max | max |  |  |") != std::string::npos);
  CHECK(md.find("| group db: memory.swap.max (GiB) | max | max |  |  |") != std::string::npos);
  CHECK(md.find("| group db: usage now (GiB) | 1 | 1 | 1 | 0 |") != std::string::npos);
  CHECK(md.find("| group db: usage peak (GiB) | 2 | 2 | 1 | 0 |") != std::string::npos);
  CHECK(md.find("| group db: refaults file (GiB) | 3 | 3 | 1 | 0 |") != std::string::npos);
  CHECK(md.find("| group db: refaults anonymous (GiB) | 0 | 0 | n/a | 0 |") != std::string::npos);
  CHECK(md.find("| group db: events max (count) | 9 | 4 | 0.4444 | -5 |") != std::string::npos);
  CHECK(md.find("| group db: events oom_kill (count) | 0 | 0 | n/a | 0 |") != std::string::npos);
  CHECK(md.find("| group db: memory.high throttle (s) | 1.5 | 1.5 | 1 | 0 |") != std::string::npos);
  // chat (in db) stalls 1 s of the 10 s horizon, busy the whole time.
  CHECK(md.find("| group db: memory stall some (% of horizon) | 10 | 10 | 1 | 0 |") != std::string::npos);
  CHECK(md.find("| group db: memory stall full (% of horizon) | 10 | 10 | 1 | 0 |") != std::string::npos);
  CHECK(md.find("| re-read after eviction (refaults) (GiB) | 0 | 0 | n/a | 0 |") != std::string::npos);
  const std::string csv = render_csv(r);
  CHECK(csv.find("\nh128,,groups.db.limits.max_bytes,bytes,2147483648\n") != std::string::npos);
  CHECK(csv.find("\nh128,,groups.db.limits.high_bytes,bytes,\n") != std::string::npos);
  CHECK(csv.find("\nh128,,groups.db.events.max,events,4\n") != std::string::npos);
  CHECK(csv.find("\nh128,,groups.db.refault_bytes,bytes,3221225472\n") != std::string::npos);
  CHECK(csv.find("\nh128,,groups.db.stall_some_s,s,1\n") != std::string::npos);
  const auto g = nlohmann::json::parse(render_json(r)).at("hosts").at(1).at("groups").at(0);
  CHECK(g.at("limits").at("max_bytes") == 2147483648ull);
  CHECK(g.at("limits").at("high_bytes").is_null());
  CHECK(g.at("events").at("max") == 4);
}

TEST_CASE("format names parse, unknown ones do not") {
  CHECK(parse_format("md") == Format::md);
  CHECK(parse_format("json") == Format::json);
  CHECK(parse_format("csv") == Format::csv);
  CHECK_FALSE(parse_format("xml").has_value());
}
