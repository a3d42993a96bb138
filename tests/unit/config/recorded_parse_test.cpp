// kind: recorded: what the parser makes of a series and its keys (models/workloads/recorded/
// parse.cpp); the bad values and bad series are in tests/malformed/mem_*.yaml.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "models/workloads/recorded/spec.hpp"
#include "sim/config/error.hpp"
#include "sim/config/scenario_loader.hpp"

using namespace headroom::config;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t KiB = 1024, GiB = 1ULL << 30;

fs::path temp_dir() {
  const fs::path dir = fs::temp_directory_path() / ("headroom-recorded-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

// A scenario of one recorded workload `db` with `keys` over the series `series_text`.
Scenario load_recorded(const std::string& name, const std::string& series_text, const std::string& keys,
                       const std::string& duration = "10min") {
  const fs::path dir = temp_dir();
  std::ofstream(dir / (name + ".series"), std::ios::binary) << series_text;
  const fs::path path = dir / (name + ".yaml");
  std::ofstream(path) << "name: r\nduration: " << duration << "\nhosts: [ddr5-2x48]\nworkloads:\n"
                      << "  - name: db\n    kind: recorded\n    series: " << name << ".series\n" << keys;
  return load_scenario(path.string(), std::string(HEADROOM_SOURCE_DIR) + "/models/catalog");
}

const RecordedSpec& recorded(const Scenario& s) {
  const auto* spec = dynamic_cast<const RecordedSpec*>(s.workloads.at(0).get());
  REQUIRE(spec != nullptr);
  return *spec;
}

}  // namespace

TEST_CASE("recorded: the shipped scenario's series becomes 60 steps of 10 s inside the 10 min horizon") {
  const Scenario s = load_scenario(std::string(HEADROOM_SOURCE_DIR) + "/scenarios/recorded-server.yaml",
                                   std::string(HEADROOM_SOURCE_DIR) + "/models/catalog");
  const RecordedSpec& r = recorded(s);
  CHECK(r.format == "csv");
  CHECK(r.series_samples == 61);  // 0 .. 600 s; the sample at 600 s is the horizon, never replayed
  REQUIRE(r.steps.size() == 60);
  CHECK(r.steps[0].anon_bytes == 24 * GiB);
  CHECK(r.steps[0].file_bytes == 8 * GiB);
  CHECK(r.steps[1].at_s == 10.0);
  CHECK(r.steps[32].anon_bytes == 40 * GiB);  // 24 GiB + 32 x 0.5 GiB at 320 s
  CHECK(r.peak_anon_bytes == 40 * GiB);
  CHECK(r.peak_file_bytes == 8 * GiB + 8 * GiB * 59 / 60);  // 590 s, the last step before the horizon
  CHECK(r.hold_period_s == 10.0);
  CHECK_FALSE(r.file_mapped);  // a capture CSV's file is page cache
  REQUIRE(r.files.size() == 1);
  CHECK(r.files[0].name == "recorded:db");
  CHECK(r.access == RecordedAccess::resident);
  CHECK(r.at_end == RecordedEnd::hold);
}

TEST_CASE("recorded: time_scale multiplies the series' times, bytes and rss stand in for anon") {
  const Scenario s = load_recorded("scaled", "time,bytes\n0,4096\n10,8192\n30,4096\n", "    time_scale: 0.5\n");
  const RecordedSpec& r = recorded(s);
  REQUIRE(r.steps.size() == 3);
  CHECK(r.steps[1].at_s == 5.0);
  CHECK(r.steps[2].at_s == 15.0);
  CHECK(r.steps[1].anon_bytes == 8192);
  CHECK(r.steps[1].file_bytes == 0);
  CHECK(r.files.empty());  // no file memory: no private file
  CHECK(r.hold_period_s == 7.5);
}

TEST_CASE("recorded: a /proc/PID/status series maps its file memory (RssFile counts mapped pages)") {
  const Scenario s = load_recorded("status", "# time 100\nVmRSS:\t 12 kB\nRssAnon:\t 4 kB\nRssFile:\t 8 kB\n",
                                   "    access: growth\n    at_end: exit\n");
  const RecordedSpec& r = recorded(s);
  CHECK(r.format == "proc-status");
  CHECK(r.file_mapped);
  CHECK(r.steps[0].anon_bytes == 4 * KiB);
  CHECK(r.steps[0].file_bytes == 8 * KiB);
  CHECK(r.access == RecordedAccess::growth);
  CHECK(r.at_end == RecordedEnd::exit);
}

TEST_CASE("recorded: on_bad_row skip counts the bad rows and keeps the first message") {
  const Scenario s = load_recorded("skip", "time,anon\n0,1\n5,x\n10,2\n", "    on_bad_row: skip\n");
  const RecordedSpec& r = recorded(s);
  CHECK(r.steps.size() == 2);
  CHECK(r.skipped_rows == 1);
  CHECK(r.first_skipped.find("skip.series:3:3: error: expected anon as a whole number of bytes") != std::string::npos);
}

TEST_CASE("recorded: a format named in the scenario overrides detection") {
  // A cgroup v1 memory.stat read as v2 lacks anon and file: the error points into the series.
  try {
    load_recorded("named", "# time 0\ncache 4096\nrss 4096\n", "    format: cgroup-v2\n");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.line() == 1);
    CHECK(std::string(e.what()).find("named.series:1:1: error: expected anon and file in the cgroup v2 memory.stat "
                                     "snapshot after '0', found none among its 2 lines") != std::string::npos);
  }
}

TEST_CASE("recorded: file memory is mapped for a process's series, page cache for a cgroup's, or as file_memory says") {
  const std::string rows = "time,rss,anon,file\n0,3072,1024,2048\n1,3072,1024,2048\n";
  // `headroom capture --pid` writes "source=pid ..." on its first line: RssFile is mapped file pages.
  CHECK(recorded(load_recorded("pid", "# headroom capture: source=pid 42 (db), interval=1s\n" + rows, "")).file_mapped);
  CHECK_FALSE(recorded(load_recorded("cg", "# headroom capture: source=cgroup /sys/fs/cgroup/db, interval=1s\n" + rows, ""))
                  .file_mapped);
  CHECK_FALSE(recorded(load_recorded("plain", rows, "")).file_mapped);
  CHECK(recorded(load_recorded("forced", rows, "    file_memory: mapped\n")).file_mapped);
  CHECK_FALSE(recorded(load_recorded("unforced", "# headroom capture: source=pid 42 (db), interval=1s\n" + rows,
                                     "    file_memory: cache\n"))
                  .file_mapped);
}
