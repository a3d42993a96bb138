// The request-trace formats (sim/trace/requests): every format read from text written here, with
// the values each row must give; detection from the first line; the 2024 Azure UTC offsets.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>

#include "sim/trace/requests/rows.hpp"
#include "tests/unit/trace/requests_helpers.hpp"

using namespace headroom::reqtrace;
using namespace headroom::reqtrace::test;

namespace {
constexpr std::int64_t kS = 1000000000;
// 2023-11-16 00:00:00 UTC in epoch seconds (19,677 days after 1970-01-01).
constexpr std::int64_t k20231116 = 19677LL * 86400;
}  // namespace

TEST_CASE("requests: azure 2023 is detected, CRLF, times as UTC epoch ns") {
  const auto path = write_file("a23.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\r\n"
                                          "2023-11-16 18:15:46.6805900,374,44\r\n"
                                          "2023-11-16 18:15:50.9951690,396,109");
  const Read r = read_all(path);
  CHECK(r.format == "azure");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].time_ns == (k20231116 + 18 * 3600 + 15 * 60 + 46) * kS + 680590000);
  CHECK(r.rows[1].time_ns - r.rows[0].time_ns == 4314579000);
  CHECK(r.rows[0].input_tokens == 374);
  CHECK(r.rows[1].output_tokens == 109);
  CHECK(r.rows[1].line == 3);
  CHECK(r.counts.rows == 2);
  CHECK(r.counts.failed == 0);
}

TEST_CASE("requests: azure 2024 offsets and missing fractions") {
  const auto path = write_file("a24.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                                          "2024-05-10 00:00:00.008000+00:00,2048,28\n"
                                          "2024-05-10 00:00:01+00:00,17,3\n"
                                          "2024-05-10 02:00:01.5+02:00,5,6\n"
                                          "2024-05-09 19:00:02-05:00,7,8\n");
  const Read r = read_all(path);
  REQUIRE(r.rows.size() == 4);
  const std::int64_t day = 19853LL * 86400 * kS;  // 2024-05-10
  CHECK(r.rows[0].time_ns == day + 8000000);
  CHECK(r.rows[1].time_ns == day + 1 * kS);
  CHECK(r.rows[2].time_ns == day + 1 * kS + 500000000);  // 02:00:01.5 at +02:00 = 00:00:01.5 UTC
  CHECK(r.rows[3].time_ns == day + 2 * kS);              // 19:00:02 the day before at -05:00
  CHECK(r.rows[0].input_tokens == 2048);
}

TEST_CASE("requests: burstgpt by column name, both variants, zero-response rows are failed, not hidden") {
  const auto v1 = write_file("b1.csv", "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
                                       "5,ChatGPT,472,18,490,Conversation log\n"
                                       "45,ChatGPT,1087,0,1087,Conversation log\n"
                                       "118.5,GPT-4,417,276,693,API log\n");
  const Read r1 = read_all(v1);
  CHECK(r1.format == "burstgpt");
  REQUIRE(r1.rows.size() == 3);
  CHECK(r1.rows[0].time_ns == 5 * kS);
  CHECK(r1.rows[2].time_ns == 118 * kS + 500000000);
  CHECK_FALSE(r1.rows[0].failed);
  CHECK(r1.rows[1].failed);
  CHECK(r1.counts.rows == 3);
  CHECK(r1.counts.failed == 1);
  const auto v2 = write_file("b2.csv", "Timestamp,Session ID,Elapsed time,Model,Request tokens,Response tokens,"
                                       "Total tokens,Log Type\n"
                                       "0.5,s1,1.25,ChatGPT,10,20,30,Conversation log\n"
                                       "1.5,\"s,2\",0.5,GPT-4,11,0,11,API log\n");
  const Read r2 = read_all(v2);
  REQUIRE(r2.rows.size() == 2);
  CHECK(r2.rows[0].input_tokens == 10);
  CHECK(r2.rows[0].output_tokens == 20);
  CHECK(r2.rows[1].time_ns == 1500000000);  // the quoted session id holds a comma
  CHECK(r2.counts.failed == 1);
}

TEST_CASE("requests: mooncake JSON lines with hash_ids") {
  const auto path = write_file("m.jsonl", "{\"timestamp\": 0, \"input_length\": 1024, \"output_length\": 7, \"hash_ids\": [0, 1]}\n"
                                          "{\"timestamp\": 3052, \"input_length\": 600, \"output_length\": 9, \"hash_ids\": [0, 2]}\n");
  const Read r = read_all(path);
  CHECK(r.format == "mooncake");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[1].time_ns == 3052000000);
  CHECK(r.rows[0].hash_ids == std::vector<std::uint64_t>{0, 1});
  CHECK(r.rows[1].hash_ids == std::vector<std::uint64_t>{0, 2});
  CHECK(r.rows[1].input_tokens == 600);
  CHECK(r.rows[1].line == 2);
}

