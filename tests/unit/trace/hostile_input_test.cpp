// Hostile and unusual trace inputs, generated here at test time (nothing large is shipped): each
// must be refused with one message naming what was expected and found, quickly and in bounded
// memory. Time and memory are not asserted (shared machines); the message and exit status are, and
// each input is sized so that reading it through would take far longer than the suite allows.
#include <doctest/doctest.h>

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "policy_helpers.hpp"
#include "sim/trace/cli.hpp"
#include "tests/unit/trace/run_trace_command.hpp"
#include "sim/trace/input.hpp"
#include "sim/trace/mrc.hpp"
#include "sim/trace/replay.hpp"
#include "sim/trace/trace_reader.hpp"
#include "tests/unit/trace/gzip_helper.hpp"

using namespace headroom::trace;
using headroom::mm::PageKey;

namespace {

namespace fs = std::filesystem;

using headroom::trace::test::Run;
using headroom::trace::test::run;

fs::path temp_dir() {
  const auto dir = fs::temp_directory_path() / ("headroom-hostile-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string write_file(const std::string& name, const std::string& bytes) {
  const auto path = temp_dir() / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

Run cache_lru(const std::string& path, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"cache", path, "--policy", "lru", "--frames", "8"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run(args);
}

// One gzip member of `bytes` zero bytes (about 1 KiB per MiB).
std::string gzip_zeros(std::size_t bytes) {
  const std::string zeros(bytes, '\0');
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, bytes), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
  z.avail_in = static_cast<uInt>(bytes);
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

TEST_CASE("/dev/zero is binary data, refused at line 1") {
  const auto r = cache_lru("/dev/zero");
  CHECK(r.exit_code == 2);
  CHECK(r.err == "/dev/zero:1: error: expected text, found binary data (a NUL byte at column 1)\n");
  CHECK(r.out.empty());
}

TEST_CASE("a 1 GiB run of NUL bytes (a sparse file) is refused at its first byte") {
  const auto path = (temp_dir() / "nul_1gib.txt").string();
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, off_t{1} << 30) == 0);
  ::close(fd);
  const auto r = cache_lru(path);
  CHECK(r.exit_code == 2);
  CHECK(r.err == path + ":1: error: expected text, found binary data (a NUL byte at column 1)\n");
  const auto m = run({"mrc", path});  // the whole-trace reader stops as early
  CHECK(m.err == r.err);
  fs::remove(path);
}

TEST_CASE("an 800 MiB gzip bomb of zeros is refused after its first block") {
  // 800 members of 1 MiB of zeros each: about 800 KiB on disk, 800 MiB inflated.
  const std::string member = gzip_zeros(std::size_t{1} << 20);
  std::string bomb;
  for (int i = 0; i < 800; ++i) bomb += member;
  const auto path = write_file("bomb.txt.gz", bomb);
  const auto r = cache_lru(path);
  CHECK(r.exit_code == 2);
  CHECK(r.err == path + ":1: error: expected text, found binary data (a NUL byte at column 1)\n");
}

TEST_CASE("NUL bytes after good lines name the line and column") {
  const std::string text("1\n2\n33\n4\0\n", 10);
  const auto p = write_file("late_nul.txt", text);
  const auto r = cache_lru(p);
  CHECK(r.err == p + ":4: error: expected text, found binary data (a NUL byte at column 2)\n");
}

TEST_CASE("a 10 MB line of commas is refused as too long, plain and CSV") {
  const auto path = write_file("commas.txt", std::string(10u << 20, ','));
  const std::string message = path + ":1: error: expected a line of at most 65536 bytes, found a longer one ('" +
                              std::string(60, ',') + "...')\n";
  const auto plain = cache_lru(path);
  CHECK(plain.exit_code == 2);
  CHECK(plain.err == message);
  const auto csv = cache_lru(path, {"--id-col", "a"});
  CHECK(csv.exit_code == 2);
  CHECK(csv.err == message);
  // A long line after good ones, ended by a newline, is caught by the parser with its number.
  const auto later = write_file("long_later.csv", "a\n1\n" + std::string(70000, '7') + "\n2\n");
  const auto r = cache_lru(later, {"--id-col", "a"});
  CHECK(r.err == later + ":3: error: expected a line of at most 65536 bytes, found a longer one ('" +
                     std::string(60, '7') + "...')\n");
  // In memory (parse_trace) too.
  try {
    parse_trace("1\n" + std::string(70000, '1') + "\n", "m", {});
    FAIL("no error");
  } catch (const TraceError& e) {
    CHECK(std::string(e.what()).rfind("m:2: error: expected a line of at most 65536 bytes", 0) == 0);
  }
}

TEST_CASE("a line of exactly 65536 bytes is still a line") {
  std::string id(65536, ' ');
  id.replace(0, 3, "123");
  const Trace t = parse_trace("1\n" + id + "\n", "m", {});
  CHECK(t.page_ids == std::vector<std::uint64_t>{1, 123});
}

TEST_CASE("one CSV row with a 64 GiB object is refused, --max-row-pages raises the limit") {
  const auto path = write_file("huge_object.csv", "offset,size\n0,4096\n0,68719476736\n");
  const auto r = cache_lru(path, {"--id-col", "offset", "--size-col", "size"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == path + ":3: error: expected at most 65536 pages in a row (--max-row-pages), found 16777216 pages in "
                        "'0,68719476736'\n");
  // 1 MiB = 256 pages: refused at 255, accepted at 256.
  const auto small = write_file("mib_object.csv", "offset,size\n0,1048576\n");
  CHECK(cache_lru(small, {"--id-col", "offset", "--size-col", "size", "--max-row-pages", "255"}).exit_code == 2);
  const auto ok = cache_lru(small, {"--id-col", "offset", "--size-col", "size", "--max-row-pages", "256", "--format", "csv"});
  CHECK(ok.exit_code == 0);
  // A size column makes the trace sized: one row (request) of 1 MiB, all of it missed.
  CHECK(ok.out == "policy,frames,requests,misses,miss_ratio,rows,request_misses,request_miss_ratio,bytes,byte_misses,"
                  "byte_miss_ratio\nlru,8,256,256,1,1,1,1,1048576,1048576,1\n");
}

TEST_CASE("a row expanding to more pages than a chunk streams in chunks and keeps its order") {
  TraceOptions o;
  o.id_col = "offset";
  o.size_col = "size";
  o.max_row_pages = 200000;
  // One row of 100000 pages (more than a 65536-key chunk), then pages 0..2 again: 100003
  // references, 100000 distinct pages, in file order across the chunk boundary.
  const auto path = write_file("chunked.csv", "offset,size\n0,409600000\n0,12288\n");
  std::vector<PageKey> streamed;
  const Trace t = stream_trace(path, o, [&](std::span<const PageKey> keys, const std::vector<std::uint64_t>& ids) {
    for (const PageKey k : keys) REQUIRE(k < ids.size());  // every key is mapped when handed over
    streamed.insert(streamed.end(), keys.begin(), keys.end());
  });
  CHECK(t.references == 100003);
  CHECK(t.keys.empty());
  CHECK(t.unique() == 100000);
  REQUIRE(streamed.size() == 100003);
  CHECK(streamed[99999] == 99999);
  CHECK(streamed[100000] == 0);
  CHECK(streamed[100002] == 2);
  CHECK(read_trace(path, o).keys == streamed);
}

TEST_CASE("the whole-trace readers refuse more references than max_held_references") {
  TraceOptions o;
  o.max_held_references = 3;
  try {
    parse_trace("1\n2\n3\n4\n", "m", o);
    FAIL("no error");
  } catch (const TraceError& e) {
    CHECK(std::string(e.what()) ==
          "m: error: expected at most 3 references (opt and the exact miss-ratio curve hold the whole trace in memory), "
          "found more (use online policies, or mrc --sample)");
  }
  o.max_held_references = 4;
  CHECK(parse_trace("1\n2\n3\n4\n", "m", o).references == 4);
}

TEST_CASE("a directory, a symlink loop, a dangling link and a FIFO each get their own message") {
  const auto dir = temp_dir();
  const auto r = cache_lru(dir.string());
  CHECK(r.exit_code == 2);
  CHECK(r.err == dir.string() + ": error: expected a readable trace file, found a directory\n");
  CHECK(run({"mrc", dir.string()}).err == r.err);

  const auto a = dir / "loop_a", b = dir / "loop_b";
  fs::remove(a);
  fs::remove(b);
  fs::create_symlink(b, a);
  fs::create_symlink(a, b);
  CHECK(cache_lru(a.string()).err ==
        a.string() + ": error: expected a readable trace file, found a symbolic link loop (too many levels of symbolic links)\n");

  const auto dangling = dir / "dangling";
  fs::remove(dangling);
  fs::create_symlink(dir / "nowhere", dangling);
  CHECK(cache_lru(dangling.string()).err ==
        dangling.string() + ": error: expected a readable trace file, found a symbolic link to a missing file\n");

  // A named pipe nobody writes to: refused at once instead of waiting forever for a writer.
  const auto fifo = dir / "fifo";
  fs::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto f = cache_lru(fifo.string());
  CHECK(f.exit_code == 2);
  CHECK(f.err == fifo.string() + ": error: expected a readable trace file, found a named pipe (FIFO) with no writer\n");

  const auto under_file = write_file("plain.txt", "1\n") + "/x";
  CHECK(cache_lru(under_file).err ==
        under_file + ": error: expected a readable trace file, found a path through a file that is not a directory\n");
}

TEST_CASE("a FIFO with a writer is read like a file") {
  const auto fifo = temp_dir() / "fed_fifo";
  fs::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Open the write end first (non-blocking open of a read end is not possible before a reader;
  // O_RDWR on a FIFO is Linux's way to hold it open), write, then let the reader see EOF on close.
  const int keep = ::open(fifo.c_str(), O_RDWR);
  REQUIRE(keep >= 0);
  const int w = ::open(fifo.c_str(), O_WRONLY);
  REQUIRE(w >= 0);
  const std::string text = "1\n2\n1\n3\n";
  REQUIRE(::write(w, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(keep);
  std::thread closer([w] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::close(w);
  });
  const auto r = cache_lru(fifo.string(), {"--format", "csv"});
  closer.join();
  CHECK(r.exit_code == 0);
  CHECK(r.out == "policy,frames,requests,misses,miss_ratio\nlru,8,4,3,0.75\n");
}

TEST_CASE("an unreadable file says permission denied (only testable when not root)") {
  const auto path = write_file("secret.txt", "1\n");
  fs::permissions(path, fs::perms::none);
  if (::geteuid() == 0) {
    // root reads any file: chmod cannot make one unreadable here, so only the message for
    // EACCES is left untested (see sim/trace/input.cpp, open_failure).
    CHECK(cache_lru(path).exit_code == 0);
  } else {
    CHECK(cache_lru(path).err == path + ": error: expected a readable trace file, found a file this user may not read "
                                        "(permission denied)\n");
  }
  fs::permissions(path, fs::perms::owner_all);
}

TEST_CASE("a UTF-8 byte-order mark before a CSV header or a plain trace is skipped") {
  TraceOptions o;
  o.id_col = "offset";
  const Trace t = parse_trace("\xEF\xBB\xBFoffset,size\n5\n6\n5\n", "bom.csv", o);
  CHECK(t.page_ids == std::vector<std::uint64_t>{5, 6});
  CHECK(t.keys == std::vector<PageKey>{0, 1, 0});
  const auto path = write_file("bom.txt", "\xEF\xBB\xBF" "7\n8\n");
  CHECK(read_trace(path, {}).page_ids == std::vector<std::uint64_t>{7, 8});
  // Only at the very start: a BOM on line 2 is a bad row.
  CHECK_THROWS_AS(parse_trace("7\n\xEF\xBB\xBF" "8\n", "m", {}), TraceError);
}

TEST_CASE("numeric options: negative, huge and non-numeric values exit 2 naming the option") {
  const auto path = write_file("ids.txt", "1\n2\n");
  const auto frames = [&](const std::string& f) { return run({"cache", path, "--policy", "lru", "--frames", f}); };
  CHECK(frames("-1").err ==
        "headroom cache: error: --frames: expected a whole number of frames from 1 to 4294967294 or a size with a unit "
        "(4096B, 1GiB), found '-1'\n");
  CHECK(frames("4294967295").exit_code == 2);
  CHECK(frames("4294967294").exit_code == 0);  // the largest is accepted and runs at once
  CHECK(frames("+3").exit_code == 2);
  CHECK(frames(" 3").exit_code == 2);
  CHECK(frames("3.0").exit_code == 2);
  CHECK(run({"cache", path, "--policy", "lru", "--frames", "2", "--threads", "1025"}).err ==
        "headroom cache: error: --threads: expected a whole number of threads from 0 to 1024, found '1025'\n");
  CHECK(run({"cache", path, "--policy", "lru", "--frames", "2", "--page-size", "-4KiB"}).exit_code == 2);
  CHECK(run({"mrc", path, "--sample", "-0.5"}).err == "headroom mrc: error: --sample: expected a rate in (0, 1], found '-0.5'\n");
  CHECK(run({"mrc", path, "--sample", "inf"}).exit_code == 2);
  CHECK(run({"mrc", path, "--max-row-pages", "4294967297"}).exit_code == 2);
}

TEST_CASE("mrc --sample that keeps nothing is refused, naming the counts") {
  // SHARDS at 2^-24 keeps a page only when its hash's low 24 bits are 0: none of pages 1..3.
  const auto path = write_file("three.txt", "1\n2\n3\n1\n");
  const auto r = run({"mrc", path, "--sample", "0.0000001"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "headroom mrc: error: --sample: expected a rate that keeps at least one of the 3 distinct pages of " +
                     path + ", found '0.0000001', which kept none (0 of 4 references sampled); use a larger rate\n");
  CHECK(r.out.empty());
}

TEST_CASE("streamed replay equals the whole-trace replay for every online policy and thread count") {
  const auto keys = testing::random_trace(7, 200000, 5000);
  std::string text;
  for (const auto k : keys) text += std::to_string(k * 3 + 11) + "\n";
  const auto path = write_file("random.txt", text);
  const Trace whole = read_trace(path, {});
  const std::vector<std::string> policies{"lru", "fifo", "clock", "arc", "mglru", "linux"};
  const std::vector<std::uint64_t> frames{1, 100, 4000, 6000};
  const auto expected = replay_all(policies, frames, whole, 1);
  for (const unsigned threads : {1u, 3u}) {
    StreamReplay replay(policies, frames, threads);
    const Trace t = stream_trace(path, {}, [&](std::span<const PageKey> k, const std::vector<std::uint64_t>&) {
      replay.feed(k);
    });
    CHECK(t.references == whole.keys.size());
    CHECK(t.unique() == whole.unique());
    const auto got = replay.results();
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].policy == expected[i].policy);
      CHECK(got[i].frames == expected[i].frames);
      CHECK(got[i].requests == expected[i].requests);
      CHECK(got[i].misses == expected[i].misses);
    }
  }
  CHECK_THROWS_AS(StreamReplay({"opt"}, {4}, 1), std::invalid_argument);
}

TEST_CASE("streamed SHARDS equals SHARDS over the whole trace") {
  const auto keys = testing::random_trace(9, 100000, 20000);
  std::string text;
  for (const auto k : keys) text += std::to_string(k) + "\n";
  const auto path = write_file("shards.txt", text);
  const Trace whole = read_trace(path, {});
  const auto expected = sampled_lru_mrc(whole.keys, whole.page_ids, 0.1);
  ShardsSampler sampler(0.1);
  const Trace t = stream_trace(path, {}, [&](std::span<const PageKey> k, const std::vector<std::uint64_t>& ids) {
    sampler.add(k, ids);
  });
  const auto got = sampler.curve(t.references, t.unique());
  CHECK(got.requests == expected.requests);
  CHECK(got.sampled == expected.sampled);
  CHECK(got.cold == expected.cold);
  CHECK(got.histogram == expected.histogram);
  CHECK(got.sampled > 0);
}

TEST_CASE("a gzip trace of many blocks reads the same as the plain file, across every block boundary") {
  std::string text;
  for (std::uint64_t i = 0; i < 300000; ++i) text += std::to_string((i * 7919) % 40009) + (i % 3 ? "\n" : "\r\n");
  const std::string gz = headroom::test::gzip(text, 1);
  const Trace plain = read_trace(write_file("many.txt", text), {});
  const Trace zipped = read_trace(write_file("many.txt.gz", gz), {});
  CHECK(plain.references == 300000);
  CHECK(zipped.keys == plain.keys);
  CHECK(zipped.page_ids == plain.page_ids);
  CHECK(parse_trace(text, "m", {}).keys == plain.keys);
}
