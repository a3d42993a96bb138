// The Azure LLM 2023 trace reader. The rows below are the first rows of
// Azure/AzurePublicDataset data/AzureLLMInferenceTrace_conv.csv (CC-BY-4.0, Splitwise, ISCA'24).
#include <doctest/doctest.h>

#include "engine_fixtures.hpp"
#include "models/workloads/common/azure_trace.hpp"
#include "sim/config/error.hpp"

#include <sys/stat.h>

#include <filesystem>

using namespace headroom;
using headroom::test::write_temp_file;

namespace {

const char* kRows[] = {"2023-11-16 18:15:46.6805900,374,44", "2023-11-16 18:15:50.9951690,396,109",
                       "2023-11-16 18:15:51.2224670,879,55"};

std::string trace_text(const std::string& eol, bool final_newline) {
  std::string t = std::string("TIMESTAMP,ContextTokens,GeneratedTokens") + eol;
  for (int i = 0; i < 3; ++i)
    t += std::string(kRows[i]) + (i < 2 || final_newline ? eol : "");
  return t;
}

void check_rows(const std::vector<models::TraceRequest>& rows) {
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].offset_s == 0.0);
  // 18:15:50.9951690 - 18:15:46.6805900 = 4.3145790 s; 51.2224670 - 46.6805900 = 4.5418770 s.
  CHECK(rows[1].offset_s == doctest::Approx(4.3145790).epsilon(1e-12));
  CHECK(rows[2].offset_s == doctest::Approx(4.5418770).epsilon(1e-12));
  CHECK(rows[0].context_tokens == 374);
  CHECK(rows[0].generated_tokens == 44);
  CHECK(rows[2].context_tokens == 879);
  CHECK(rows[2].generated_tokens == 55);
}

std::string error_of(const std::string& path) {
  try {
    models::read_azure_trace(path);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("azure trace: CRLF line ends, last line without newline") {
  check_rows(models::read_azure_trace(write_temp_file("crlf.csv", trace_text("\r\n", false))));
}

TEST_CASE("azure trace: LF line ends with a final newline") {
  check_rows(models::read_azure_trace(write_temp_file("lf.csv", trace_text("\n", true))));
}

TEST_CASE("azure trace: max_rows keeps the first rows") {
  auto rows = models::read_azure_trace(write_temp_file("max.csv", trace_text("\r\n", false)), 2);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].generated_tokens == 109);
}

TEST_CASE("azure trace: timestamps across midnight and a leap day") {
  std::int64_t a = 0, b = 0;
  REQUIRE(models::parse_trace_timestamp("2024-02-28 23:59:59.5", a));
  REQUIRE(models::parse_trace_timestamp("2024-02-29 00:00:00.25", b));
  CHECK(b - a == 750000000);
  REQUIRE(models::parse_trace_timestamp("1970-01-02 00:00:01", a));
  CHECK(a == 86401LL * 1000000000);
  CHECK_FALSE(models::parse_trace_timestamp("2023-02-29 00:00:00", a));
  CHECK_FALSE(models::parse_trace_timestamp("2023-11-16 24:00:00", a));
  CHECK_FALSE(models::parse_trace_timestamp("2023-11-16T18:15:46", a));
  CHECK_FALSE(models::parse_trace_timestamp("2023-11-16 18:15:46.", a));
}

TEST_CASE("azure trace: a bad token count names file, row, column, expected and found") {
  std::string text = trace_text("\r\n", true) + "2023-11-16 18:15:52.0000000,12x,7\r\n";
  std::string path = write_temp_file("bad_tokens.csv", text);
  // Header is line 1, three good rows are lines 2-4, the bad row is line 5; ContextTokens starts
  // after the 27-character timestamp and its comma, at column 29.
  CHECK(error_of(path) == path + ":5:29: error: expected ContextTokens as a non-negative integer, found '12x'");
}

TEST_CASE("azure trace: wrong field count, bad timestamp, missing header, order") {
  std::string header = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  std::string p1 = write_temp_file("fields.csv", header + "2023-11-16 18:15:46.6805900,374\n");
  CHECK(error_of(p1) == p1 + ":2:1: error: expected 3 comma-separated fields (TIMESTAMP,ContextTokens,"
                             "GeneratedTokens), found 2 in '2023-11-16 18:15:46.6805900,374'");
  std::string p2 = write_temp_file("stamp.csv", header + "16/11/2023 18:15,374,44\n");
  CHECK(error_of(p2) == p2 + ":2:1: error: expected TIMESTAMP as YYYY-MM-DD HH:MM:SS.fffffff, found '16/11/2023 18:15'");
  std::string p3 = write_temp_file("noheader.csv", "2023-11-16 18:15:46.6805900,374,44\n");
  CHECK(error_of(p3) == p3 + ":1:1: error: expected the header 'TIMESTAMP,ContextTokens,GeneratedTokens', found "
                             "'2023-11-16 18:15:46.6805900,374,44'");
  std::string p4 = write_temp_file("order.csv", header + kRows[1] + "\n" + kRows[0] + "\n");
  CHECK(error_of(p4) == p4 + ":3:1: error: expected timestamps in non-decreasing order, found "
                             "'2023-11-16 18:15:46.6805900' earlier than the previous row");
  std::string p5 = (std::filesystem::temp_directory_path() / "headroom-no-such-trace.csv").string();
  CHECK(error_of(p5) == p5 + ":1:1: error: expected a readable Azure LLM trace CSV, found no such file");
}

