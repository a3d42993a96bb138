#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim/trace/trace_reader.hpp"

using namespace headroom::trace;
using headroom::mm::PageKey;

namespace {
std::string data(const std::string& name) { return std::string(HEADROOM_TEST_DATA) + "/traces/" + name; }

std::string error_of(const std::string& path, const TraceOptions& options) {
  try {
    read_trace(path, options);
  } catch (const TraceError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("plain trace with CRLF line ends and no final newline") {
  const Trace t = read_trace(data("textbook_crlf.txt"), {});
  CHECK(t.rows == 20);
  CHECK(t.unique() == 6);
  // Dense ids in order of first appearance: 7->0, 0->1, 1->2, 2->3, 3->4, 4->5.
  CHECK(t.keys == std::vector<PageKey>{0, 1, 2, 3, 1, 4, 1, 5, 3, 4, 1, 4, 3, 2, 3, 1, 2, 0, 1, 2});
  CHECK(t.page_ids == std::vector<std::uint64_t>{7, 0, 1, 2, 3, 4});
}

TEST_CASE("gzip trace is read directly and equals the plain one") {
  const Trace gz = read_trace(data("textbook.txt.gz"), {});
  const Trace plain = read_trace(data("textbook_crlf.txt"), {});
  CHECK(gz.keys == plain.keys);
  CHECK(gz.rows == 20);
}

TEST_CASE("truncated gzip is an error, not a short trace") {
  const std::string message = error_of(data("truncated.txt.gz"), {});
  CHECK(message.find("expected gzip data") != std::string::npos);
}

TEST_CASE("missing file names the file") {
  const std::string message = error_of(data("no_such_trace.txt"), {});
  CHECK(message.find("no_such_trace.txt: error: expected a readable trace file") != std::string::npos);
}

TEST_CASE("bad row fails with its line number by default") {
  const std::string message = error_of(data("bad_rows.txt"), {});
  CHECK(message == data("bad_rows.txt") + ":3: error: expected an unsigned 64-bit integer id, found 'x30'");
}

TEST_CASE("bad rows are skipped and counted on request") {
  TraceOptions o;
  o.on_bad_row = BadRowAction::skip;
  const Trace t = read_trace(data("bad_rows.txt"), o);
  CHECK(t.skipped_rows == 3);  // 'x30', the empty line 5, 2^64 on line 6
  CHECK(t.rows == 4);
  CHECK(t.keys == std::vector<PageKey>{0, 1, 0, 1});
  CHECK(t.first_skipped.find(":3: error:") != std::string::npos);
}

TEST_CASE("an id of 2^64 overflows and is reported") {
  TraceOptions o;
  const Trace ok = parse_trace("18446744073709551615\n", "t", o);
  CHECK(ok.page_ids == std::vector<std::uint64_t>{18446744073709551615ull});
  try {
    parse_trace("1\n18446744073709551616\n", "t", o);
    FAIL("no error");
  } catch (const TraceError& e) {
    CHECK(std::string(e.what()) == "t:2: error: expected an unsigned 64-bit integer id, found '18446744073709551616'");
  }
}

TEST_CASE("CSV id column chosen by name, CRLF, time column validated") {
  TraceOptions o;
  o.id_col = "BlockId";
  o.time_col = "TIMESTAMP";
  const Trace t = read_trace(data("blocks_crlf.csv"), o);
  CHECK(t.rows == 3);
  CHECK(t.keys == std::vector<PageKey>{0, 1, 0});
  CHECK(t.page_ids == std::vector<std::uint64_t>{5, 6});
}

TEST_CASE("CSV missing column is reported with the header") {
  TraceOptions o;
  o.id_col = "lba";
  const std::string message = error_of(data("blocks_crlf.csv"), o);
  CHECK(message == data("blocks_crlf.csv") +
                       ":1: error: expected a column named 'lba' in the header, found 'TIMESTAMP,BlockId,Extra'");
}

TEST_CASE("CSV size column splits byte ranges into pages (id = byte offset)") {
  TraceOptions o;
  o.id_col = "offset";
  o.size_col = "size";
  o.id_unit = IdUnit::bytes;
  const Trace t = read_trace(data("sized.csv"), o);
  // Rows: [0,4096) -> page 0; [8192,8292) -> 2; [4000,4200) -> 0,1; [0,8193) -> 0,1,2.
  CHECK(t.page_ids == std::vector<std::uint64_t>{0, 2, 1});
  CHECK(t.keys == std::vector<PageKey>{0, 1, 0, 2, 0, 2, 1});
  CHECK(t.rows == 4);
}

TEST_CASE("CSV size column with page ids covers ceil(size / page) pages") {
  TraceOptions o;
  o.id_col = "offset";
  o.size_col = "size";
  const Trace t = read_trace(data("sized.csv"), o);
  CHECK(t.page_ids == std::vector<std::uint64_t>{0, 8192, 4000, 1, 2});
  CHECK(t.keys.size() == 6);  // 1 + 1 + 1 + 3 pages
}

TEST_CASE("page size changes the page a byte offset falls in") {
  TraceOptions o;
  o.id_unit = IdUnit::bytes;
  o.page_bytes = 16384;
  const Trace t = parse_trace("0\n4096\n16383\n16384\n", "t", o);
  CHECK(t.keys == std::vector<PageKey>{0, 0, 0, 1});
}

TEST_CASE("CSV bad rows: time, zero size, bad id, short row") {
  TraceOptions o;
  o.id_col = "offset";
  o.size_col = "size";
  o.time_col = "time";
  o.id_unit = IdUnit::bytes;
  CHECK(error_of(data("bad_rows.csv"), o) ==
        data("bad_rows.csv") +
            ":3: error: expected a time (non-negative number or YYYY-MM-DD HH:MM:SS[.f]) in column 'time', found 'noon'");
  o.on_bad_row = BadRowAction::skip;
  const Trace t = read_trace(data("bad_rows.csv"), o);
  CHECK(t.rows == 1);
  CHECK(t.skipped_rows == 4);
  o.time_col.clear();
  o.on_bad_row = BadRowAction::fail;
  CHECK(error_of(data("bad_rows.csv"), o) == data("bad_rows.csv") + ":4: error: expected a size of at least 1 byte, found '2,8192,0'");
}

TEST_CASE("a short CSV row names the fields expected") {
  TraceOptions o;
  o.id_col = "b";
  try {
    parse_trace("a,b\n1,2\n3\n", "t.csv", o);
    FAIL("no error");
  } catch (const TraceError& e) {
    CHECK(std::string(e.what()) == "t.csv:3: error: expected at least 2 comma-separated fields, found '3'");
  }
}

TEST_CASE("spaces around ids are accepted and line numbers survive the fast path's fallback") {
  const Trace t = parse_trace("1\n2\n 3\t\n2\n", "t", {});
  CHECK(t.page_ids == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(t.keys == std::vector<PageKey>{0, 1, 2, 1});
  try {
    parse_trace("1\n2\n 3\n4\n5x\n", "t", {});
    FAIL("no error");
  } catch (const TraceError& e) {
    CHECK(std::string(e.what()) == "t:5: error: expected an unsigned 64-bit integer id, found '5x'");
  }
  // A bare CR at the very end, and a 20-digit id that fits in 64 bits.
  const Trace cr = parse_trace("7\r\n10000000000000000000\r", "t", {});
  CHECK(cr.page_ids == std::vector<std::uint64_t>{7, 10000000000000000000ull});
}

TEST_CASE("concatenated gzip members are read as one trace") {
  const Trace t = read_trace(data("two_members.txt.gz"), {});
  CHECK(t.page_ids == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(t.keys == std::vector<PageKey>{0, 1, 2, 0});
}
