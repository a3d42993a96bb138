// The calibrate output loads through a scenario's host_files: and gives the figures it states.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "sim/calibrate/calibrate.hpp"
#include "sim/config/error.hpp"
#include "sim/config/scenario_loader.hpp"

using namespace headroom::calibrate;
namespace fs = std::filesystem;

namespace {

Measurements fixed(bool with_swap) {
  Measurements m;
  m.date = "2026-12-02";
  m.repeat = 3;
  m.dir = "/work";
  m.file_bytes = 256u << 20;
  m.ram_bytes = 24683548ull * 1024;
  m.page_bytes = 4096;
  m.os_reserve_bytes = 1058644ull * 1024;
  m.swap_bytes = 0;
  m.readahead_bytes = 8192ull * 1024;
  m.watermarks = {16927, 21153, 25379};
  m.swappiness = 60;
  m.page_cluster = 3;
  m.min_free_kbytes = 67584;
  m.watermark_scale_factor = 10;
  m.transparent_hugepage = "always [madvise] never";
  m.seq_read_direct_Bps = {{600e6, 633e6, 650e6}};
  m.seq_read_buffered_Bps = {{240e6, 250e6, 260e6}};
  m.rand_read_latency_s = {{250e-6, 252e-6, 260e-6}};
  m.rand_read_iops = {{3900, 3968, 4000}};
  m.write_Bps = {{380e6, 384e6, 390e6}};
  m.mem_bw_Bps = {{7e9, 7.0338e9, 7.1e9}};
  m.cpu_flops = {{3.2e9, 3.29e9, 3.3e9}};
  m.minor_fault_s = {{400e-6, 455e-6, 460e-6}};
  m.minor_fault_per_page_s = {{2.5e-6, 2.6e-6, 2.7e-6}};
  m.major_fault_s = {{400e-6, 425e-6, 430e-6}};
  m.zero_fill_s = {{30e-6, 33.065e-6, 36e-6}};
  if (with_swap) {
    m.swap_page_cost_s = Figure{{20e-6, 22.726e-6, 25e-6}};
    m.swap_raw_per_page_s = Figure{{50e-6, 52e-6, 54e-6}};
    m.swap_pages_moved = Figure{{150000, 151000, 152000}};
    m.swap_limit_bytes = 64u << 20;
    m.swap_array_bytes = 96u << 20;
  }
  m.cpu_pressure_max_percent = 93.8;
  m.duration_s = 30;
  return m;
}

// Writes the host file and a scenario naming it; returns the scenario's path.
fs::path write_case(const std::string& host_text, const std::string& tag) {
  const fs::path dir = fs::temp_directory_path() / ("headroom-cal-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "vm.yaml") << host_text;
  std::ofstream(dir / "s.yaml") << "name: t\nduration: 1min\nhost_files: [vm.yaml]\n"
                                   "hosts: [this-vm, {use: this-vm, name: small, ram: 2GiB, os_reserve: 256MiB}]\n"
                                   "workloads:\n  - {name: p, kind: process, anon: 1GiB, access: {pattern: sequential},"
                                   " steps_per_s: 1/s, bytes_per_step: 64MiB}\n";
  return dir / "s.yaml";
}

}  // namespace

TEST_CASE("calibrate output: every model field, sourced, loads with the figures it states") {
  const std::string text = host_yaml(fixed(true), "this-vm");
  CHECK(text.find("source:") != std::string::npos);
  const fs::path scenario_path = write_case(text, "full");
  const auto scenario = headroom::config::load_scenario(scenario_path.string());
  REQUIRE(scenario.hosts.size() == 2);
  const auto& h = scenario.hosts[0];
  CHECK(h.name == "this-vm");
  CHECK(h.ram_bytes == 24683548ull * 1024);
  CHECK(h.page_bytes == 4096);
  CHECK(h.os_reserve_bytes == 1058644ull * 1024);
  CHECK(h.swap_bytes == 0);
  CHECK(h.mem_bw_spec_Bps == doctest::Approx(7033.8e6));  // "7033.8MB/s": one decimal of MB/s
  CHECK(h.mem_bw_effective_Bps == doctest::Approx(7033.8e6));
  CHECK(h.cpu_flops == doctest::Approx(3.29e9));
  CHECK(h.ssd_read_Bps == doctest::Approx(250e6));  // the buffered median (the readahead path)
  CHECK(h.ssd_write_Bps == doctest::Approx(384e6));
  CHECK(h.ssd_latency_s == doctest::Approx(252e-6));
  CHECK(h.readahead_bytes == 8192u * 1024);
  CHECK(h.swap_page_cost_s == doctest::Approx(22.726e-6));
  CHECK(h.zero_fill_cost_s == doctest::Approx(33.065e-6));
  CHECK(scenario.hosts[1].ram_bytes == 2ull << 30);  // `use:` with an override works as for the catalog
  CHECK(scenario.hosts[1].zero_fill_cost_s == doctest::Approx(33.065e-6));
  fs::remove_all(scenario_path.parent_path());
}

TEST_CASE("calibrate output: the spread and repetitions are stated, measured: holds the rest") {
  const std::string text = host_yaml(fixed(true), "this-vm");
  // ssd_latency: samples 250, 252, 260 us: median 252, spread (260 - 250) / 2 / 252 = 1.98%.
  CHECK(text.find("      ssd_latency: \"measured by headroom calibrate on 2026-12-02 (median of 3, spread +-2.0%)") !=
        std::string::npos);
  CHECK(text.find("    ssd_latency: 252.000us\n") != std::string::npos);
  CHECK(text.find("      watermark_high: \"99.1367187") == std::string::npos);  // sizes are exact units
  CHECK(text.find("      watermark_high: \"101516KiB\"") != std::string::npos);  // 25379 pages x 4 KiB
  CHECK(text.find("      swap_time_per_page_moved: \"52.000us") != std::string::npos);
  CHECK(text.find("      cpu_pressure_some_avg10_max: \"93.8%\"") != std::string::npos);
}

TEST_CASE("calibrate output without --swap: no swap_page_cost (the engine's default applies)") {
  const std::string text = host_yaml(fixed(false), "this-vm");
  CHECK(text.find("swap_page_cost") == std::string::npos);
  const fs::path scenario_path = write_case(text, "noswap");
  const auto scenario = headroom::config::load_scenario(scenario_path.string());
  CHECK(scenario.hosts[0].swap_page_cost_s == doctest::Approx(7e-6));
  fs::remove_all(scenario_path.parent_path());
}
