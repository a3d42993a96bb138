// The memory-series readers (sim/trace/memory): real snapshots taken on this project's machine
// (tests/data/memory: /proc/self/status, cgroup v1 memory.stat and /proc/vmstat of Linux 6.18,
// cgroup v2 written from the kernel's Documentation/admin-guide/cgroup-v2.rst), the CSV `headroom
// capture` writes, and every bad input with its exact one-line message.
#include <doctest/doctest.h>

#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/trace/memory/memory_series.hpp"
#include "tests/unit/trace/gzip_helper.hpp"

using namespace headroom::memtrace;

namespace {

namespace fs = std::filesystem;

std::string data(const std::string& name) { return std::string(HEADROOM_TEST_DATA) + "/memory/" + name; }

Series parse(const std::string& text, Options options = {}) { return parse_memory_series(text, "s.csv", options); }

// The message read_memory_series gives `text`.
std::string error_of(const std::string& text, Options options = {}) {
  try {
    parse(text, options);
  } catch (const SeriesError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string temp_file(const std::string& name, const std::string& bytes) {
  const auto dir = fs::temp_directory_path() / ("headroom-memtrace-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

using headroom::test::gzip;

constexpr std::uint64_t KiB = 1024;

}  // namespace

TEST_CASE("the CSV headroom capture writes: comment line, every column, blanks where the source has none") {
  const Series s = parse(
      "# headroom capture: source=pid 1234, interval=1s, started 2026-12-02T12:00:00Z\n"
      "time,rss,anon,file,swap,pgmajfault,pswpin,pswpout,psi_some_us,psi_full_us\n"
      "1764676800.250,300,100,200,0,5,,,1500000,250\n"
      "1764676801.750,400,150,250,8,9,,,2000000,\n");
  CHECK(s.format == "csv");
  REQUIRE(s.samples.size() == 2);
  const Sample& a = s.samples[0];
  const Sample& b = s.samples[1];
  CHECK(a.time_s == 0.0);
  CHECK(b.time_s == 1.5);  // exact: integer seconds and nanoseconds subtracted, then one rounding
  CHECK(a.rss_bytes == 300u);
  CHECK(a.anon_bytes == 100u);
  CHECK(a.file_bytes == 200u);
  CHECK(a.swap_bytes == 0u);
  CHECK(a.pgmajfault == 5u);
  CHECK_FALSE(a.pswpin.has_value());  // blank: the source had no such figure
  CHECK(a.psi_some_total_s == doctest::Approx(1.5));
  CHECK(a.psi_full_total_s == doctest::Approx(250e-6));
  CHECK_FALSE(b.psi_full_total_s.has_value());
  CHECK(b.swap_bytes == 8u);
  CHECK(a.line == 3);
  CHECK(b.line == 4);
  CHECK_FALSE(a.total_bytes.has_value());
}

TEST_CASE("CSV: a single bytes column, date-time times, unit suffixes in names, CRLF and a BOM") {
  const Series s = parse("\xEF\xBB\xBFtime,bytes\r\n2026-12-02 12:00:00,1000\r\n2026-12-02T12:00:30.5Z,2000\r\n");
  REQUIRE(s.samples.size() == 2);
  CHECK(s.samples[1].time_s == 30.5);
  CHECK(s.samples[0].total_bytes == 1000u);
  CHECK(s.samples[1].total_bytes == 2000u);
  const Series t = parse("time_s,rss_bytes,anon_bytes\n0,10,5\n2,20,7\n");
  CHECK(t.samples[1].rss_bytes == 20u);
  CHECK(t.samples[1].anon_bytes == 7u);
  CHECK(t.samples[1].time_s == 2.0);
}

TEST_CASE("a real /proc/self/status series: VmRSS, RssAnon, RssFile, VmSwap in kB times 1024") {
  const Series s = read_memory_series(data("proc_status.snap"), {});
  CHECK(s.format == "proc-status");
  REQUIRE(s.samples.size() == 3);
  CHECK(s.samples[0].rss_bytes == 1784 * KiB);
  CHECK(s.samples[0].anon_bytes == 112 * KiB);
  CHECK(s.samples[0].file_bytes == 1672 * KiB);
  CHECK(s.samples[0].swap_bytes == 0u);
  CHECK(s.samples[1].rss_bytes == 1752 * KiB);
  CHECK(s.samples[2].file_bytes == 1652 * KiB);
  // 1796213401.726393803 - 1796213401.501538595, exact in integers
  CHECK(s.samples[1].time_s == doctest::Approx(0.224855208).epsilon(1e-12));
  CHECK(s.samples[2].time_s == doctest::Approx(0.449654459).epsilon(1e-12));
  CHECK(s.samples[1].line == 61);  // each block: the time line and the 59 lines of the status file
}

TEST_CASE("a real cgroup v1 memory.stat series: total_rss and total_cache (hierarchical) first") {
  const Series s = read_memory_series(data("cgroup_v1.snap"), {});
  CHECK(s.format == "cgroup-v1");
  REQUIRE(s.samples.size() == 3);
  CHECK(s.samples[0].anon_bytes == 13570048u);
  CHECK(s.samples[0].file_bytes == 299220992u);
  CHECK(s.samples[0].swap_bytes == 0u);
  CHECK(s.samples[0].pgmajfault == 2444101u);
  // 12:10:02.402467280 - 12:10:02.178229996
  CHECK(s.samples[1].time_s == doctest::Approx(0.224237284).epsilon(1e-12));
  // Without the total_ lines a cgroup's own rss and cache are taken.
  const Series own = parse("# time 0\ncache 4096\nrss 8192\npgmajfault 3\n");
  CHECK(own.format == "cgroup-v1");
  CHECK(own.samples[0].anon_bytes == 8192u);
  CHECK(own.samples[0].file_bytes == 4096u);
  CHECK_FALSE(own.samples[0].swap_bytes.has_value());
}

TEST_CASE("a cgroup v2 series: memory.current then memory.stat, every key of the kernel's documentation") {
  const Series s = read_memory_series(data("cgroup_v2.snap"), {});
  CHECK(s.format == "cgroup-v2");
  REQUIRE(s.samples.size() == 3);
  CHECK(s.samples[0].anon_bytes == 1073741824u);
  CHECK(s.samples[0].file_bytes == 536870912u);
  CHECK(s.samples[0].total_bytes == 1073741824u + 536870912u + 8388608u);
  CHECK(s.samples[2].pgmajfault == 40u);
  CHECK(s.samples[1].time_s == 1.0);
  CHECK(s.samples[2].time_s == 2.5);
  // memory.stat alone is detected by its first key.
  const Series stat_only = parse("# time 5\nanon 10\nfile 20\n# time 6\nanon 11\nfile 21\n");
  CHECK(stat_only.format == "cgroup-v2");
  CHECK_FALSE(stat_only.samples[0].total_bytes.has_value());
  CHECK(stat_only.samples[1].file_bytes == 21u);
}

TEST_CASE("a real /proc/vmstat series: pages times the page size, counters as they are") {
  const Series s = read_memory_series(data("vmstat.snap"), {});
  CHECK(s.format == "vmstat");
  REQUIRE(s.samples.size() == 3);
  CHECK(s.samples[0].anon_bytes == 3312u * 4096);
  CHECK(s.samples[2].file_bytes == 73054u * 4096);
  CHECK(s.samples[0].pswpin == 12433410u);
  CHECK(s.samples[0].pswpout == 15335985u);
  CHECK(s.samples[0].pgmajfault == 2444101u);
  Options arm;
  arm.page_bytes = 16384;  // a series recorded on a 16 KiB-page machine
  CHECK(read_memory_series(data("vmstat.snap"), arm).samples[0].anon_bytes == 3312u * 16384);
}

TEST_CASE("gzip input reads the same as the plain file") {
  std::ifstream in(data("proc_status.snap"), std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Series plain = read_memory_series(data("proc_status.snap"), {});
  const Series gz = read_memory_series(temp_file("status.snap.gz", gzip(text)), {});
  REQUIRE(gz.samples.size() == plain.samples.size());
  for (std::size_t i = 0; i < gz.samples.size(); ++i) {
    CHECK(gz.samples[i].rss_bytes == plain.samples[i].rss_bytes);
    CHECK(gz.samples[i].time_s == plain.samples[i].time_s);
  }
}

TEST_CASE("a named format overrides detection, an unknown one is refused with a suggestion") {
  Options o;
  o.format = "cgroup-v1";
  CHECK(parse("# time 0\nrss 1\ncache 2\n", o).format == "cgroup-v1");
  o.format = "cgroup_v2";
  CHECK(error_of("time,anon\n0,1\n", o) ==
        "s.csv:1:1: error: expected a memory series format (csv, proc-status, cgroup-v1, cgroup-v2, vmstat), "
        "found 'cgroup_v2' (did you mean cgroup-v2?)");
  o.format = "vmstat";  // a status file read as vmstat: its lines are not 'key value'
  CHECK(error_of("# time 0\nName:\tcat\n", o) ==
        "s.csv:1:1: error: expected nr_anon_pages and nr_file_pages in the /proc/vmstat snapshot after '0', found "
        "none among its 1 lines");
}

TEST_CASE("empty, comment-only, header-only and snapshot-less inputs: one message each") {
  CHECK(error_of("") == "s.csv:1:1: error: expected a memory series (a CSV header naming time, or a '# time' line "
                        "starting each snapshot), found an empty file");
  CHECK(error_of("# a comment\n\n") == "s.csv:1:1: error: expected a memory series (a CSV header naming time, or a "
                                      "'# time' line starting each snapshot), found only blank and comment lines");
  CHECK(error_of("time,anon\n") == "s.csv:1:1: error: expected at least one sample in the csv series, found none");
  CHECK(error_of("# time 12\n") ==
        "s.csv:1:1: error: expected a snapshot after '# time 12' (the lines of the file it records), found none");
  CHECK(error_of("# time 12\nhello world\n") ==
        "s.csv:2:1: error: expected the first line of a /proc/PID/status, memory.stat, memory.current or /proc/vmstat "
        "snapshot (or format: one of csv, proc-status, cgroup-v1, cgroup-v2, vmstat), found 'hello world'");
}

TEST_CASE("a snapshot file recorded without its time lines is named as such, not as a bad CSV header") {
  CHECK(error_of("Name:\tcat\nVmRSS:\t 4 kB\n") ==
        "s.csv:1:1: error: expected a '# time <seconds or date-time>' line before each snapshot (or a CSV header), "
        "found the first line of a snapshot without one: 'Name:\\tcat'");
  CHECK(error_of("cache 4096\nrss 4096\n").find("found the first line of a snapshot without one: 'cache 4096'") !=
        std::string::npos);
}

TEST_CASE("a truncated gzip series is one message, not a short series") {
  std::ifstream in(data("vmstat.snap"), std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string gz = gzip(text);
  const std::string path = temp_file("cut.snap.gz", gz.substr(0, gz.size() / 2));
  try {
    read_memory_series(path, {});
    FAIL("no error");
  } catch (const SeriesError& e) {
    CHECK(e.message() == "expected gzip data, found a truncated stream");
    CHECK(e.line() == 1);
  }
}

TEST_CASE("CSV header problems: unknown (with a suggestion), repeated, no time, nothing to follow") {
  CHECK(error_of("time,anno\n0,1\n") ==
        "s.csv:1:6: error: expected a column name of the memory series CSV (time, anon, file, bytes, rss, swap, "
        "pgmajfault, pswpin, pswpout, psi_some_us, psi_full_us), found 'anno' (did you mean anon?)");
  CHECK(error_of("time,anon,anon\n0,1,1\n") == "s.csv:1:11: error: expected each column once, found a second 'anon'");
  CHECK(error_of("anon,file\n1,2\n") ==
        "s.csv:1:1: error: expected a header with a time column (seconds or YYYY-MM-DD HH:MM:SS), found 'anon,file'");
  CHECK(error_of("time,file\n0,2\n") ==
        "s.csv:1:1: error: expected a column anon, bytes or rss (the memory the series records), found 'time,file'");
}

TEST_CASE("CSV rows: non-numbers, negatives, huge values, a truncated last line, a bad time, invalid UTF-8") {
  CHECK(error_of("time,anon\n0,12x\n") ==
        "s.csv:2:3: error: expected anon as a whole number of bytes (0 to 18446744073709551615), found '12x'");
  CHECK(error_of("time,anon\n0,-5\n") ==
        "s.csv:2:3: error: expected anon as a whole number of bytes (0 to 18446744073709551615), found '-5'");
  CHECK(error_of("time,anon\n0,18446744073709551616\n") ==
        "s.csv:2:3: error: expected anon as a whole number of bytes (0 to 18446744073709551615), found "
        "'18446744073709551616'");
  CHECK(error_of("time,anon,file\n0,1,2\n1,2") ==
        "s.csv:3:1: error: expected 3 comma-separated fields as in the header, found 2 in '1,2'");
  CHECK(error_of("time,anon\nnoon,1\n") ==
        "s.csv:2:1: error: expected time as seconds (such as 12.5) or YYYY-MM-DD HH:MM:SS[.f], found 'noon'");
  CHECK(error_of("time,anon\n-1,1\n") ==
        "s.csv:2:1: error: expected time as seconds (such as 12.5) or YYYY-MM-DD HH:MM:SS[.f], found '-1'");
  CHECK(error_of("time,anon\n0,\xFF\xFE\n") ==
        "s.csv:2:3: error: expected anon as a whole number of bytes (0 to 18446744073709551615), found '\\xFF\\xFE'");
  CHECK(error_of("time,pgmajfault,anon\n0,1.5,1\n") ==
        "s.csv:2:3: error: expected pgmajfault as a whole number (a cumulative count) (0 to 18446744073709551615), "
        "found '1.5'");
}

TEST_CASE("times must increase: an earlier or repeated time is refused at its row") {
  CHECK(error_of("time,anon\n5,1\n4,1\n") ==
        "s.csv:3:1: error: expected a time after the previous sample's (times strictly increasing), found '4'");
  CHECK(error_of("time,anon\n5,1\n5,1\n") ==
        "s.csv:3:1: error: expected a time after the previous sample's (times strictly increasing), found '5'");
  CHECK(error_of("# time 10\nVmRSS: 1 kB\n# time 9\nVmRSS: 1 kB\n") ==
        "s.csv:3:1: error: expected a time after the previous sample's (times strictly increasing), found '9'");
}

TEST_CASE("status units and arithmetic: kB only, kB x 1024 must fit 64 bits") {
  CHECK(error_of("# time 0\nVmRSS:\t 100 MB\n") ==
        "s.csv:2:9: error: expected VmRSS in kB ('VmRSS:  1776 kB'), found '100 MB'");
  CHECK(error_of("# time 0\nVmRSS:\t 100\n") == "s.csv:2:9: error: expected VmRSS in kB ('VmRSS:  1776 kB'), found '100'");
  // 2^54 kB = 2^64 bytes: one past the largest
  CHECK(error_of("# time 0\nVmRSS:\t18014398509481984 kB\n") ==
        "s.csv:2:8: error: expected VmRSS of at most 2^64 - 1 bytes once multiplied by 1024 (kB), found "
        "'18014398509481984'");
  CHECK(parse("# time 0\nVmRSS:\t18014398509481983 kB\n").samples[0].rss_bytes == 18014398509481983u * 1024);
  Options o;
  o.page_bytes = 65536;
  CHECK(error_of("# time 0\nnr_anon_pages 281474976710656\nnr_file_pages 0\n", o) ==
        "s.csv:2:15: error: expected nr_anon_pages of at most 2^64 - 1 bytes once multiplied by 65536 (the page "
        "size), found '281474976710656'");
}

TEST_CASE("snapshot problems: missing fields, two files in one snapshot, a line before the first time, a bad time") {
  CHECK(error_of("# time 0\nName:\tcat\nRssAnon:\t 4 kB\n") ==
        "s.csv:1:1: error: expected VmRSS in the /proc/PID/status snapshot after '0', found none among its 2 lines");
  CHECK(error_of("# time 0\nVmRSS:\t4 kB\nVmRSS:\t4 kB\n") ==
        "s.csv:3:1: error: expected one VmRSS per snapshot (a '# time' line starts each), found a second 'VmRSS:\\t4 kB'");
  CHECK(error_of("# time 0\ncache 1\nrss 2\n# time 1\ncache 1\n") ==
        "s.csv:4:1: error: expected rss and cache (or total_rss and total_cache) in the cgroup v1 memory.stat snapshot "
        "after '1', found none among its 1 lines");
  CHECK(error_of("# time 0\nanon 1\nfile 2\n# time yesterday\nanon 1\nfile 2\n") ==
        "s.csv:4:8: error: expected '# time' followed by seconds (date +%s.%N) or YYYY-MM-DD HH:MM:SS[.f], found "
        "'# time yesterday'");
  Options o;
  o.format = "proc-status";
  CHECK(error_of("VmRSS: 1 kB\n# time 0\nVmRSS: 1 kB\n", o) ==
        "s.csv:1:1: error: expected a '# time <seconds or date-time>' line before the first snapshot, found 'VmRSS: 1 kB'");
  CHECK(error_of("# time 0\nanon 1\nfile 2\n# time 1\n") ==
        "s.csv:4:1: error: expected anon and file in the cgroup v2 memory.stat snapshot after '1', found no lines at all");
}

TEST_CASE("on_bad_row skip: bad rows and snapshots are counted, the first message kept, the rest read") {
  Options skip;
  skip.on_bad_row = headroom::trace::BadRowAction::skip;
  const Series s = parse("time,anon\n0,1\n1,x\n0,2\n2,3\n", skip);
  REQUIRE(s.samples.size() == 2);
  CHECK(s.samples[1].anon_bytes == 3u);
  CHECK(s.skipped == 2);
  CHECK(s.first_skipped ==
        "s.csv:3:3: error: expected anon as a whole number of bytes (0 to 18446744073709551615), found 'x'");
  // A snapshot with one bad line is skipped whole (one count, not one per line).
  const Series snap = parse("# time 0\nVmRSS: 1 kB\n# time 1\nVmRSS: x kB\nRssAnon: y kB\n# time 2\nVmRSS: 3 kB\n", skip);
  REQUIRE(snap.samples.size() == 2);
  CHECK(snap.skipped == 1);
  CHECK(snap.samples[1].rss_bytes == 3 * KiB);
  CHECK(snap.samples[1].time_s == 2.0);
  // Every row skipped: still an error, naming the first.
  CHECK(error_of("time,anon\n0,x\n", skip) ==
        "s.csv:1:1: error: expected at least one sample in the csv series, found none (every one of 1 was skipped; "
        "the first: s.csv:2:3: error: expected anon as a whole number of bytes (0 to 18446744073709551615), found "
        "'x')");
}

TEST_CASE("files: missing, a 10 MB line, binary data, each one message") {
  try {
    read_memory_series("/nonexistent/series.csv", {});
    FAIL("no error");
  } catch (const SeriesError& e) {
    CHECK(std::string(e.what()) ==
          "/nonexistent/series.csv:1:1: error: expected a readable memory series, found no such file");
  }
  const std::string long_line = temp_file("long.csv", "time,anon\n0," + std::string(10'000'000, '7') + "\n");
  try {
    read_memory_series(long_line, {});
    FAIL("no error");
  } catch (const SeriesError& e) {
    CHECK(e.line() == 2);
    CHECK(e.message().starts_with("expected a line of at most 65536 bytes, found a longer one ('0,7777"));
  }
  const std::string binary = temp_file("bin.csv", std::string("time,anon\n0,1\0\n", 15));
  try {
    read_memory_series(binary, {});
    FAIL("no error");
  } catch (const SeriesError& e) {
    CHECK(std::string(e.what()).find("expected text, found binary data") != std::string::npos);
  }
}
