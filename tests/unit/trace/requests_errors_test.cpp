// Hostile request traces: each refused with one FILE:LINE:COL message naming what was expected
// and found (or, under on_bad_row skip, counted by reason), never a crash, a hang or a wrong row.
#include <doctest/doctest.h>

#include <cstdio>

#include "tests/unit/trace/requests_helpers.hpp"

using namespace headroom::reqtrace;
using namespace headroom::reqtrace::test;

namespace {
const std::string kAzure = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
const std::string kBurst = "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n";
}  // namespace

TEST_CASE("requests errors: empty file, header only, unknown header, unknown format name") {
  const auto empty = write_file("empty.csv", "");
  CHECK(error_of(empty) == empty + ":1:1: error: expected a request trace (a CSV header or a JSON line of azure, "
                                   "burstgpt, csv, jsonl, mooncake, splitwise, vidur), found an empty file");
  Options azure;
  azure.format = "azure";
  CHECK(error_of(empty, azure) ==
        empty + ":1:1: error: expected the header 'TIMESTAMP,ContextTokens,GeneratedTokens', found an empty file");
  const auto header = write_file("header.csv", kAzure);
  const Read r = read_all(header);
  CHECK(r.rows.empty());
  CHECK(r.counts.rows == 0);
  const auto odd = write_file("odd.csv", "time,prompt,output\n1,2,3\n");
  CHECK(error_of(odd) == odd + ":1:1: error: expected the header or first JSON line of a known request trace "
                               "(azure, burstgpt, csv, jsonl, mooncake, splitwise, vidur; or name the format and its "
                               "columns), found 'time,prompt,output'");
  Options bad;
  bad.format = "parquet";
  CHECK(error_of(odd, bad) == odd + ":1:1: error: expected a request-trace format (azure, burstgpt, csv, jsonl, "
                                    "mooncake, splitwise, vidur), found 'parquet'");
}

TEST_CASE("requests errors: a missing column, and the generic formats without a mapping") {
  Options burst;
  burst.format = "burstgpt";
  const auto p = write_file("nocol.csv", "Timestamp,Model,Request tokens,Total tokens\n1,a,2,3\n");
  CHECK(error_of(p, burst) == p + ":1:1: error: expected a header with the columns 'Timestamp', 'Request tokens' "
                                  "and 'Response tokens' (burstgpt), found 'Timestamp,Model,Request tokens,Total tokens'");
  Options csv;
  csv.format = "csv";
  csv.columns = Columns{"", "input_tokens", "", "", "s"};
  CHECK(error_of(p, csv) == p + ":1:1: error: expected the column mapping (time, input, output) for format 'csv', "
                                "found none for time, output");
}

TEST_CASE("requests errors: non-numeric, negative and huge token counts, bad times") {
  const auto text = write_file("text.csv", kAzure + "2023-11-16 18:15:46,12x,3\n");
  CHECK(error_of(text) == text + ":2:21: error: expected ContextTokens as a non-negative integer, found '12x'");
  const auto negative = write_file("neg.csv", kBurst + "5,ChatGPT,-4,18,14,Conversation log\n");
  CHECK(error_of(negative) == negative + ":2:11: error: expected Request tokens as a non-negative integer, found '-4'");
  const auto huge = write_file("huge.csv", kAzure + "2023-11-16 18:15:46,4294967296,3\n");
  CHECK(error_of(huge) ==
        huge + ":2:21: error: expected ContextTokens as a non-negative integer of at most 4294967295, found '4294967296'");
  const auto max = write_file("max.csv", kAzure + "2023-11-16 18:15:46,4294967295,3\n");
  CHECK(read_all(max).rows.at(0).input_tokens == 4294967295u);
  const auto time = write_file("time.csv", kBurst + "-5,ChatGPT,4,18,22,Conversation log\n");
  CHECK(error_of(time) == time + ":2:1: error: expected Timestamp as a non-negative number of seconds, found '-5'");
  const auto far = write_file("far.csv", kBurst + "1e300,ChatGPT,4,18,22,Conversation log\n");
  CHECK(error_of(far) == far + ":2:1: error: expected Timestamp as a non-negative number of seconds, found '1e300'");
  const auto year = write_file("year.csv", kAzure + "2300-01-01 00:00:00,1,2\n");
  CHECK(error_of(year) ==
        year + ":2:1: error: expected TIMESTAMP as a date-time from 1677-09-22 to 2262-04-11, found '2300-01-01 00:00:00'");
  const auto moon = write_file("m.jsonl", "{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 2}\n"
                                          "{\"timestamp\": 5, \"input_length\": -1, \"output_length\": 2}\n"
                                          "{\"timestamp\": 6, \"input_length\": 1.5, \"output_length\": 2}\n"
                                          "{\"timestamp\": 7, \"input_length\": 1, \"output_length\": 2, \"hash_ids\": [1, \"x\"]}\n"
                                          "{\"timestamp\": 8, \"input_length\": 1}\n");
  const Read r = read_all(moon, skipping());
  CHECK(r.rows.size() == 1);
  CHECK(r.counts.skipped == 4);
  CHECK(r.counts.skipped_by_reason == std::map<std::string, std::uint64_t>{
                                          {"bad hash_ids", 1}, {"bad input_length", 2}, {"missing output_length", 1}});
  CHECK(r.counts.first_skipped == moon + ":2:34: error: expected input_length as a non-negative integer, found '-1'");
}

