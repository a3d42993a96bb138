#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/capture/capture.hpp"

namespace fs = std::filesystem;
using namespace headroom::capture;

namespace {

// A fixture tree standing for /proc and a cgroup directory, removed at the end.
struct Tree {
  fs::path root = fs::temp_directory_path() / ("hr-capture-test-" + std::to_string(::getpid()));
  Tree() { fs::create_directories(root); }
  ~Tree() { fs::remove_all(root); }
  void put(const std::string& relative, const std::string& text) const {
    fs::create_directories((root / relative).parent_path());
    std::ofstream(root / relative) << text;
  }
};

const char* kVmstat = "nr_free_pages 100\npgmajfault 77\npswpin 5\npswpout 9\n";
const char* kPressure = "some avg10=0.00 avg60=0.00 avg300=0.00 total=1234\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=567\n";

}  // namespace

TEST_CASE("status lines: kB become bytes, absent or malformed keys are nullopt") {
  const std::string status = "Name:\tpython3\nVmRSS:\t  1024 kB\nRssAnon:\t 512 kB\nThreads:\t4\nVmSwap:\tx kB\n";
  CHECK(status_bytes(status, "VmRSS") == 1024u * 1024u);
  CHECK(status_bytes(status, "RssAnon") == 512u * 1024u);
  CHECK(status_bytes(status, "Threads") == 4u);      // no unit: the number as it is
  CHECK_FALSE(status_bytes(status, "VmSwap"));       // not a number
  CHECK_FALSE(status_bytes(status, "RssFile"));      // absent
  CHECK_FALSE(status_bytes(status, "VmRS"));         // a prefix of a key is not the key
  CHECK_FALSE(status_bytes("VmRSS: 18014398509481984 kB\n", "VmRSS"));  // 2^54 kB = 2^64 bytes: no wrap
}

TEST_CASE("key value lines: vmstat and memory.stat") {
  CHECK(key_value(kVmstat, "pgmajfault") == 77u);
  CHECK(key_value(kVmstat, "pswpout") == 9u);
  CHECK_FALSE(key_value(kVmstat, "pswp"));
  CHECK(key_value("total_rss 10\nrss 3\n", "rss") == 3u);
  CHECK_FALSE(key_value("anon -3\n", "anon"));
}

TEST_CASE("stat fields count after the command name, whatever it holds") {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt ... starttime = 22
  const std::string stat = "42 (a) b) (c) S 1 42 42 0 -1 4194304 100 0 7 0 1 2 0 0 20 0 1 0 9876 1000 50\n";
  CHECK(stat_field(stat, 12) == 7u);
  CHECK(stat_field(stat, 22) == 9876u);
  CHECK_FALSE(stat_field(stat, 60));
  CHECK_FALSE(stat_field("no parenthesis", 12));
}

TEST_CASE("PSI totals in microseconds") {
  CHECK(psi_total_us(kPressure, "some") == 1234u);
  CHECK(psi_total_us(kPressure, "full") == 567u);
  CHECK_FALSE(psi_total_us("some avg10=0.00\n", "some"));
}

TEST_CASE("CSV rows: microsecond time, blanks where the source has no figure") {
  Reading r;
  r.rss_bytes = 10;
  r.pgmajfault = 3;
  r.psi_full_us = 0;
  CHECK(csv_row(1.5, r) == "1.500000,10,,,,3,,,,0\n");
  CHECK(csv_row(0, Reading{}) == "0.000000,,,,,,,,,\n");
}

TEST_CASE("pid source on a fixture /proc: figures, and the end of the process") {
  Tree t;
  t.put("vmstat", kVmstat);
  t.put("pressure/memory", kPressure);
  t.put("42/status", "Name:\tx\nVmRSS:\t300 kB\nRssAnon:\t100 kB\nRssFile:\t200 kB\nVmSwap:\t0 kB\n");
  t.put("42/stat", "42 (x) S 1 42 42 0 -1 0 100 0 7 0 1 2 0 0 20 0 1 0 9876 1000 50\n");
  Options o;
  o.kind = SourceKind::pid;
  o.pid = 42;
  o.proc_root = t.root.string();
  auto source = open_source(o);
  CHECK(source->describe() == "pid 42 (x)");
  const auto r = source->read();
  REQUIRE(r);
  CHECK(csv_row(0, *r) == "0.000000,307200,102400,204800,0,7,5,9,1234,567\n");
  SUBCASE("a zombie has ended") {
    t.put("42/stat", "42 (x) Z 1 42 42 0 -1 0 100 0 7 0 1 2 0 0 20 0 1 0 9876 1000 50\n");
    CHECK_FALSE(source->read());
  }
  SUBCASE("a reused pid (another start time) has ended") {
    t.put("42/stat", "42 (y) S 1 42 42 0 -1 0 100 0 7 0 1 2 0 0 20 0 1 0 9999 1000 50\n");
    CHECK_FALSE(source->read());
  }
  SUBCASE("a removed /proc/PID has ended") {
    fs::remove_all(t.root / "42");
    CHECK_FALSE(source->read());
    CHECK(source->ended() == "process 42 exited");
  }
  SUBCASE("without PSI the columns stay blank") {
    fs::remove(t.root / "pressure/memory");
    auto no_psi = open_source(o);
    CHECK(csv_row(0, *no_psi->read()) == "0.000000,307200,102400,204800,0,7,5,9,,\n");
    CHECK(no_psi->notes().find("psi not available") != std::string::npos);
  }
}

