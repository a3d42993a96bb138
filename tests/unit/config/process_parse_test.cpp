// kind: process: what the parser makes of each key (models/workloads/process/parse.cpp); the bad
// values are in tests/malformed/proc_*.yaml.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "models/workloads/process/spec.hpp"
#include "sim/config/error.hpp"
#include "sim/config/scenario_loader.hpp"

using namespace headroom::config;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t MiB = 1ULL << 20, GiB = 1ULL << 30;

Scenario load_text(const std::string& name, const std::string& workloads) {
  const fs::path dir = fs::temp_directory_path() / ("headroom-process-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / (name + ".yaml");
  std::ofstream(path) << "name: p\nduration: 10min\nseed: 3\nhosts: [m2-max-96]\nworkloads:\n" << workloads;
  return load_scenario(path.string(), std::string(HEADROOM_SOURCE_DIR) + "/models/catalog");
}

const ProcessSpec& process(const Scenario& s, std::size_t i) {
  const auto* spec = dynamic_cast<const ProcessSpec*>(s.workloads.at(i).get());
  REQUIRE(spec != nullptr);
  return *spec;
}

}  // namespace

TEST_CASE("process: footprint steps with a file, hot-cold access, pages_per_s, CPU and work") {
  const Scenario s = load_text("steps",
                               "  - name: db\n"
                               "    kind: process\n"
                               "    oom_score_adj: -100\n"
                               "    file: {path: /srv/db/table.db, size: 40GiB, use: read}\n"
                               "    footprint: [{at: 0s, anon: 4GiB, file: 10GiB}, {at: 60s, anon: 12GiB}, {at: 2min, file: 40GiB}]\n"
                               "    access: {pattern: hot-cold, hot_fraction: 10%, hot_share: 90%, write: true}\n"
                               "    steps_per_s: 50/s\n"
                               "    pages_per_s: 12500/s\n"
                               "    cpu_per_step: 2ms\n"
                               "    work: 1000\n");
  const ProcessSpec& p = process(s, 0);
  CHECK(p.kind == "process");
  CHECK(p.oom_score_adj == -100);
  REQUIRE(p.file.has_value());
  CHECK(p.file->name == "/srv/db/table.db");
  CHECK(p.file->size_bytes == 40 * GiB);
  CHECK(p.file->use == FileUse::read);
  REQUIRE(p.steps.size() == 3);
  // A step keeps what it does not give from the step before.
  CHECK(p.footprint_at(0).anon_bytes == 4 * GiB);
  CHECK(p.footprint_at(0).file_bytes == 10 * GiB);
  CHECK(p.footprint_at(90).anon_bytes == 12 * GiB);
  CHECK(p.footprint_at(90).file_bytes == 10 * GiB);
  CHECK(p.footprint_at(120).file_bytes == 40 * GiB);
  CHECK(p.peak().anon_bytes == 12 * GiB);
  CHECK(p.peak().file_bytes == 40 * GiB);
  CHECK(p.access.kind == AccessKind::hot_cold);
  CHECK(p.access.write);
  CHECK(p.access.hot_fraction == doctest::Approx(0.10));
  CHECK(p.access.hot_share == doctest::Approx(0.90));
  CHECK(p.steps_per_s == 50);
  CHECK(p.pages_per_step == 250);  // 12,500 / 50
  CHECK(p.bytes_per_step == 0);
  CHECK(p.cpu_per_step_s == doctest::Approx(2e-3));
  CHECK(p.work_steps == 1000);
}

TEST_CASE("process: a ramp (shrinking allowed), a file alone, strided access, flops") {
  const Scenario s = load_text("ramp",
                               "  - name: browser\n"
                               "    kind: process\n"
                               "    ramp: {from: 20GiB, to: 2GiB, over: 5min}\n"
                               "    access: {pattern: strided, stride: 64KiB, length: 4KiB}\n"
                               "    steps_per_s: 10/s\n"
                               "    bytes_per_step: 16MiB\n"
                               "    flops_per_step: 2e9\n"
                               "  - name: reader\n"
                               "    kind: process\n"
                               "    file: {name: corpus, size: 1.5GiB}\n"
                               "    access: {pattern: sequential}\n"
                               "    steps_per_s: 1/s\n"
                               "    bytes_per_step: 1.5GiB\n");
  const ProcessSpec& b = process(s, 0);
  REQUIRE(b.ramp.has_value());
  CHECK(b.steps.empty());
  CHECK(b.footprint_at(0).anon_bytes == 20 * GiB);
  CHECK(b.footprint_at(150).anon_bytes == 11 * GiB);  // halfway
  CHECK(b.footprint_at(300).anon_bytes == 2 * GiB);
  CHECK(b.peak().anon_bytes == 20 * GiB);
  CHECK(b.access.stride_bytes == 64 * 1024);
  CHECK(b.access.length_bytes == 4096);
  CHECK(b.bytes_per_step == 16 * MiB);
  CHECK(b.flops_per_step == 2e9);
  CHECK(b.work_steps == 0);
  const ProcessSpec& r = process(s, 1);
  REQUIRE(r.file.has_value());
  CHECK(r.file->use == FileUse::mmap);  // the default
  REQUIRE(r.steps.size() == 1);         // a constant footprint: the whole file from the start
  CHECK(r.footprint_at(0).file_bytes == 3 * GiB / 2);
  CHECK(r.footprint_at(0).anon_bytes == 0);
}

TEST_CASE("process: the per-step cap on sampled pages is exact (65536 pass, 65537 do not)") {
  const std::string head = "  - name: u\n    kind: process\n    anon: 1GiB\n    access: {pattern: uniform}\n"
                           "    steps_per_s: 1/s\n";
  CHECK(process(load_text("cap", head + "    pages_per_s: 65536/s\n"), 0).pages_per_step == 65536);
  CHECK(process(load_text("cap1", head + "    bytes_per_step: 64MiB\n"), 0).bytes_per_step == 64 * MiB);
  CHECK_THROWS_AS(load_text("over", head + "    pages_per_s: 65537/s\n"), ConfigError);
  CHECK_THROWS_AS(load_text("over1", head + "    bytes_per_step: 67108865B\n"), ConfigError);
}

TEST_CASE("process: the example in sim/config/README.md loads") {
  std::ifstream readme(std::string(HEADROOM_SOURCE_DIR) + "/sim/config/README.md");
  std::stringstream text;
  text << readme.rdbuf();
  const std::string doc = text.str();
  const auto start = doc.find("```yaml\n", doc.find("#### kind: process"));
  REQUIRE(start != std::string::npos);
  const auto end = doc.find("```", start + 8);
  const auto scenario = load_text("readme", doc.substr(start + 8, end - start - 8));  // outlives p
  const ProcessSpec& p = process(scenario, 0);
  CHECK(p.name == "db");
  CHECK(p.peak().anon_bytes == 12 * GiB);
  CHECK(p.pages_per_step == 250);
  CHECK(p.work_steps == 1000);
}
