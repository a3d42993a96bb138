// headroom-load: the validation suite's load program (tests/validation/README.md). It reproduces one
// workload shape on the real machine, times every pass, and prints one JSON line:
//   {"mode":..., "passes":N, "pass_s":[...], "total_s":..., "majflt":..., "minflt":..., "user_s":..., "sys_s":...}
// majflt/minflt and the CPU times are getrusage(RUSAGE_SELF) deltas over the passes (the kernel's pgmajfault for this
// process). The runner (run.sh) puts it in a memory cgroup, with swap where the case needs it.
//
// Each pass follows the process kind's step (models/workloads/process/run.cpp): the first pass first
// touches the whole footprint once, as the model's growth touches do (anonymous: every page
// written; file: read start to end, through the mapping or read()), then every pass runs the
// pattern. Modes:
//   mmap-scan  --file F --passes N [--pattern seq|uniform] [--touches K] [--advice normal|random]
//              (the advice is set after the first pass's growth read, which runs with MADV_NORMAL)
//              mmapped weights read whole per token (seq), or K uniform random pages
//   anon-sweep --size B --passes N [--pattern seq|uniform] [--touches K] [--read]
//              anonymous region written (or read with --read) whole per pass; uniform:
//              K random pages per pass (a replay buffer sampled at random); seq read: a KV cache
//              written once (prefill) and read per decode token
//   stream     --file F --passes N [--chunk B]     read() the file start to end per pass (dataset)
//   trainer    --size W --act A --passes N [--free-act]   weights W (anonymous, read twice per step:
//              forward and backward); activations A written in forward and read in backward, kept
//              mapped between steps (the process kind's model: one footprint, zero-filled once);
//              --free-act maps them fresh each step and unmaps them after backward (freed memory
//              comes back zero-filled next step: what the process kind cannot model)
//   drop       FILE...    drops the files' page cache (posix_fadvise DONTNEED, after fsync), nothing else
// Exit 0; 2 on bad arguments (one message). An OOM kill ends it by SIGKILL (the runner sees it).
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kPageBytes = 4096;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "headroom-load: %s\n", what.c_str());
  std::exit(2);
}

std::uint64_t parse_bytes(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  const std::string unit = end;
  const std::map<std::string, double> units{{"", 1}, {"K", 1024.0}, {"M", 1048576.0}, {"G", 1073741824.0}};
  const auto it = units.find(unit);
  if (end == text.c_str() || it == units.end() || value < 0) fail("expected a size like 512M or 1.5G, found '" + text + "'");
  return static_cast<std::uint64_t>(value * it->second);
}

struct Options {
  std::string mode, file, pattern = "seq", advice = "normal";
  std::uint64_t size_bytes = 0, act_bytes = 0, chunk_bytes = 1 << 20, touches = 0, seed = 1;
  int passes = 1;
  bool read_only = false;
  bool free_act = false;
};

Options parse(int argc, char** argv) {
  if (argc < 2) fail("usage: headroom-load MODE [--file F] [--size B] [--passes N] ... (see load.cpp)");
  Options o;
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "--read") { o.read_only = true; continue; }
    if (key == "--free-act") { o.free_act = true; continue; }
    if (i + 1 >= argc) fail("option " + key + " needs a value");
    const std::string value = argv[++i];
    if (key == "--file") o.file = value;
    else if (key == "--size") o.size_bytes = parse_bytes(value);
    else if (key == "--act") o.act_bytes = parse_bytes(value);
    else if (key == "--chunk") o.chunk_bytes = parse_bytes(value);
    else if (key == "--passes") o.passes = std::atoi(value.c_str());
    else if (key == "--touches") o.touches = std::strtoull(value.c_str(), nullptr, 10);
    else if (key == "--seed") o.seed = std::strtoull(value.c_str(), nullptr, 10);
    else if (key == "--pattern") o.pattern = value;
    else if (key == "--advice") o.advice = value;
    else fail("unknown option " + key);
  }
  if (o.passes < 1) fail("--passes must be >= 1");
  if (o.pattern != "seq" && o.pattern != "uniform") fail("--pattern is seq or uniform, found " + o.pattern);
  if (o.advice != "normal" && o.advice != "random") fail("--advice is normal or random, found " + o.advice);
  return o;
}

// Keeps the compiler from dropping the reads.
volatile std::uint64_t g_sink = 0;

// Every byte is read or written (as a model's weights per token): the model charges the bytes of a
// pass over the memory bus, so a memory-speed pass must move them all.
std::uint64_t read_page(const unsigned char* page) {
  std::uint64_t sum = 0, word = 0;
  for (std::size_t off = 0; off < kPageBytes; off += sizeof word) {
    std::memcpy(&word, page + off, sizeof word);
    sum += word;
  }
  return sum;
}

std::uint64_t read_pages(const unsigned char* base, std::size_t bytes) {
  std::uint64_t sum = 0;
  for (std::size_t off = 0; off + kPageBytes <= bytes; off += kPageBytes) sum += read_page(base + off);
  return sum;
}

void write_pages(unsigned char* base, std::size_t bytes, unsigned char value) {
  for (std::size_t off = 0; off + kPageBytes <= bytes; off += kPageBytes) std::memset(base + off, value, kPageBytes);
}