TEST_CASE("requests errors: non-monotonic timestamps rejected, skipped or sorted") {
  const auto path = write_file("order.csv", kAzure + "2023-11-16 00:00:02,1,1\n2023-11-16 00:00:01,2,2\n"
                                                     "2023-11-16 00:00:03,3,3\n");
  CHECK(error_of(path) == path + ":3:1: error: expected timestamps in non-decreasing order, found "
                                 "'2023-11-16 00:00:01' earlier than the previous row");
  const Read skipped = read_all(path, skipping());
  REQUIRE(skipped.rows.size() == 2);
  CHECK(skipped.counts.skipped_by_reason == std::map<std::string, std::uint64_t>{{"out of order", 1}});
  Options sort;
  sort.order = Order::sort;
  const Read sorted = read_all(path, sort);
  REQUIRE(sorted.rows.size() == 3);
  CHECK(sorted.rows[0].input_tokens == 2);
  CHECK(sorted.rows[1].input_tokens == 1);
  CHECK(sorted.rows[2].input_tokens == 3);
  CHECK(sorted.rows[0].line == 3);  // the row keeps its line
}

TEST_CASE("requests errors: a truncated last line, invalid UTF-8, a 10 MB line, a truncated gzip") {
  const auto cut = write_file("cut.csv", kAzure + "2023-11-16 00:00:02,1,1\n2023-11-16 00:0");
  CHECK(error_of(cut) == cut + ":3:1: error: expected 3 comma-separated fields (TIMESTAMP,ContextTokens,"
                               "GeneratedTokens), found 1 in '2023-11-16 00:0'");
  const auto moon_cut = write_file("cut.jsonl", "{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 2}\n"
                                                "{\"timestamp\": 5, \"input_len");
  CHECK(error_of(moon_cut) ==
        moon_cut + ":2:28: error: expected a JSON object per line, found '{\"timestamp\": 5, \"input_len' (syntax "
                   "error while parsing object key - invalid string: missing closing quote; last read: "
                   "'\"input_len'; expected string literal)");
  const auto utf = write_file("utf.csv", kBurst + "5,Chat\xC3\x28GPT,4,1\xFF,5,Conversation log\n");
  CHECK(error_of(utf) == utf + ":2:15: error: expected Response tokens as a non-negative integer, found '1\\xFF'");
  const auto utf_json = write_file("utf.jsonl", "{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 2, \"x\": \"\xFF\"}\n");
  CHECK(error_of(utf_json, [] { Options o; o.format = "mooncake"; return o; }()).find(":1:") != std::string::npos);
  const auto line = write_file("long.csv", kAzure + std::string(10 << 20, '7') + "\n");
  CHECK(error_of(line) == line + ":2:1: error: expected a line of at most 65536 bytes, found a longer one ('" +
                              std::string(60, '7') + "...')");
  std::string rows = kAzure;
  for (int i = 0; i < 20000; ++i) rows += "2023-11-16 00:00:00," + std::to_string(i) + ",1\n";
  const auto whole = write_gzip("whole.csv.gz", rows);
  std::string bytes;
  {
    std::FILE* f = std::fopen(whole.c_str(), "rb");
    REQUIRE(f != nullptr);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
    std::fclose(f);
  }
  const auto truncated = write_file("trunc.csv.gz", bytes.substr(0, bytes.size() / 2));
  const std::string message = error_of(truncated);
  CHECK(message.find(truncated + ":") == 0);
  CHECK(message.find(": error: expected gzip data, found a truncated stream") != std::string::npos);
}

TEST_CASE("requests errors: skipped rows are counted by reason, the first one quoted") {
  const auto path = write_file("mixed.csv", kAzure + "2023-11-16 00:00:00,1,1\nbad,1,1\n2023-11-16 00:00:01,x,1\n"
                                                      "2023-11-16 00:00:02,1\n2023-11-16 00:00:03,4,4\n");
  const Read r = read_all(path, skipping());
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[1].input_tokens == 4);
  CHECK(r.counts.skipped == 3);
  CHECK(r.counts.skipped_by_reason ==
        std::map<std::string, std::uint64_t>{{"bad ContextTokens", 1}, {"bad TIMESTAMP", 1}, {"field count", 1}});
  CHECK(r.counts.first_skipped ==
        path + ":3:1: error: expected TIMESTAMP as YYYY-MM-DD HH:MM:SS.fffffff, found 'bad'");
}

TEST_CASE("requests errors: a JSON number too large for a double is a bad row, not an escaping exception") {
  // Found by a mutation run of tests/fuzz/fuzz_requests.cpp: nlohmann throws out_of_range (406) there.
  const auto path = write_file("overflow.jsonl", "{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 2}\n"
                                                 "{\"timestamp\": 71e20236, \"input_length\": 1, \"output_length\": 2}\n");
  CHECK(error_of(path) == path + ":2:1: error: expected a JSON object per line, found '{\"timestamp\": 71e20236, "
                                 "\"input_length\": 1, \"output_length\": ...' (number overflow parsing '71e20236')");
}