TEST_CASE("requests: splitwise and vidur CSVs, Python floats rounded to the nearest ns") {
  const auto sw = write_file("sw.csv", "request_id,request_type,application_id,arrival_timestamp,batch_size,prompt_size,"
                                       "token_size\n0,2,0,0.0123,1,1020,31\n1,2,0,0.5,1,77,12\n");
  const Read s = read_all(sw);
  CHECK(s.format == "splitwise");
  REQUIRE(s.rows.size() == 2);
  CHECK(s.rows[0].time_ns == 12300000);
  CHECK(s.rows[0].input_tokens == 1020);
  CHECK(s.rows[1].output_tokens == 12);
  const auto vi = write_file("vi.csv", "arrived_at,num_prefill_tokens,num_decode_tokens\n0.0,374,44\n"
                                       "5.8926549999999995,91,16\n138.57600300000001,4086,64\n");
  const Read v = read_all(vi);
  CHECK(v.format == "vidur");
  REQUIRE(v.rows.size() == 3);
  CHECK(v.rows[1].time_ns == 5892655000);
  CHECK(v.rows[2].time_ns == 138576003000);
  CHECK(v.rows[2].input_tokens == 4086);
}

TEST_CASE("requests: generic csv and jsonl with a column mapping, and overrides of a known format") {
  Options o;
  o.columns = {"t_ms", "in", "out", "", "ms"};
  const auto c = write_file("g.csv", "in,t_ms,out,extra\n5,1500,6,x\n7,2500,8,y\n");
  const Read r = read_all(c, o);
  CHECK(r.format == "csv");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[1].time_ns == 2500000000);
  CHECK(r.rows[1].input_tokens == 7);
  o.columns = {"when", "p", "g", "blocks", "datetime"};
  const auto j = write_file("g.jsonl", "{\"when\": \"2024-01-01T00:00:00Z\", \"p\": 1, \"g\": 2, \"blocks\": [9]}\n");
  const Read rj = read_all(j, o);
  CHECK(rj.format == "jsonl");
  REQUIRE(rj.rows.size() == 1);
  CHECK(rj.rows[0].time_ns == 19723LL * 86400 * kS);
  CHECK(rj.rows[0].hash_ids == std::vector<std::uint64_t>{9});
  // A Mooncake file whose time key is renamed: the format is still detected from the other keys.
  Options m;
  m.format = "mooncake";
  m.columns.time = "ts";
  m.columns.time_unit = "s";
  const auto mk = write_file("m2.jsonl", "{\"ts\": 2.5, \"input_length\": 3, \"output_length\": 4}\n");
  const Read rm = read_all(mk, m);
  REQUIRE(rm.rows.size() == 1);
  CHECK(rm.rows[0].time_ns == 2500000000);
  CHECK(rm.rows[0].hash_ids.empty());  // no hash_ids key: none (the key is optional for reading)
}

TEST_CASE("requests: gzip, a byte-order mark, a blank last line, max_rows") {
  const auto gz = write_gzip("a.csv.gz", "\xEF\xBB\xBFTIMESTAMP,ContextTokens,GeneratedTokens\n"
                                         "2023-11-16 00:00:00,1,2\n2023-11-16 00:00:01,3,4\n2023-11-16 00:00:02,5,6\n\n");
  CHECK(read_all(gz).rows.size() == 3);
  Options o;
  o.max_rows = 2;
  const Read r = read_all(gz, o);
  REQUIRE(r.rows.size() == 2);
  CHECK(r.counts.rows == 2);
  CHECK(r.rows[1].input_tokens == 3);
}

TEST_CASE("requests: every registered format is listed") {
  CHECK(format_names() == std::vector<std::string>{"azure", "burstgpt", "csv", "jsonl", "mooncake", "splitwise", "vidur"});
}

TEST_CASE("requests: decimal times are exact to the ns, brute-force against integer formatting") {
  // Every ns count written as seconds with 9 decimals (and as ms with 6) parses back to itself.
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const std::int64_t ns = static_cast<std::int64_t>(x >> (1 + i % 40));
    const std::string s = std::to_string(ns / kS) + "." + std::string(9 - std::to_string(ns % kS).size(), '0') +
                          std::to_string(ns % kS);
    std::int64_t got = -1;
    REQUIRE(parse_decimal_ns(s, 9, got));
    CHECK(got == ns);
    const std::string ms = std::to_string(ns / 1000000) + "." + std::string(6 - std::to_string(ns % 1000000).size(), '0') +
                           std::to_string(ns % 1000000);
    REQUIRE(parse_decimal_ns(ms, 6, got));
    CHECK(got == ns);
  }
  std::int64_t got = 0;
  CHECK(parse_decimal_ns("1e3", 6, got));
  CHECK(got == 1000000000);
  CHECK(parse_decimal_ns("9223372036.854775807", 9, got));
  CHECK(got == INT64_MAX);
  CHECK_FALSE(parse_decimal_ns("9223372036.854775808", 9, got));
  CHECK_FALSE(parse_decimal_ns("-1", 9, got));
  CHECK_FALSE(parse_decimal_ns("1e999999", 9, got));
  CHECK_FALSE(parse_decimal_ns(".", 9, got));
  CHECK_FALSE(parse_decimal_ns("nan", 9, got));
  CHECK(parse_decimal_ns("0.0000000005", 9, got));  // half a ns rounds up
  CHECK(got == 1);
}

