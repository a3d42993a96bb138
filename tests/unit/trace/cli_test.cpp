// The `cache` and `mrc` subcommands end to end, through CLI11 as sim/main.cpp runs them.
#include <doctest/doctest.h>

#include <CLI/CLI.hpp>

#include <sstream>

#include "sim/trace/cli.hpp"
#include "tests/unit/trace/run_trace_command.hpp"

namespace {

using headroom::trace::test::run;

std::string data(const std::string& name) { return std::string(HEADROOM_TEST_DATA) + "/traces/" + name; }

}  // namespace

TEST_CASE("cache --format json prints textbook misses for every (policy, frames) pair") {
  const auto r = run({"cache", data("textbook_crlf.txt"), "--policy", "fifo,opt", "--frames", "3,4", "--format", "json"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "{\"trace\": \"" + data("textbook_crlf.txt") +
                     "\", \"requests\": 20, \"unique\": 6, \"skipped_rows\": 0, \"results\": ["
                     "{\"policy\": \"fifo\", \"frames\": 3, \"misses\": 15, \"miss_ratio\": 0.75}, "
                     "{\"policy\": \"fifo\", \"frames\": 4, \"misses\": 10, \"miss_ratio\": 0.5}, "
                     "{\"policy\": \"opt\", \"frames\": 3, \"misses\": 9, \"miss_ratio\": 0.45}, "
                     "{\"policy\": \"opt\", \"frames\": 4, \"misses\": 8, \"miss_ratio\": 0.4}]}\n");
}

TEST_CASE("cache output does not depend on the thread count") {
  const std::vector<std::string> base{"cache", data("textbook.txt.gz"), "--policy", "fifo,clock,arc,mglru,opt,lru",
                                      "--frames", "1,2,3,4,5", "--format", "csv"};
  auto one = base, many = base;
  one.insert(one.end(), {"--threads", "1"});
  many.insert(many.end(), {"--threads", "4"});
  const auto a = run(one), b = run(many);
  CHECK(a.exit_code == 0);
  CHECK(a.out == b.out);
  CHECK(a.out.rfind("policy,frames,requests,misses,miss_ratio\nfifo,1,20,", 0) == 0);
}

TEST_CASE("cache table on a CSV trace with a size column") {
  const auto r = run({"cache", data("sized.csv"), "--id-col", "offset", "--size-col", "size", "--id-unit", "bytes",
                      "--policy", "fifo", "--frames", "2"});
  CHECK(r.exit_code == 0);
  // Pages 0,2,0,1,0,1,2 at 2 frames under FIFO: misses on 0, 2, 1 (evicts 0), 0 (evicts 2), 2 (evicts 1).
  CHECK(r.out.find("requests: 7  unique_pages: 3  skipped_rows: 0") != std::string::npos);
  CHECK(r.out.find("fifo                2            5   0.714286") != std::string::npos);
}

TEST_CASE("cache: a bad row exits 2 with TRACE:LINE, and skip counts it") {
  const auto r = run({"cache", data("bad_rows.txt"), "--policy", "fifo", "--frames", "2"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == data("bad_rows.txt") + ":3: error: expected an unsigned 64-bit integer id, found 'x30'\n");
  CHECK(r.out.empty());
  const auto s = run({"cache", data("bad_rows.txt"), "--policy", "fifo", "--frames", "2", "--on-bad-row", "skip",
                      "--format", "json"});
  CHECK(s.exit_code == 0);
  CHECK(s.out.find("\"requests\": 4, \"unique\": 2, \"skipped_rows\": 3") != std::string::npos);
  CHECK(s.err.find("warning: skipped 3 bad rows; the first: " + data("bad_rows.txt") + ":3:") != std::string::npos);
}

TEST_CASE("cache: unknown policy and zero frames are refused with exit 2") {
  const auto r = run({"cache", data("belady_anomaly.txt"), "--policy", "fifo,lfu", "--frames", "3"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("headroom cache: error: --policy: expected one of ") != std::string::npos);
  CHECK(r.err.find(", found 'lfu'") != std::string::npos);
  const auto z = run({"cache", data("belady_anomaly.txt"), "--policy", "fifo", "--frames", "0"});
  CHECK(z.exit_code == 2);
  CHECK(z.err == "headroom cache: error: --frames: expected at least 1 frame, found '0'\n");
}

TEST_CASE("mrc csv marks the frames of each RAM size and the curve steps") {
  // Textbook string under LRU: 20 misses at 1 frame (no page is reused at once), 17 at 2, 12 at 3,
  // 8 at 4, 7 at 5, 6 (the cold misses) from 6 on. 12 KiB and 16 KiB of RAM with no reserve are 3
  // and 4 frames of 4 KiB.
  const auto r = run({"mrc", data("textbook_crlf.txt"), "--ram", "12KiB,16KiB", "--os-reserve", "0"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("frames,cache_bytes,miss_ratio,mark\n0,0,1,\n", 0) == 0);
  CHECK(r.out.find("3,12288,0.6,ram_12KiB\n") != std::string::npos);
  CHECK(r.out.find("4,16384,0.4,ram_16KiB\n") != std::string::npos);
  CHECK(r.out == "frames,cache_bytes,miss_ratio,mark\n0,0,1,\n2,8192,0.85,\n3,12288,0.6,\n3,12288,0.6,ram_12KiB\n"
                 "4,16384,0.4,\n4,16384,0.4,ram_16KiB\n5,20480,0.35,\n6,24576,0.3,\n");
}

TEST_CASE("mrc json: default 96 GiB and 128 GiB marks minus a 4 GiB reserve") {
  const auto r = run({"mrc", data("textbook_crlf.txt"), "--format", "json"});
  CHECK(r.exit_code == 0);
  // (96 - 4) GiB / 4 KiB = 24117248 frames; (128 - 4) GiB / 4 KiB = 32505856: only cold misses.
  CHECK(r.out.find("\"ram_marks\": [{\"ram_bytes\": 103079215104, \"frames\": 24117248, \"miss_ratio\": 0.3}, "
                   "{\"ram_bytes\": 137438953472, \"frames\": 32505856, \"miss_ratio\": 0.3}], "
                   "\"miss_ratio_drop\": 0}") != std::string::npos);
  const auto d = run({"mrc", data("textbook_crlf.txt"), "--format", "json", "--ram", "12KiB,16KiB", "--os-reserve", "0B"});
  CHECK(d.out.find("\"miss_ratio_drop\": 0.2}") != std::string::npos);
}

TEST_CASE("mrc svg is deterministic and labels the RAM marks") {
  const std::vector<std::string> args{"mrc", data("textbook.txt.gz"), "--format", "svg", "--page-size", "16KiB"};
  const auto a = run(args), b = run(args);
  CHECK(a.exit_code == 0);
  CHECK(a.out == b.out);
  CHECK(a.out.rfind("<svg xmlns=", 0) == 0);
  CHECK(a.out.find("96GiB RAM: 0.3000") != std::string::npos);
  CHECK(a.out.find("miss ratio drop 96GiB -> 128GiB RAM: 0.0000") != std::string::npos);
  CHECK(a.out.find("(16384 B pages)") != std::string::npos);
}

TEST_CASE("mrc --sample reports the sampled count, and bad rates and sizes exit 2") {
  const auto r = run({"mrc", data("textbook_crlf.txt"), "--format", "json", "--sample", "0.5"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"sample_rate\": 0.5, \"sampled_requests\": ") != std::string::npos);
  const auto bad = run({"mrc", data("textbook_crlf.txt"), "--sample", "0"});
  CHECK(bad.exit_code == 2);
  const auto size = run({"mrc", data("textbook_crlf.txt"), "--page-size", "4 apples"});
  CHECK(size.exit_code == 2);
  CHECK(size.err == "headroom mrc: error: --page-size: expected a size such as 96GiB or 512MB, found '4 apples' (unknown unit 'apples')\n");
  const auto ram = run({"mrc", data("textbook_crlf.txt"), "--ram", "96G"});
  CHECK(ram.exit_code == 2);
  CHECK(ram.err == "headroom mrc: error: --ram: expected a size such as 96GiB or 512MB, found '96G' ('G' is ambiguous: write GB (10^9 bytes) or GiB (2^30 bytes))\n");
  CHECK(bad.err == "headroom mrc: error: --sample: expected a rate in (0, 1], found '0'\n");
}

TEST_CASE("parse_bytes understands binary and decimal units") {
  using headroom::trace::parse_bytes;
  CHECK(parse_bytes("96GiB") == 103079215104ull);
  CHECK(parse_bytes("4096") == 4096);
  CHECK(parse_bytes("3.5GB") == 3500000000ull);
  CHECK(parse_bytes("16KiB") == 16384);
  CHECK_THROWS_AS(parse_bytes("-1GiB"), std::invalid_argument);
  CHECK(parse_bytes("4 KiB") == 4096);
  CHECK(parse_bytes("2kB") == 2000);
  CHECK_THROWS_AS(parse_bytes("12XB"), std::invalid_argument);
  CHECK_THROWS_AS(parse_bytes("2KB"), std::invalid_argument);  // ambiguous (JEDEC 1024 or SI 1000)
  CHECK_THROWS_AS(parse_bytes("96G"), std::invalid_argument);
  CHECK_THROWS_AS(parse_bytes(""), std::invalid_argument);
}

TEST_CASE("an empty trace, a missing column and a truncated gzip are refused") {
  const auto r = run({"cache", data("header_only.csv"), "--id-col", "offset", "--policy", "fifo", "--frames", "1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == data("header_only.csv") + ": error: expected at least one reference, found none\n");
  CHECK(r.out.empty());
  const auto e = run({"mrc", data("bad_rows.txt"), "--id-col", "x"});
  CHECK(e.exit_code == 2);
  CHECK(e.err == data("bad_rows.txt") + ":1: error: expected a column named 'x' in the header, found '10'\n");
  const auto s = run({"cache", data("truncated.txt.gz"), "--policy", "fifo", "--frames", "1"});
  CHECK(s.exit_code == 2);
}
