// `run --timeline`: the Chrome trace-event JSON (analysis/timeline.hpp) of a hand-made host: the
// metadata names the host and each workload's track, counters are the time series' samples, slices
// and requests are placed in simulated microseconds, each request ends as its record says, the
// cap drops whole requests and says so, and the same input gives the same bytes. Also the
// progress line of run/compare (sim/cli/sim_progress.hpp).
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "analysis/timeline.hpp"
#include "sim/cli/sim_progress.hpp"

using namespace headroom;
using namespace headroom::analysis;
using nlohmann::json;

namespace {

RequestRecord request(double arrival_s, double finish_s, bool failed = false, std::string failure = "") {
  RequestRecord r;
  r.arrival_s = arrival_s;
  r.admitted_s = failed && failure != "oom-killed" ? -1 : arrival_s + 0.5;
  r.first_token_s = finish_s >= 0 ? arrival_s + 1 : -1;
  r.finish_s = finish_s;
  r.prompt_tokens = 10;
  r.output_tokens = 5;
  r.generated_tokens = finish_s >= 0 ? 5 : 2;
  r.failed = failed;
  r.failure = std::move(failure);
  return r;
}

struct Fixture {
  ScenarioResult scenario;
  HostResult host;
  Timeline timeline;
  Fixture() {
    scenario.scenario = "s \"quoted\"";
    scenario.scenario_path = "x.yaml";
    scenario.seed = 7;
    host.name = "m3-max-128";
    host.horizon_s = 10;
    host.policy = "lru";
    host.workloads.resize(2);
    host.workloads[0].name = "chat <b>";
    host.workloads[0].kind = "llm-server";
    host.workloads[0].end_s = 8;  // killed at 8 s
    host.workloads[1].name = "train";
    host.workloads[1].kind = "trainer";
    host.timeseries_interval_s = 5;
    host.timeseries = {{0, 1, 2, 3, 4, 5, 6, 0.1, 0.2, {7, 8}, 9, 10}, {5, 11, 12, 13, 14, 15, 16, 0.3, 0.4, {17, 18}, 19, 20}};
    timeline.max_events = 1000;
    timeline.names = {"decode", "batch", "train step"};
    TimelineSlice decode{1.5, 1.75, 0, 0, {1, TimelineSlice::kNoArg}, {3, 0}};
    TimelineSlice step{2, 4.5, 1, 2, {TimelineSlice::kNoArg, TimelineSlice::kNoArg}, {0, 0}};
    timeline.slices = {decode, step};
    timeline.requests = {{0,
                          {request(1, 3),                              // finished at 3 s
                           request(2, -1, true, "context too long"),   // refused at arrival
                           request(4, -1, true, "oom-killed"),         // killed with the server at 8 s
                           request(9, -1)}}};                          // still running at the 10 s horizon
  }
};

std::map<std::string, std::vector<json>> by_phase(const json& trace) {
  std::map<std::string, std::vector<json>> out;
  for (const json& e : trace.at("traceEvents")) out[e.at("ph").get<std::string>()].push_back(e);
  return out;
}

}  // namespace