namespace {

// "12.345678900" for ns, with `decimals` places of `unit_exponent` (9: seconds, 6: ms).
std::string decimal(std::int64_t ns, int unit_exponent) {
  std::int64_t unit = 1;
  for (int i = 0; i < unit_exponent; ++i) unit *= 10;
  std::string frac = std::to_string(ns % unit);
  return std::to_string(ns / unit) + "." + std::string(static_cast<std::size_t>(unit_exponent) - frac.size(), '0') + frac;
}

// "2023-11-16 23:45:46.6805900+05:30" for an epoch ns, in local time at +05:30.
std::string at_plus_0530(std::int64_t ns) {
  const std::int64_t local_s = ns / kS + 5 * 3600 + 30 * 60;
  const std::int64_t day = local_s / 86400, sec = local_s % 86400;
  const auto ymd = std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{day}}};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02lld:%02lld:%02lld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<long long>(sec / 3600),
                static_cast<long long>(sec / 60 % 60), static_cast<long long>(sec % 60));
  std::string out = buf;
  if (ns % kS) out += "." + decimal(ns % kS, 9).substr(2);  // no fraction when whole, as in the 2024 files
  return out + "+05:30";
}

}  // namespace

TEST_CASE("requests: the shipped Azure 2023 rows read the same in every other format") {
  const Read azure = read_all(std::string(HEADROOM_SOURCE_DIR) + "/scenarios/traces/azure_conv_2023_first2000.csv");
  REQUIRE(azure.rows.size() == 2000);
  const std::int64_t t0 = azure.rows[0].time_ns;
  std::string a24 = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  std::string burst = "Timestamp,Session ID,Elapsed time,Model,Request tokens,Response tokens,Total tokens,Log Type\n";
  std::string split = "request_id,request_type,application_id,arrival_timestamp,batch_size,prompt_size,token_size\n";
  std::string vidur = "arrived_at,num_prefill_tokens,num_decode_tokens\n";
  std::string moon;
  for (std::size_t i = 0; i < azure.rows.size(); ++i) {
    const Record& r = azure.rows[i];
    const std::string in = std::to_string(r.input_tokens), out = std::to_string(r.output_tokens);
    const std::string s = decimal(r.time_ns - t0, 9);
    a24 += at_plus_0530(r.time_ns) + "," + in + "," + out + "\n";
    burst += s + ",sess,0.5,ChatGPT," + in + "," + out + ",0,Conversation log\n";
    split += std::to_string(i) + ",2,0," + s + ",1," + in + "," + out + "\n";
    vidur += s + "," + in + "," + out + "\n";
    moon += "{\"timestamp\": " + decimal(r.time_ns - t0, 6) + ", \"input_length\": " + in + ", \"output_length\": " + out +
            ", \"hash_ids\": [" + std::to_string(i) + "]}\n";
  }
  const std::vector<std::pair<std::string, std::string>> files{
      {"azure", write_file("x24.csv", a24)},     {"burstgpt", write_file("xb.csv", burst)},
      {"splitwise", write_file("xs.csv", split)}, {"vidur", write_file("xv.csv", vidur)},
      {"mooncake", write_file("xm.jsonl", moon)}};
  for (const auto& file : files) {  // no structured binding: clang 14 refuses one captured by CAPTURE
    const std::string& format = file.first;
    CAPTURE(format);
    const Read r = read_all(file.second);
    CHECK(r.format == format);
    REQUIRE(r.rows.size() == azure.rows.size());
    const std::int64_t f0 = r.rows[0].time_ns;
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
      CHECK(r.rows[i].time_ns - f0 == azure.rows[i].time_ns - t0);
      CHECK(r.rows[i].input_tokens == azure.rows[i].input_tokens);
      CHECK(r.rows[i].output_tokens == azure.rows[i].output_tokens);
    }
    if (format == "azure") CHECK(r.rows[0].time_ns == t0);  // the +05:30 offset is taken off exactly
  }
}
