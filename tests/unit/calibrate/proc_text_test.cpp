// Parsers of /proc and /sys text on fixture strings (shortened copies of this VM's files).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "sim/calibrate/calibrate.hpp"

using namespace headroom::calibrate;
namespace fs = std::filesystem;

TEST_CASE("meminfo: the kB number of the named line, only an exact key") {
  const std::string meminfo = "MemTotal:       24683548 kB\nMemFree:        21859008 kB\n"
                              "MemAvailable:   23624904 kB\nSwapTotal:             0 kB\n";
  CHECK(meminfo_kib(meminfo, "MemTotal") == 24683548u);
  CHECK(meminfo_kib(meminfo, "MemAvailable") == 23624904u);
  CHECK(meminfo_kib(meminfo, "SwapTotal") == 0u);
  CHECK_FALSE(meminfo_kib(meminfo, "Mem").has_value());
  CHECK_FALSE(meminfo_kib(meminfo, "Hugepagesize").has_value());
}

TEST_CASE("zoneinfo: min/low/high summed over zones, protection and per-cpu numbers ignored") {
  const std::string zoneinfo =
      "Node 0, zone      DMA\n  per-node stats\n      nr_inactive_anon 5\n  pages free     3840\n"
      "        boost    0\n        min      19\n        low      23\n        high     27\n"
      "        spanned  4095\n        protection: (0, 2966, 23845, 23845)\n"
      "Node 0, zone    DMA32\n  pages free     700000\n        min      3722\n        low      4652\n"
      "        high     5582\n  pagesets\n    cpu: 0\n              count: 0\n              high:  42\n"
      "Node 0, zone   Normal\n  pages free     5000000\n        min      13186\n        low      16478\n"
      "        high     19770\n";
  const ZoneWatermarks w = zoneinfo_watermarks(zoneinfo);
  CHECK(w.min_pages == 19 + 3722 + 13186);    // 16927 pages = 67708 KiB
  CHECK(w.low_pages == 23 + 4652 + 16478);    // 21153
  CHECK(w.high_pages == 27 + 5582 + 19770);   // 25379 (the per-cpu "high:  42" is not a watermark)
}

TEST_CASE("vmstat, PSI, /proc/stat steal, single numbers, /proc/swaps") {
  CHECK(vmstat_value("pgpgin 10\npswpin 123\npswpout 456\n", "pswpin") == 123u);
  CHECK(vmstat_value("pswpin 123\npswpout 456", "pswpout") == 456u);
  CHECK_FALSE(vmstat_value("pswpin 1\n", "pswp").has_value());
  const std::string pressure = "some avg10=89.72 avg60=52.21 avg300=21.36 total=15998502006\n"
                               "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
  CHECK(psi_some_avg10(pressure) == doctest::Approx(89.72));
  CHECK_FALSE(psi_some_avg10("full avg10=3.00\n").has_value());
  // user nice system idle iowait irq softirq steal guest guest_nice: total = 8 columns = 1000.
  const auto times = cpu_times("cpu  400 0 100 400 50 0 0 50 30 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n");
  REQUIRE(times.has_value());
  CHECK(times->total == 1000);
  CHECK(times->steal == 50);
  CHECK_FALSE(cpu_times("cpu0 1 2 3 4 5 6 7 8\n").has_value());
  CHECK(single_number("60\n") == 60u);
  CHECK_FALSE(single_number("always [madvise] never\n").has_value());
  const std::string swaps = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                            "/work/.headroom-calibrate-42.swap       file\t\t131068\t\t0\t\t32767\n";
  CHECK(swaps_lists(swaps, "/work/.headroom-calibrate-42.swap"));
  CHECK_FALSE(swaps_lists(swaps, "/work/.headroom-calibrate-4.swap"));
  const auto used = swap_used_kib(swaps + "/var/tmp/other/swapfile   file\t\t1048572\t\t272444\t\t-2\n");
  CHECK(used.size() == 2);
  CHECK(used.at("/work/.headroom-calibrate-42.swap") == 0);
  CHECK(used.at("/var/tmp/other/swapfile") == 272444);
}

TEST_CASE("read_ahead_kb: the disk's own queue, or a partition's parent disk's") {
  const fs::path root = fs::temp_directory_path() / ("headroom-cal-sysfs-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path disk = root / "devices/virtual/block/vda";
  fs::create_directories(disk / "queue");
  fs::create_directories(disk / "vda1");
  std::ofstream(disk / "queue/read_ahead_kb") << "8192\n";
  std::ofstream(disk / "vda1/partition") << "1\n";
  fs::create_directories(root / "dev/block");
  fs::create_directory_symlink("../../devices/virtual/block/vda", root / "dev/block/254:0");
  fs::create_directory_symlink("../../devices/virtual/block/vda/vda1", root / "dev/block/254:1");
  const std::string expected = fs::canonical(disk).string() + "/queue/read_ahead_kb";
  CHECK(read_ahead_kb_path(root.string(), 254, 0) == expected);
  CHECK(read_ahead_kb_path(root.string(), 254, 1) == expected);
  CHECK_FALSE(read_ahead_kb_path(root.string(), 0, 42).has_value());  // tmpfs, overlay: no entry
  fs::remove_all(root);
}

TEST_CASE("figures: median of the samples and half their range over it") {
  CHECK(Figure{{3, 1, 2}}.median() == 2);
  CHECK(Figure{{4, 1, 2, 3}}.median() == 2.5);
  CHECK(Figure{{90, 100, 110}}.spread_percent() == doctest::Approx(10));  // (110 - 90) / 2 / 100
  CHECK(Figure{{5}}.spread_percent() == 0);
  CHECK(Figure{}.median() == 0);
}