TEST_CASE("pid source refusals") {
  Tree t;
  t.put("vmstat", kVmstat);
  Options o;
  o.kind = SourceKind::pid;
  o.pid = 43;
  o.proc_root = t.root.string();
  CHECK_THROWS_WITH_AS(open_source(o), ("no process with pid 43 (cannot read " + t.root.string() +
                                        "/43/status: No such file or directory)").c_str(), CaptureError);
  t.put("43/status", "Name:\tkthreadd\n");
  t.put("43/stat", "43 (kthreadd) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n");
  CHECK_THROWS_WITH_AS(open_source(o), ("process 43 (kthreadd) has no user memory (VmRSS missing from " +
                                        t.root.string() + "/43/status: a kernel thread?)").c_str(), CaptureError);
}

TEST_CASE("cgroup v2 source: memory.current, memory.stat, memory.swap.current, memory.pressure") {
  Tree t;
  t.put("proc/vmstat", kVmstat);
  t.put("cg/memory.current", "4096000\n");
  t.put("cg/memory.stat", "anon 1000\nfile 2000\npgmajfault 11\npswpin 1\npswpout 2\n");
  t.put("cg/memory.swap.current", "8192\n");
  t.put("cg/memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=10\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=4\n");
  Options o;
  o.kind = SourceKind::cgroup;
  o.cgroup = (t.root / "cg").string() + "/";
  o.proc_root = (t.root / "proc").string();
  auto source = open_source(o);
  CHECK(source->describe() == "cgroup v2 " + (t.root / "cg").string());
  CHECK(csv_row(0, *source->read()) == "0.000000,4096000,1000,2000,8192,11,1,2,10,4\n");
  fs::remove_all(t.root / "cg");
  CHECK_FALSE(source->read());  // rmdir'd
}

TEST_CASE("cgroup v1 source: total_* of memory.stat, host-wide swap counters and PSI") {
  Tree t;
  t.put("proc/vmstat", kVmstat);
  t.put("proc/pressure/memory", kPressure);
  t.put("cg/memory.usage_in_bytes", "5000\n");
  t.put("cg/memory.stat", "cache 1\nrss 2\npgmajfault 3\ntotal_cache 10\ntotal_rss 20\ntotal_swap 30\ntotal_pgmajfault 40\n");
  Options o;
  o.kind = SourceKind::cgroup;
  o.cgroup = (t.root / "cg").string();
  o.proc_root = (t.root / "proc").string();
  auto source = open_source(o);
  CHECK(csv_row(0, *source->read()) == "0.000000,5000,20,10,30,40,5,9,1234,567\n");
  CHECK(source->notes().find("host-wide: pswpin pswpout from " + o.proc_root + "/vmstat, psi from ") != std::string::npos);
}

TEST_CASE("cgroup refusals: missing, a file, not a memory cgroup") {
  Tree t;
  t.put("proc/vmstat", kVmstat);
  t.put("file", "x");
  Options o;
  o.kind = SourceKind::cgroup;
  o.proc_root = (t.root / "proc").string();
  o.cgroup = (t.root / "none").string();
  CHECK_THROWS_WITH_AS(open_source(o), ("cannot open cgroup directory " + o.cgroup + ": No such file or directory").c_str(),
                       CaptureError);
  o.cgroup = (t.root / "file").string();
  CHECK_THROWS_WITH_AS(open_source(o), (o.cgroup + " is not a directory (expected a cgroup directory)").c_str(), CaptureError);
  o.cgroup = (t.root / "proc").string();
  CHECK_THROWS_AS(open_source(o), CaptureError);
}

TEST_CASE("system source: meminfo and vmstat") {
  Tree t;
  t.put("vmstat", kVmstat);
  t.put("meminfo", "MemTotal: 100 kB\nCached: 3 kB\nSwapTotal: 10 kB\nSwapFree: 4 kB\nAnonPages: 2 kB\n");
  Options o;
  o.proc_root = t.root.string();
  auto source = open_source(o);
  CHECK(csv_row(0, *source->read()) == "0.000000,,2048,3072,6144,77,5,9,,\n");
}

TEST_CASE("a capture of a fixture source for a duration: header, rows at each interval, no .tmp left") {
  Tree t;
  t.put("vmstat", kVmstat);
  t.put("meminfo", "Cached: 3 kB\nSwapTotal: 10 kB\nSwapFree: 4 kB\nAnonPages: 2 kB\n");
  Options o;
  o.proc_root = t.root.string();
  o.interval_s = 0.02;
  o.interval_text = "20ms";
  o.duration_s = 0.1;
  o.out = (t.root / "out.csv").string();
  const Outcome outcome = run(o);
  CHECK(outcome.samples == 6);  // 0, 20, ..., 100 ms
  CHECK(outcome.stop_signal == 0);
  CHECK_FALSE(fs::exists(o.out + ".tmp"));
  std::ifstream in(o.out);
  std::string header, columns, row;
  std::getline(in, header);
  std::getline(in, columns);
  CHECK(header.rfind("# headroom capture: source=system, interval=20ms, started ", 0) == 0);
  CHECK(columns == kCsvColumns);
  double last_s = -1;
  int rows = 0;
  while (std::getline(in, row)) {
    const double t_s = std::stod(row);
    CHECK(t_s > last_s);
    CHECK(t_s >= rows * 0.02 - 1e-6);  // never before its deadline
    last_s = t_s;
    ++rows;
  }
  CHECK(rows == 6);
}
