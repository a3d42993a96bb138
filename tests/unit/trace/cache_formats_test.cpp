// libCacheSim oracleGeneral traces, zstd-compressed inputs, sized traces (byte and request miss
// ratios), --frames as sizes, --out: closed forms on small generated traces, and brute-force
// equivalence of the same trace stored plain, gzipped and zstd-compressed. Every file is generated here.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>
#include <utility>

#include "naive_policies.hpp"
#include "sim/trace/mrc.hpp"
#include "sim/trace/replay.hpp"
#include "sim/trace/trace_reader.hpp"
#include "tests/unit/trace/run_trace_command.hpp"
#include "tests/unit/trace/gzip_helper.hpp"

using namespace headroom::trace;
using headroom::mm::PageKey;
using headroom::trace::test::Run;
using headroom::trace::test::run;

namespace {

namespace fs = std::filesystem;

// This process's scratch directory, removed when the process ends (its traces reach a few MB).
struct ScratchDir {
  fs::path path = fs::temp_directory_path() / ("headroom-cachefmt-" + std::to_string(::getpid()));
  ScratchDir() { fs::create_directories(path); }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};
fs::path temp_dir() {
  static const ScratchDir dir;
  return dir.path;
}

std::string write_file(const std::string& name, const std::string& bytes) {
  const auto path = temp_dir() / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

struct Request {
  std::uint64_t id = 0;
  std::uint32_t size_bytes = 0;
};

// One oracleGeneral record, little-endian, written byte by byte (independent of the reader's decoding).
void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
std::string oracle_general(const std::vector<Request>& requests) {
  std::string out;
  std::uint32_t clock = 0;
  for (const auto& r : requests) {
    put_le(out, clock++, 4);
    put_le(out, r.id, 8);
    put_le(out, r.size_bytes, 4);
    put_le(out, ~std::uint64_t{0}, 8);  // next_access_vtime -1: not used
  }
  return out;
}

std::string zstd(const std::string& data, int level = 3) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const std::size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  REQUIRE(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

using headroom::test::gzip;

// The six requests used for the closed forms: object 1 (one page), 2 (one page), 1, 3 (two pages),
// 1, 2 again at 100 bytes. Page references: 1, 2, 1, 3a, 3b, 1, 2.
const std::vector<Request> kSmall{{1, 4096}, {2, 4096}, {1, 4096}, {3, 8192}, {1, 4096}, {2, 100}};

Run cache(const std::string& path, std::vector<std::string> extra) {
  std::vector<std::string> args{"cache", path};
  args.insert(args.end(), extra.begin(), extra.end());
  return run(args);
}

// Byte and row misses of a naive LRU over (object, page) keys: the reference for the sized replay.
struct NaiveTally {
  std::uint64_t misses = 0, row_misses = 0, bytes = 0, byte_misses = 0;
};
NaiveTally naive_lru(const std::vector<Request>& requests, std::size_t frames, std::uint64_t page_bytes) {
  naive::Lru lru(frames);
  std::map<std::pair<std::uint64_t, std::uint64_t>, naive::Key> keys;
  NaiveTally t;
  for (const auto& r : requests) {
    bool row_missed = false;
    for (std::uint64_t i = 0; i * page_bytes < r.size_bytes; ++i) {
      const auto key = keys.emplace(std::make_pair(r.id, i), keys.size()).first->second;
      const std::uint64_t held = std::min<std::uint64_t>(page_bytes, r.size_bytes - i * page_bytes);
      t.bytes += held;
      if (lru.access(key).hit) continue;
      ++t.misses;
      t.byte_misses += held;
      row_missed = true;
    }
    t.row_misses += row_missed;
  }
  return t;
}

}  // namespace

TEST_CASE("oracleGeneral: closed-form page, request and byte misses on a six-request trace") {
  const auto path = write_file("small.oracleGeneral", oracle_general(kSmall));
  const Trace t = read_trace(path, {});
  CHECK(t.sized);
  CHECK(t.rows == 6);
  CHECK(t.references == 7);  // object 3 spans two pages
  CHECK(t.unique() == 4);
  CHECK(t.bytes == 4096 * 4 + 8192 + 100);
  CHECK(t.page_ids == std::vector<std::uint64_t>{1, 2, 3, 3});  // both pages of object 3 stand for it
  CHECK(t.ref_bytes == std::vector<std::uint32_t>{4096 | kRowStart, 4096 | kRowStart, 4096 | kRowStart,
                                                  4096 | kRowStart, 4096, 4096 | kRowStart, 100 | kRowStart});
  const Run r = cache(path, {"--policy", "lru,opt", "--frames", "2,3", "--format", "csv"});
  CHECK(r.exit_code == 0);
  // LRU 2 frames: 1 M, 2 M, 1 H, 3a M (evicts 2), 3b M (evicts 1), 1 M, 2 M: 6 page misses, 5 rows
  // of 6 (only the third hits), bytes missed all but request 3's 4096.
  // LRU 3 frames: 1 M, 2 M, 1 H, 3a M (evicts 2), 3b M, 1 H, 2 M (evicts 3a): 5 misses, 4 rows,
  // 24676 - 8192 bytes missed... minus the 4096 of each hit: 24676 - 8192 = 16484.
  // OPT 2 frames: 1 M, 2 M, 1 H, 3a M (evicts 2: next use latest), 3b M (evicts 3a: never again),
  // 1 H, 2 M: 5 misses, 4 rows; OPT 3: 1 M, 2 M, 1 H, 3a M, 3b M (evicts 3a), 1 H, 2 H: 4, 3 rows.
  CHECK(r.out ==
        "policy,frames,requests,misses,miss_ratio,rows,request_misses,request_miss_ratio,bytes,byte_misses,byte_miss_ratio\n"
        "lru,2,7,6,0.8571428571428571,6,5,0.8333333333333334,24676,20580,0.8340087534446425\n"
        "lru,3,7,5,0.7142857142857143,6,4,0.6666666666666666,24676,16484,0.6680175068892852\n"
        "opt,2,7,5,0.7142857142857143,6,4,0.6666666666666666,24676,16484,0.6680175068892852\n"
        "opt,3,7,4,0.5714285714285714,6,3,0.5,24676,16384,0.6639649862214297\n");
}

TEST_CASE("oracleGeneral: named by --trace-format whatever the file name, an ordinary name reads as text") {
  const auto path = write_file("small.bin", oracle_general(kSmall));
  const Run text = cache(path, {"--policy", "lru", "--frames", "2"});
  CHECK(text.exit_code == 2);
  CHECK(text.err == path + ":1: error: expected text, found binary data (a NUL byte at column 1)\n");
  const Run og = cache(path, {"--policy", "lru", "--frames", "2", "--trace-format", "oracleGeneral", "--format", "json"});
  CHECK(og.exit_code == 0);
  CHECK(og.out.find("\"rows\": 6, \"bytes\": 24676") != std::string::npos);
  // libCacheSim's compressed names (x.oracleGeneral.bin.zst) are detected too.
  const auto zst = write_file("w01.oracleGeneral.bin.zst", zstd(oracle_general(kSmall)));
  CHECK(cache(zst, {"--policy", "lru", "--frames", "2", "--format", "json"}).out ==
        std::string(og.out).replace(og.out.find(path), path.size(), zst));
  // Text options make no sense there: refused, not ignored.
  const Run both = cache(zst, {"--policy", "lru", "--frames", "2", "--id-col", "x"});
  CHECK(both.exit_code == 2);
  CHECK(both.err == zst + ": error: expected no --id-col, --size-col, --time-col or --id-unit bytes with an "
                          "oracleGeneral trace (its records carry object ids and sizes), found one\n");
}

TEST_CASE("oracleGeneral: a truncated last record names its byte offset, whatever the compression") {
  std::string bytes = oracle_general(kSmall);
  bytes.resize(bytes.size() - 5);  // the sixth record loses 5 of its 24 bytes
  const std::string expected = ": error: expected whole 24-byte oracleGeneral records, found a truncated record of 19 bytes "
                               "at byte offset 120 (record 6)\n";
  const auto plain = write_file("cut.oracleGeneral", bytes);
  CHECK(cache(plain, {"--policy", "lru", "--frames", "2"}).err == plain + expected);
  const auto z = write_file("cut.oracleGeneral.zst", zstd(bytes));
  CHECK(cache(z, {"--policy", "lru", "--frames", "2"}).err == z + expected);
  const auto g = write_file("cut.oracleGeneral.gz", gzip(bytes));
  const Run mrc = run({"mrc", g});
  CHECK(mrc.exit_code == 2);
  CHECK(mrc.err == g + expected);
  // Under --on-bad-row skip too: a cut file is not a bad row.
  CHECK(cache(plain, {"--policy", "lru", "--frames", "2", "--on-bad-row", "skip"}).exit_code == 2);
}

TEST_CASE("oracleGeneral: zero-size objects are bad rows (failed, or skipped and counted), huge ones hit the row limit") {
  std::vector<Request> requests = kSmall;
  requests.insert(requests.begin() + 2, {9, 0});
  const auto path = write_file("zero.oracleGeneral", oracle_general(requests));
  const Run fail = cache(path, {"--policy", "lru", "--frames", "2"});
  CHECK(fail.exit_code == 2);
  CHECK(fail.err == path + ": record 3 at byte offset 48: error: expected an object size of at least 1 byte, found 0 "
                           "(object id 9)\n");
  const Run skip = cache(path, {"--policy", "lru", "--frames", "2", "--on-bad-row", "skip", "--format", "csv"});
  CHECK(skip.exit_code == 0);
  CHECK(skip.err == path + ": warning: skipped 1 bad rows; the first: " + path +
                        ": record 3 at byte offset 48: error: expected an object size of at least 1 byte, found 0 "
                        "(object id 9)\n");
  CHECK(skip.out.find("lru,2,7,6,0.8571428571428571,6,5,") != std::string::npos);  // as without the record
  const auto huge = write_file("huge.oracleGeneral", oracle_general({{1, 0xFFFFFFFFu}}));
  CHECK(cache(huge, {"--policy", "lru", "--frames", "2"}).err ==
        huge + ": record 1 at byte offset 0: error: expected at most 65536 pages in a record (--max-row-pages), found "
               "1048576 pages (4294967295 bytes) (object id 1)\n");
}

TEST_CASE("oracleGeneral: sized replay equals a naive LRU over (object, page) keys, on random traces") {
  std::mt19937_64 rng(10);
  for (int round = 0; round < 20; ++round) {
    std::vector<Request> requests;
    const std::uint64_t objects = 1 + rng() % 40;
    for (int i = 0; i < 400; ++i) requests.push_back({rng() % objects, static_cast<std::uint32_t>(1 + rng() % 20000)});
    const std::uint64_t page = round % 2 ? 4096 : 1000;
    TraceOptions o;
    o.page_bytes = page;
    const Trace t = parse_oracle_general(oracle_general(requests), "random", o);
    for (const std::uint64_t frames : {1, 3, 10, 50}) {
      const NaiveTally want = naive_lru(requests, frames, page);
      const CacheResult got = replay_all({"lru"}, {frames}, t, 1).front();
      CAPTURE(round);
      CAPTURE(frames);
      CHECK(got.misses == want.misses);
      CHECK(got.row_misses == want.row_misses);
      CHECK(got.rows == requests.size());
      CHECK(got.bytes == want.bytes);
      CHECK(got.byte_misses == want.byte_misses);
      // The exact MRC's byte curve is a second, independent count of the same LRU byte misses.
      const MissRatioCurve curve = exact_lru_mrc(t.keys, t.unique(), t.ref_bytes);
      CHECK(curve.byte_miss_ratio(frames) == doctest::Approx(static_cast<double>(want.byte_misses) /
                                                              static_cast<double>(want.bytes)).epsilon(1e-12));
    }
  }
}

TEST_CASE("byte miss ratio closed forms: a cycle of N objects in N - 1 frames misses every byte, in N only cold ones") {
  // Five objects of 100, 200, ..., 500 bytes (one page each), cycled 10 times.
  std::vector<Request> requests;
  for (int round = 0; round < 10; ++round)
    for (std::uint32_t i = 1; i <= 5; ++i) requests.push_back({i, 100 * i});
  const auto path = write_file("cycle.oracleGeneral", oracle_general(requests));
  const Run r = cache(path, {"--policy", "lru,fifo", "--frames", "4,5", "--format", "json"});
  CHECK(r.exit_code == 0);
  // 4 frames: LRU and FIFO miss every reference of the cycle: ratios 1. 5 frames: only the first
  // round misses, 1500 of 15000 bytes, 5 of 50 requests.
  const std::string four = "\"misses\": 50, \"miss_ratio\": 1, \"request_misses\": 50, \"request_miss_ratio\": 1, "
                           "\"byte_misses\": 15000, \"byte_miss_ratio\": 1}";
  const std::string five = "\"misses\": 5, \"miss_ratio\": 0.1, \"request_misses\": 5, \"request_miss_ratio\": 0.1, "
                           "\"byte_misses\": 1500, \"byte_miss_ratio\": 0.1}";
  CHECK(r.out == "{\"trace\": \"" + path + "\", \"requests\": 50, \"unique\": 5, \"skipped_rows\": 0, \"rows\": 50, "
                 "\"bytes\": 15000, \"results\": [{\"policy\": \"lru\", \"frames\": 4, " + four +
                 ", {\"policy\": \"lru\", \"frames\": 5, " + five + ", {\"policy\": \"fifo\", \"frames\": 4, " + four +
                 ", {\"policy\": \"fifo\", \"frames\": 5, " + five + "]}\n");
  // Unequal sizes make the two ratios differ: object 5 (500 bytes) re-referenced, the others once.
  const auto skew = write_file("skew.oracleGeneral", oracle_general({{1, 100}, {5, 500}, {5, 500}, {2, 100}}));
  const Run s = cache(skew, {"--policy", "lru", "--frames", "2", "--format", "csv"});
  // Misses: 1, 5, 2 (3 of 4 requests); bytes missed 700 of 1200.
  CHECK(s.out.find("lru,2,4,3,0.75,4,3,0.75,1200,700,0.5833333333333334\n") != std::string::npos);
}

TEST_CASE("CSV size column: byte weights follow the bytes each page holds, also for byte offsets") {
  // Offset 4000, 200 bytes: 96 bytes on page 0, 104 on page 1.
  TraceOptions o;
  o.id_col = "offset";
  o.size_col = "size";
  o.id_unit = IdUnit::bytes;
  const Trace t = parse_trace("offset,size\n4000,200\n0,4096\n", "m", o);
  CHECK(t.keys == std::vector<PageKey>{0, 1, 0});
  CHECK(t.ref_bytes == std::vector<std::uint32_t>{96 | kRowStart, 104, 4096 | kRowStart});
  CHECK(t.bytes == 4296);
  // Page ids: the row covers id .. id + ceil(size / page) - 1, each page full but the last.
  o.id_unit = IdUnit::page;
  const Trace p = parse_trace("offset,size\n7,5000\n", "m", o);
  CHECK(p.ref_bytes == std::vector<std::uint32_t>{4096 | kRowStart, 904});
  // Unsized traces carry no weights and print as they always did.
  CHECK_FALSE(parse_trace("1\n2\n", "m", {}).sized);
}

TEST_CASE("zstd: the same trace plain, gzipped, zstd (one frame, several frames) reads to the same keys") {
  std::mt19937_64 rng(3);
  std::string text;
  for (int i = 0; i < 200000; ++i) text += std::to_string(rng() % 5000) + (i % 7 ? "\n" : "\r\n");
  const auto plain = write_file("eq.txt", text);
  const auto gz = write_file("eq.txt.gz", gzip(text));
  const auto zst = write_file("eq.txt.zst", zstd(text, 1));
  // Frames split inside a line: the reader joins them.
  const auto frames = write_file("eq_frames.zst", zstd(text.substr(0, 333333)) + zstd(text.substr(333333)));
  const Trace want = read_trace(plain, {});
  CHECK(want.references == 200000);
  for (const auto& path : {gz, zst, frames}) {
    CAPTURE(path);
    const Trace got = read_trace(path, {});
    CHECK(got.keys == want.keys);
    CHECK(got.page_ids == want.page_ids);
  }
  // oracleGeneral too, large enough that records straddle the reader's blocks.
  std::vector<Request> requests;
  for (int i = 0; i < 60000; ++i) requests.push_back({rng() % 3000, static_cast<std::uint32_t>(1 + rng() % 9000)});
  const std::string og = oracle_general(requests);
  const auto og_plain = write_file("eq.oracleGeneral", og);
  const auto og_zst = write_file("eq.oracleGeneral.zst", zstd(og));
  const auto og_gz = write_file("eq.oracleGeneral.gz", gzip(og));
  const Trace og_want = read_trace(og_plain, {});
  CHECK(og_want.rows == 60000);
  for (const auto& path : {og_zst, og_gz}) {
    const Trace got = read_trace(path, {});
    CHECK(got.keys == og_want.keys);
    CHECK(got.ref_bytes == og_want.ref_bytes);
  }
  // And the streamed replay agrees with the whole-trace one on the compressed file.
  const auto whole = replay_all({"lru", "arc"}, {100, 1000}, og_want, 1);
  const Run streamed = cache(og_zst, {"--policy", "lru,arc", "--frames", "100,1000", "--format", "csv", "--threads", "2"});
  for (const auto& r : whole)
    CHECK(streamed.out.find(fmt::format("{},{},{},{},{},{},{},", r.policy, r.frames, r.requests, r.misses,
                                        r.miss_ratio(), r.rows, r.row_misses)) != std::string::npos);
}

TEST_CASE("zstd: a truncated or corrupt stream is one error, exit 2") {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += std::to_string(i % 977) + "\n";
  const std::string z = zstd(text);
  const auto cut = write_file("cut.txt.zst", z.substr(0, z.size() / 2));
  const Run t = cache(cut, {"--policy", "lru", "--frames", "2"});
  CHECK(t.exit_code == 2);
  CHECK(t.err == cut + ": error: expected zstd data, found a truncated stream\n");
  std::string bad = z;
  for (std::size_t i = 12; i < bad.size(); i += 97) bad[i] = static_cast<char>(bad[i] ^ 0x5A);
  const auto corrupt = write_file("corrupt.txt.zst", bad);
  const Run c = cache(corrupt, {"--policy", "lru", "--frames", "2"});
  CHECK(c.exit_code == 2);
  CHECK(c.err.rfind(corrupt + ": error: expected zstd data, found a corrupt stream (", 0) == 0);
  CHECK(std::count(c.err.begin(), c.err.end(), '\n') == 1);
  // Only the magic bytes: a frame that never starts.
  const auto magic = write_file("magic.zst", std::string("\x28\xB5\x2F\xFD", 4));
  CHECK(cache(magic, {"--policy", "lru", "--frames", "2"}).err == magic + ": error: expected zstd data, found a truncated stream\n");
  // Garbage after a whole frame is a corrupt stream, not silently ignored.
  const auto tail = write_file("tail.txt.zst", z + "junk");
  CHECK(cache(tail, {"--policy", "lru", "--frames", "2"}).exit_code == 2);
  // A frame whose window exceeds libzstd's default limit (zstd --long=28): named, not "corrupt".
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 28);
  std::string wide(ZSTD_compressBound(text.size()) + 64, '\0');
  ZSTD_inBuffer in{text.data(), text.size(), 0};
  ZSTD_outBuffer zout{wide.data(), wide.size(), 0};
  REQUIRE(ZSTD_compressStream2(cctx, &zout, &in, ZSTD_e_continue) == 0);  // size not pledged: a window descriptor
  REQUIRE(ZSTD_compressStream2(cctx, &zout, &in, ZSTD_e_end) == 0);
  ZSTD_freeCCtx(cctx);
  wide.resize(zout.pos);
  const auto long_window = write_file("long.txt.zst", wide);
  CHECK(cache(long_window, {"--policy", "lru", "--frames", "2"}).err ==
        long_window + ": error: expected zstd data with a window of at most 128 MiB, found a larger window (written with "
                      "zstd --long=28 or more: recompress without --long)\n");
  // An empty frame is an empty trace.
  const auto empty = write_file("empty.txt.zst", zstd(""));
  CHECK(cache(empty, {"--policy", "lru", "--frames", "2"}).err == empty + ": error: expected at least one reference, found none\n");
}

TEST_CASE("--frames takes sizes: 8KiB of 4 KiB pages is 2 frames, refused below one page") {
  const auto path = write_file("sizes.oracleGeneral", oracle_general(kSmall));
  const Run counts = cache(path, {"--policy", "lru", "--frames", "2,3", "--format", "csv"});
  const Run sizes = cache(path, {"--policy", "lru", "--frames", "8KiB,12287B", "--format", "csv"});
  CHECK(sizes.exit_code == 0);
  CHECK(sizes.out.find("lru,2,7,6,") != std::string::npos);
  CHECK(sizes.out.find("lru,2,7,6,") == counts.out.find("lru,2,7,6,"));  // 12287 B rounds down to 2 frames
  CHECK(sizes.out.find("lru,3,") == std::string::npos);
  // With 2 KiB pages, 8KiB is 4 frames.
  CHECK(cache(path, {"--policy", "lru", "--frames", "8KiB", "--page-size", "2KiB", "--format", "csv"})
            .out.find("\nlru,4,") != std::string::npos);
  CHECK(cache(path, {"--policy", "lru", "--frames", "0GiB"}).err ==
        "headroom cache: error: --frames: expected a size of 1 to 4294967294 pages of 4096 bytes (--page-size), found "
        "'0GiB' (0 pages)\n");
  CHECK(cache(path, {"--policy", "lru", "--frames", "1.5"}).err ==
        "headroom cache: error: --frames: expected a whole number of frames from 1 to 4294967294 or a size with a unit "
        "(4096B, 1GiB), found '1.5'\n");
  CHECK(cache(path, {"--policy", "lru", "--frames", "20TiB", "--page-size", "1"}).exit_code == 2);  // > 2^32 frames
  CHECK(cache(path, {"--policy", "lru", "--frames", "-1GiB"}).exit_code == 2);
  CHECK(cache(path, {"--policy", "lru", "--frames", "00"}).err ==
        "headroom cache: error: --frames: expected at least 1 frame, found '00'\n");
}

TEST_CASE("--out writes the report atomically instead of printing it, on cache and mrc") {
  const auto path = write_file("out.oracleGeneral", oracle_general(kSmall));
  const Run printed = cache(path, {"--policy", "lru", "--frames", "2"});
  const auto out = (temp_dir() / "report.txt").string();
  const Run written = cache(path, {"--policy", "lru", "--frames", "2", "--out", out});
  CHECK(written.exit_code == 0);
  CHECK(written.out.empty());
  std::stringstream file;
  file << std::ifstream(out).rdbuf();
  CHECK(file.str() == printed.out);
  const auto mrc_out = (temp_dir() / "mrc.json").string();
  CHECK(run({"mrc", path, "--format", "json", "--out", mrc_out}).out.empty());
  std::stringstream mrc_file;
  mrc_file << std::ifstream(mrc_out).rdbuf();
  CHECK(mrc_file.str() == run({"mrc", path, "--format", "json"}).out);
  CHECK(cache(path, {"--policy", "lru", "--frames", "2", "--out", "-"}).out == printed.out);
  // Refused before reading the trace: a directory, an empty value.
  const Run dir = cache("/nonexistent", {"--policy", "lru", "--frames", "2", "--out", temp_dir().string()});
  CHECK(dir.err == "headroom cache: error: cannot write '" + temp_dir().string() + "': expected a file, found a directory\n");
  CHECK(cache(path, {"--policy", "lru", "--frames", "2", "--out", ""}).err ==
        "headroom cache: error: --out: expected a file path, found an empty value\n");
}

TEST_CASE("mrc of a sized trace: the byte curve beside the request curve, marks included") {
  const auto path = write_file("mrc.oracleGeneral", oracle_general(kSmall));
  const Run r = run({"mrc", path, "--ram", "12KiB", "--os-reserve", "0"});
  CHECK(r.exit_code == 0);
  // Stack distances: 1 cold, 2 cold, 1 d=2, 3a cold, 3b cold, 1 d=3, 2 d=4 (100 bytes).
  CHECK(r.out == "frames,cache_bytes,miss_ratio,byte_miss_ratio,mark\n"
                 "0,0,1,1,\n"
                 "2,8192,0.8571428571428571,0.8340087534446425,\n"
                 "3,12288,0.7142857142857143,0.6680175068892852,\n"
                 "3,12288,0.7142857142857143,0.6680175068892852,ram_12KiB\n"
                 "4,16384,0.5714285714285714,0.6639649862214297,\n");
  // SHARDS at rate 1/2 keeps the sampled references' bytes.
  const Run sampled = run({"mrc", path, "--sample", "0.5", "--format", "json"});
  CHECK(sampled.exit_code == 0);
  CHECK(sampled.out.find("\"byte_miss_ratio\"") != std::string::npos);
}

TEST_CASE("sized replay: a row longer than a chunk counts as one request, hit or missed as a whole") {
  // Object 1 spans 70,000 pages (more than the 16,384-key chunks the reader hands on, and more than
  // the 65,536 pages after which a row flushes mid-row); requested twice with room for all of it:
  // the first request misses every page, the second hits every page.
  const auto path = write_file("long_row.oracleGeneral", oracle_general({{1, 70000u * 4096}, {1, 70000u * 4096}}));
  const std::vector<std::string> common{"--frames", "100000", "--max-row-pages", "70000", "--format", "csv"};
  std::vector<std::string> streamed{"--policy", "lru", "--threads", "1"};
  streamed.insert(streamed.end(), common.begin(), common.end());
  std::vector<std::string> held{"--policy", "opt"};  // opt holds the whole trace: the other path
  held.insert(held.end(), common.begin(), common.end());
  const std::string rest = ",100000,140000,70000,0.5,2,1,0.5,573440000,286720000,0.5\n";
  CHECK(cache(path, streamed).out.find("\nlru" + rest) != std::string::npos);
  CHECK(cache(path, held).out.find("\nopt" + rest) != std::string::npos);
  // 69,999 frames: LRU misses every page both times (the object cycles through a smaller cache).
  const Run small = cache(path, {"--policy", "lru", "--frames", "69999", "--max-row-pages", "70000", "--format", "csv"});
  CHECK(small.out.find("\nlru,69999,140000,140000,1,2,2,1,573440000,573440000,1\n") != std::string::npos);
}

TEST_CASE("sized table output: rows and bytes in the header, request and byte miss ratios as columns") {
  const auto path = write_file("table.oracleGeneral", oracle_general(kSmall));
  CHECK(cache(path, {"--policy", "lru", "--frames", "2"}).out ==
        "trace: " + path + "\n"
        "requests: 7  unique_pages: 4  skipped_rows: 0\n"
        "rows: 6  bytes: 24676\n"
        "policy         frames       misses miss_ratio req_miss_ratio byte_miss_ratio\n"
        "lru                 2            6   0.857143       0.833333        0.834009\n");
}

TEST_CASE("a zstd-compressed oracleGeneral trace read from a FIFO (zstd -dc ... | headroom) is read like the file") {
  const auto fifo = temp_dir() / "og_fifo";
  fs::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string z = zstd(oracle_general(kSmall));
  // `keep` (read-write) stays open until the writer is done: the FIFO always has a reader, so no
  // write can raise SIGPIPE however late the reader comes; the reader sees the end once both close.
  const int keep = ::open(fifo.c_str(), O_RDWR);
  REQUIRE(keep >= 0);
  const int w = ::open(fifo.c_str(), O_WRONLY);
  REQUIRE(w >= 0);
  // Two writes with a pause: the reader meets the end of its first read inside the frame.
  ssize_t written = ::write(w, z.data(), 10);  // checked after join: assertions stay on this thread
  std::thread writer([w, keep, &z, &written] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    written += ::write(w, z.data() + 10, z.size() - 10);
    ::close(w);
    ::close(keep);
  });
  const Run r = cache(fifo.string(), {"--policy", "lru", "--frames", "2", "--trace-format", "oracleGeneral", "--format", "csv"});
  writer.join();
  CHECK(written == static_cast<ssize_t>(z.size()));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\nlru,2,7,6,0.8571428571428571,6,5,0.8333333333333334,24676,20580,") != std::string::npos);
}