std::uint64_t random_pages(unsigned char* base, std::size_t bytes, std::uint64_t touches, std::mt19937_64& rng, bool write) {
  std::uniform_int_distribution<std::size_t> page(0, bytes / kPageBytes - 1);
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i < touches; ++i) {
    unsigned char* p = base + page(rng) * kPageBytes;
    if (write) std::memset(p, static_cast<unsigned char>(i), kPageBytes);
    else sum += read_page(p);
  }
  return sum;
}

unsigned char* map_anon(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) fail("mmap of " + std::to_string(bytes) + " anonymous bytes failed: " + std::strerror(errno));
  return static_cast<unsigned char*>(p);
}

struct Mapped {
  unsigned char* base;
  std::size_t bytes;
};

Mapped map_file(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) fail("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  fstat(fd, &st);
  const auto bytes = static_cast<std::size_t>(st.st_size);
  if (bytes < kPageBytes) fail(path + " is smaller than a page");
  void* p = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) fail("mmap of " + path + " failed: " + std::strerror(errno));
  // The growth read (first pass) runs with MADV_NORMAL, as the model's growth reads the file
  // sequentially with readahead; the case's advice is set after it (Load::pass).
  madvise(p, bytes, MADV_NORMAL);
  return {static_cast<unsigned char*>(p), bytes};
}

std::uint64_t stream_file(const std::string& path, std::size_t chunk_bytes) {
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) fail("cannot open " + path + ": " + std::strerror(errno));
  std::vector<unsigned char> buffer(chunk_bytes);
  std::uint64_t sum = 0;
  for (ssize_t got; (got = read(fd, buffer.data(), buffer.size())) > 0;)
    for (ssize_t off = 0; off < got; off += kPageBytes) sum += buffer[static_cast<std::size_t>(off)];
  close(fd);
  return sum;
}

// One pass of the chosen mode; `first` is the first pass (growth of the anonymous region).
struct Load {
  Options o;
  std::mt19937_64 rng;
  Mapped file{nullptr, 0};
  unsigned char* anon = nullptr;
  unsigned char* act = nullptr;  // trainer without --free-act: the activations, mapped once

  explicit Load(Options options) : o(std::move(options)), rng(o.seed) {
    if (o.mode == "mmap-scan") file = map_file(o.file);
    else if (o.mode == "anon-sweep" || o.mode == "trainer") {
      if (o.size_bytes < kPageBytes) fail("--size must be at least a page");
      anon = map_anon(o.size_bytes);
    } else if (o.mode == "stream") {
      if (o.file.empty()) fail("stream needs --file");
    } else fail("unknown mode " + o.mode + " (mmap-scan, anon-sweep, stream, trainer)");
  }

  void pass(bool first) {
    if (o.mode == "mmap-scan") {
      if (first) {
        g_sink = g_sink + read_pages(file.base, file.bytes);
        madvise(file.base, file.bytes, o.advice == "random" ? MADV_RANDOM : MADV_NORMAL);
      }
      g_sink = g_sink + (o.pattern == "seq" ? read_pages(file.base, file.bytes) : random_pages(file.base, file.bytes, o.touches, rng, false));
    } else if (o.mode == "anon-sweep") {
      if (first) write_pages(anon, o.size_bytes, 1);
      if (o.pattern == "uniform") g_sink = g_sink + random_pages(anon, o.size_bytes, o.touches, rng, !o.read_only);
      else if (o.read_only) g_sink = g_sink + read_pages(anon, o.size_bytes);
      else write_pages(anon, o.size_bytes, 2);
    } else if (o.mode == "stream") {
      if (first) g_sink = g_sink + stream_file(o.file, o.chunk_bytes);
      g_sink = g_sink + stream_file(o.file, o.chunk_bytes);
    } else {  // trainer
      if (first) write_pages(anon, o.size_bytes, 1);
      g_sink = g_sink + read_pages(anon, o.size_bytes);  // forward over the weights
      if (act == nullptr) act = map_anon(o.act_bytes);
      write_pages(act, o.act_bytes, 3);  // activations stored in forward
      g_sink = g_sink + read_pages(anon, o.size_bytes) + read_pages(act, o.act_bytes);  // backward
      if (o.free_act) {
        munmap(act, o.act_bytes);
        act = nullptr;
      }
    }
  }
};

}  // namespace

// The runner drops the test files' page cache before each repetition (not the whole machine's).
int drop_cache(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    const int fd = open(argv[i], O_RDONLY);
    if (fd < 0) fail(std::string("cannot open ") + argv[i] + ": " + std::strerror(errno));
    fdatasync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "drop") return drop_cache(argc, argv);
  Load load(parse(argc, argv));
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  std::vector<double> pass_s;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < load.o.passes; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    load.pass(i == 0);
    pass_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  std::printf("{\"mode\":\"%s\",\"passes\":%d,\"pass_s\":[", load.o.mode.c_str(), load.o.passes);
  for (std::size_t i = 0; i < pass_s.size(); ++i) std::printf("%s%.6f", i ? "," : "", pass_s[i]);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  // user and system CPU over the passes: system time / pages moved is the kernel's CPU per page.
  std::printf("],\"total_s\":%.6f,\"majflt\":%ld,\"minflt\":%ld,\"user_s\":%.3f,\"sys_s\":%.3f}\n", total_s,
              after.ru_majflt - before.ru_majflt, after.ru_minflt - before.ru_minflt,
              seconds(after.ru_utime) - seconds(before.ru_utime), seconds(after.ru_stime) - seconds(before.ru_stime));
  return 0;
}