TEST_CASE("azure trace: timestamps in any year 0000-9999 are exact, leap days included") {
  using std::chrono::sys_days;
  trace::DateTime t;
  // 1600 and 2000 are leap years (divisible by 400); 1700 and 2300 are not.
  REQUIRE(models::parse_trace_timestamp("1600-02-29 00:00:00.5", t));
  CHECK(t.seconds.time_since_epoch().count() == -11670998400LL);  // 135,081 days before 1970 x 86400
  CHECK(t.nanoseconds == 500000000u);
  CHECK_FALSE(models::parse_trace_timestamp("1700-02-29 00:00:00", t));
  CHECK_FALSE(models::parse_trace_timestamp("2300-02-29 00:00:00", t));
  REQUIRE(models::parse_trace_timestamp("0000-01-01 00:00:00", t));
  CHECK(t.seconds.time_since_epoch().count() == -62167219200LL);  // 719,528 days before 1970
  REQUIRE(models::parse_trace_timestamp("9999-12-31 23:59:59.999999999", t));
  CHECK(t.seconds.time_since_epoch().count() == 253402300799LL);  // 2,932,896 days after 1970, minus 1 s
  CHECK(t.nanoseconds == 999999999u);
  // The nanosecond overload refuses what a signed 64-bit count cannot hold (1677-09-21 .. 2262-04-11).
  std::int64_t ns = 0;
  CHECK_FALSE(models::parse_trace_timestamp("1600-02-29 00:00:00", ns));
  CHECK_FALSE(models::parse_trace_timestamp("2300-01-01 00:00:00", ns));
  REQUIRE(models::parse_trace_timestamp("2262-04-11 00:00:00", ns));
  CHECK(ns == 106751LL * 86400 * 1000000000);
}

TEST_CASE("azure trace: a trace spanning 1600 to 9999 keeps its order and exact offsets") {
  const std::string header = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  const auto path = write_temp_file("centuries.csv", header +
                                                        "1600-02-29 00:00:00.5,1,2\n"
                                                        "1600-03-01 00:00:00.25,3,4\n"
                                                        "2300-01-01 00:00:00,5,6\n"
                                                        "9999-12-31 23:59:59.9999999,7,8\n");
  const auto rows = models::read_azure_trace(path);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].offset_s == 0.0);
  // 29 Feb 00:00:00.5 -> 1 Mar 00:00:00.25 of a leap year: 86400 - 0.25 s.
  CHECK(rows[1].offset_s == 86399.75);
  // 1600-02-29 .. 2300-01-01: 255,611 days (-135,081 .. 120,530 from 1970, as Python's
  // datetime.date counts them), minus the 0.5 s.
  CHECK(rows[2].offset_s == 255611.0 * 86400 - 0.5);
  // .. 9999-12-31 23:59:59.9999999: 253402300799.9999999 + 11670998400 - 0.5 s, rounded once.
  CHECK(rows[3].offset_s == 265073299199.4999999);
  CHECK(rows[3].context_tokens == 7);
}

TEST_CASE("azure trace: a UTF-8 byte-order mark before the header is skipped") {
  const auto path = write_temp_file("bom.csv", "\xEF\xBB\xBF" + trace_text("\r\n", true));
  check_rows(models::read_azure_trace(path));
}

TEST_CASE("azure trace: binary data, long lines, directories and FIFOs get true messages") {
  const std::string header = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  const auto nul = write_temp_file("nul.csv", header + std::string("2023-11-16 18:15:46,3\0,4\n", 25));
  CHECK(error_of(nul) == nul + ":2:22: error: expected text, found binary data (a NUL byte at column 22)");
  const auto long_line = write_temp_file("long.csv", header + std::string(100000, ','));
  CHECK(error_of(long_line) == long_line + ":2:1: error: expected a line of at most 65536 bytes, found a longer one ('" +
                                   std::string(60, ',') + "...')");
  const auto dir = std::filesystem::path(write_temp_file("x.csv", "")).parent_path().string();
  CHECK(error_of(dir) == dir + ":1:1: error: expected a readable Azure LLM trace CSV, found a directory");
  const auto fifo = dir + "/azure.fifo";
  std::filesystem::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(error_of(fifo) == fifo + ":1:1: error: expected a readable Azure LLM trace CSV, found a named pipe (FIFO) with no writer");
  const auto cut = write_temp_file("cut.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n" + std::string(200, 'x') + ",1,2\n");
  CHECK(error_of(cut) == cut + ":2:1: error: expected TIMESTAMP as YYYY-MM-DD HH:MM:SS.fffffff, found '" +
                             std::string(60, 'x') + "...'");
}