TEST_CASE("chrome trace: tracks, counters, slices and requests in simulated microseconds") {
  const Fixture f;
  const ChromeTrace trace = render_chrome_trace(f.scenario, f.host, f.timeline);
  const json doc = json::parse(trace.json);
  CHECK(doc.at("displayTimeUnit") == "ms");
  CHECK(doc.at("otherData").at("host") == "m3-max-128");
  CHECK(doc.at("otherData").at("scenario") == "s \"quoted\"");
  CHECK_FALSE(doc.at("otherData").contains("truncated"));
  auto phases = by_phase(doc);
  // process_name, process_sort_index, then thread_name + thread_sort_index per workload.
  REQUIRE(phases["M"].size() == 6);
  CHECK(phases["M"][0].at("args").at("name") == "m3-max-128");
  CHECK(phases["M"][2].at("args").at("name") == "chat <b> (llm-server)");
  CHECK(phases["M"][2].at("tid") == 1);
  CHECK(phases["M"][4].at("tid") == 2);
  // Six counter tracks per sample, valued as the samples.
  REQUIRE(phases["C"].size() == 12);
  const json& memory = phases["C"][6];
  CHECK(memory.at("name") == "memory (bytes)");
  CHECK(memory.at("ts") == 5e6);
  CHECK(memory.at("args") == json({{"anon", 11}, {"page cache", 12}, {"unevictable (wired)", 19}, {"free", 20}}));
  CHECK(phases["C"][7].at("args").at("swap") == 13);
  CHECK(phases["C"][8].at("args") == json({{"chat <b>", 17}, {"train", 18}}));
  CHECK(phases["C"][9].at("args").at("pgmajfault") == 14);
  CHECK(phases["C"][10].at("args") == json({{"pswpin", 15}, {"pswpout", 16}}));
  CHECK(phases["C"][11].at("args") == json({{"some", 0.3}, {"full", 0.4}}));
  // Slices: ts and dur in microseconds, on the workload's thread, with their args.
  REQUIRE(phases["X"].size() == 2);
  CHECK(phases["X"][0].at("name") == "decode");
  CHECK(phases["X"][0].at("ts") == 1.5e6);
  CHECK(phases["X"][0].at("dur") == 0.25e6);
  CHECK(phases["X"][0].at("tid") == 1);
  CHECK(phases["X"][0].at("args") == json({{"batch", 3}}));
  CHECK(phases["X"][1].at("tid") == 2);
  CHECK(phases["X"][1].at("args") == json::object());
  // Requests: begin at arrival; end at finish, at arrival (refused), at the server's end (killed),
  // at the horizon (unfinished); ids pair them.
  REQUIRE(phases["b"].size() == 4);
  REQUIRE(phases["e"].size() == 4);
  const double ends_us[] = {3e6, 2e6, 8e6, 10e6};
  const char* statuses[] = {"finished", "failed", "failed", "unfinished"};
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(phases["b"][i].at("id") == phases["e"][i].at("id"));
    CHECK(phases["b"][i].at("name") == "chat <b> request");
    CHECK(phases["e"][i].at("ts") == ends_us[i]);
    CHECK(phases["b"][i].at("args").at("status") == statuses[i]);
  }
  CHECK(phases["b"][0].at("args").at("ttft_s") == 1);
  CHECK(phases["b"][1].at("args").at("failure") == "context too long");
  CHECK(phases["b"][3].at("args").at("unfinished") == true);
  CHECK(trace.events == 6 + 12 + 2 + 8);
  CHECK(trace.dropped == 0);
  // Same input, same bytes.
  CHECK(render_chrome_trace(f.scenario, f.host, f.timeline).json == trace.json);
}

TEST_CASE("chrome trace: past the cap, whole requests are dropped and the file says how many") {
  Fixture f;
  f.timeline.max_events = 6 + 12 + 2 + 3;  // room for one request (2 events), not two
  f.timeline.dropped_slices = 5;
  f.timeline.first_dropped_s = 4.5;
  const ChromeTrace trace = render_chrome_trace(f.scenario, f.host, f.timeline);
  const json doc = json::parse(trace.json);
  auto phases = by_phase(doc);
  CHECK(phases["b"].size() == 1);
  CHECK(phases["e"].size() == 1);
  CHECK(trace.events == 6 + 12 + 2 + 2);
  CHECK(trace.dropped == 5 + 3 * 2);  // the slices the recorder did not keep, three requests
  const std::string note = doc.at("otherData").at("truncated").get<std::string>();
  CHECK(note.find("11 events past the cap of 23") != std::string::npos);
  CHECK(note.find("from 4.5 s") != std::string::npos);
}

TEST_CASE("progress text: simulated time against the horizon, per host when several") {
  using headroom::cli::simulated_progress_text;
  CHECK(simulated_progress_text({3.2 * 3600}, 24 * 3600, {"a"}) == "simulated 3.2 h of 1 d");  // progress.hpp's duration: 24 h is 1 d
  CHECK(simulated_progress_text({2 * 3600, 4 * 3600}, 8 * 3600, {"m2-max-96", "m3-max-128"}) ==
        "simulated 3 h of 8 h [m2-max-96 25%, m3-max-128 50%]");
  // The reporter in bar mode adds the share of the mean and the elapsed time.
  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  double now_s = 0;
  {
    headroom::cli::Progress p("run", 24 * 3600, headroom::cli::Progress::Mode::bar,
                              [](double done, double total) { return simulated_progress_text({done}, total, {"a"}); },
                              out, [&] { return now_s; });
    now_s = 1;
    p.update(3.2 * 3600);
  }
  std::rewind(out);
  char text[256] = {};
  const std::size_t n = std::fread(text, 1, sizeof text - 1, out);
  std::fclose(out);
  CHECK(std::string(text, n).find("run: simulated 3.2 h of 1 d (13%), 0:01 elapsed") != std::string::npos);
}
