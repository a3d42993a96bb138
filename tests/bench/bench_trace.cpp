// Trace-mode speed: parse a trace file and replay it through one policy, single-threaded, per
// (policy, frames); req_per_s counts references per second, parsing included. Compare with the
// rates libCacheSim reaches on cloudPhysicsIO on this kind of machine (LRU 11.6 M/s, FIFO 10.8,
// CLOCK 12.2, ARC 8.6, Belady 5.6); the target is twice those.
//   cloudphysics: /work/shared/traces/cloudphysics_block_io.txt (113,872 requests), skipped when
//     absent (it is GPL-sourced and not shipped with the project).
//   llm_decode: a generated 1.15 M-request page trace of LLM decoding: every token scans the
//     weights (30,000 pages) then the KV cache (1,000 pages growing by 64 per token).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "naive/naive_lru.hpp"
#include "sim/mm/policy_registry.hpp"
#include "sim/trace/cli.hpp"
#include "sim/trace/mrc.hpp"
#include "sim/trace/replay.hpp"
#include "sim/trace/trace_reader.hpp"
#include "sim/trace/requests/stats_command.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

namespace {

// Keep freed memory in the heap between iterations. By default glibc serves the large vectors of a
// replay (policy nodes, indexes, the id table) with mmap and gives them back with munmap when an
// iteration ends, so the next iteration page-faults them in again: at 40000 frames that kernel
// work, not the replay, was most of what a row measured. A fixed mmap threshold at its maximum
// (32 MiB on 64-bit) and a trim threshold that is never reached keep the pages mapped. (A single
// `headroom cache` process allocates them once either way.) HEADROOM_BENCH_DEFAULT_MALLOC=1 keeps
// glibc's defaults, to see the difference: replay/cloudphysics/lru/40000 took 28.9 ms of CPU with
// them and 3.9 ms without, on this project's 2-core test machine.
const bool kHeapKept = [] {
  if (!std::getenv("HEADROOM_BENCH_DEFAULT_MALLOC")) mallopt(M_MMAP_THRESHOLD, 32 << 20);
  if (!std::getenv("HEADROOM_BENCH_DEFAULT_MALLOC")) mallopt(M_TRIM_THRESHOLD, 1 << 30);
  return true;
}();

const char* const kCloudPhysics = "/work/shared/traces/cloudphysics_block_io.txt";

std::string cloudphysics_trace() { return kCloudPhysics; }

// Written once, on first use, to the temporary directory (so that other benchmarks never pay for it).
// `requests` references: every token scans the weights, then its KV cache.
std::string llm_trace(const char* name, std::size_t kRequests) {
  const auto file = std::filesystem::temp_directory_path() / name;
  constexpr std::uint64_t kWeightPages = 30000, kKvStart = 1000, kKvGrowth = 64;
  std::string text;
  std::size_t n = 0;
  for (std::uint64_t token = 0; n < kRequests; ++token) {
    for (std::uint64_t p = 0; p < kWeightPages && n < kRequests; ++p, ++n) text += std::to_string(p) + "\n";
    const std::uint64_t kv = kKvStart + kKvGrowth * token;
    for (std::uint64_t p = 0; p < kv && n < kRequests; ++p, ++n) text += std::to_string(1000000 + p) + "\n";
  }
  std::ofstream(file, std::ios::binary) << text;
  return file.string();
}

// The 1 M-request LLM page trace of the naive-loop comparison (compare_naive.sh writes the same).
std::string llm_1m_trace() {
  static const std::string path = llm_trace("headroom_bench_llm_1m.txt", 1000000);
  return path;
}

std::string llm_decode_trace() {
  static const std::string path = llm_trace("headroom_bench_llm_decode.txt", 1150000);
  return path;
}

using TracePath = std::string (*)();

void replay(benchmark::State& state, TracePath trace_path, std::string policy, std::uint64_t frames) {
  const std::string path = trace_path();
  if (headroom::mm::PolicyRegistry::instance().find(policy) == nullptr) {
    state.SkipWithError(("policy not registered: " + policy).c_str());
    return;
  }
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("trace not found: " + path).c_str());
    return;
  }
  std::uint64_t requests = 0, misses = 0;
  for (auto _ : state) {
    const auto trace = headroom::trace::read_trace(path, {});
    misses = headroom::trace::replay_misses(policy, frames, trace.keys, trace.unique());
    requests = trace.keys.size();
    benchmark::DoNotOptimize(misses);
  }
  state.counters["req_per_s"] =
      benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["miss_ratio"] = static_cast<double>(misses) / static_cast<double>(requests ? requests : 1);
}

void parse_only(benchmark::State& state, TracePath trace_path) {
  const std::string path = trace_path();
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("trace not found: " + path).c_str());
    return;
  }
  std::uint64_t requests = 0;
  for (auto _ : state) {
    const auto trace = headroom::trace::read_trace(path, {});
    requests = trace.keys.size();
    benchmark::DoNotOptimize(trace.keys.data());
  }
  state.counters["req_per_s"] =
      benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsIterationInvariantRate);
}

void mrc(benchmark::State& state, TracePath trace_path, double rate) {
  const std::string path = trace_path();
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("trace not found: " + path).c_str());
    return;
  }
  std::uint64_t requests = 0;
  for (auto _ : state) {
    const auto trace = headroom::trace::read_trace(path, {});
    const auto curve = rate < 1.0 ? headroom::trace::sampled_lru_mrc(trace.keys, trace.page_ids, rate)
                                  : headroom::trace::exact_lru_mrc(trace.keys, trace.unique());
    requests = trace.keys.size();
    benchmark::DoNotOptimize(curve.cold);
  }
  state.counters["req_per_s"] =
      benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsIterationInvariantRate);
}

// The whole `headroom cache TRACE --policy lru --frames F --threads 1` command after main() starts
// (CLI parsing, streaming read, replay, output), against the naive loop on the same file.
void cache_command(benchmark::State& state, TracePath trace_path, std::uint64_t frames) {
  const std::string path = trace_path();
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("trace not found: " + path).c_str());
    return;
  }
  const std::string frames_text = std::to_string(frames);
  for (auto _ : state) {
    CLI::App app{"headroom"};
    int exit_code = -1;
    std::ostringstream out, err;
    headroom::trace::add_trace_commands(app, exit_code, out, err);
    const char* argv[] = {"headroom", "cache", path.c_str(), "--policy", "lru", "--frames", frames_text.c_str(),
                          "--threads", "1", "--format", "csv"};
    app.parse(static_cast<int>(std::size(argv)), argv);
    if (exit_code != 0) state.SkipWithError(err.str().c_str());
    benchmark::DoNotOptimize(out.str().data());
  }
}

void naive_lru(benchmark::State& state, TracePath trace_path, std::uint64_t frames) {
  const std::string path = trace_path();
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("trace not found: " + path).c_str());
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(headroom::bench::naive_lru(path, frames));
}

int register_all() {
  for (const auto& [name, path] : {std::pair<const char*, TracePath>{"cloudphysics", cloudphysics_trace},
                                   std::pair<const char*, TracePath>{"llm_1m", llm_1m_trace}})
    for (const std::uint64_t frames : {1000, 32000}) {
      const std::string suffix = std::string(name) + "/" + std::to_string(frames);
      benchmark::RegisterBenchmark(("cache_command_lru/" + suffix).c_str(), cache_command, path, frames)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("naive_lru/" + suffix).c_str(), naive_lru, path, frames)
          ->Unit(benchmark::kMillisecond);
    }
  struct Source {
    const char* name;
    TracePath path;
    std::vector<std::uint64_t> frames;
  };
  // cloudPhysicsIO has 48,974 distinct blocks; the decode trace's working set is 30,000 weight
  // pages plus a KV cache of up to about 3,200 pages.
  const std::vector<Source> sources{{"cloudphysics", cloudphysics_trace, {1000, 10000, 40000}},
                                    {"llm_decode", llm_decode_trace, {16000, 32000, 34000}}};
  for (const auto& s : sources) {
    benchmark::RegisterBenchmark((std::string("parse/") + s.name).c_str(), parse_only, s.path)
        ->Unit(benchmark::kMillisecond);
    for (const char* policy : {"lru", "fifo", "clock", "arc", "mglru", "opt", "linux"})
      for (const auto frames : s.frames)
        benchmark::RegisterBenchmark(
            (std::string("replay/") + s.name + "/" + policy + "/" + std::to_string(frames)).c_str(), replay, s.path,
            std::string(policy), frames)
            ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((std::string("mrc_exact/") + s.name).c_str(), mrc, s.path, 1.0)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((std::string("mrc_shards_0.01/") + s.name).c_str(), mrc, s.path, 0.01)
        ->Unit(benchmark::kMillisecond);
  }
  return 0;
}

const int registered = register_all();

// --- request traces: `headroom trace stats` on a generated Azure 2024 week ------------------------
// trace_stats_azure2024/N: N rows in the Azure 2024 format (a week: 2024-05-10 00:00 + i x 604800/N s,
// UTC offset +00:00, microsecond fractions, the fraction left out when it is zero, tokens varying)
// are written into a pipe by this process while a forked child runs the `trace stats` command on
// /dev/stdin: nothing is stored on disk, and the child's peak RSS (wait4's ru_maxrss) is the
// command's memory whatever N. rows_per_s: rows / child wall time (generation runs in parallel, on
// the other core). N = 27,000,000 is the 27 M-row week; the 1 M row is the quick check.
void write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w <= 0) return;  // the child stopped reading: it reports why
    data += w;
    n -= static_cast<std::size_t>(w);
  }
}

void generate_azure_2024(int fd, std::uint64_t rows) {
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf), "TIMESTAMP,ContextTokens,GeneratedTokens\n");
  const std::uint64_t week_us = 604800ull * 1000000;
  for (std::uint64_t i = 0; i < rows; ++i) {
    const std::uint64_t us = week_us / rows * i;
    const std::uint64_t s = us / 1000000, frac = us % 1000000;
    const unsigned day = static_cast<unsigned>(10 + s / 86400);
    const unsigned in = static_cast<unsigned>(1 + (i * 2654435761u) % 8000), out = static_cast<unsigned>(1 + (i * 40503u) % 700);
    if (frac == 0)
      fmt::format_to(std::back_inserter(buf), "2024-05-{:02} {:02}:{:02}:{:02}+00:00,{},{}\n", day, s / 3600 % 24,
                     s / 60 % 60, s % 60, in, out);
    else
      fmt::format_to(std::back_inserter(buf), "2024-05-{:02} {:02}:{:02}:{:02}.{:06}+00:00,{},{}\n", day, s / 3600 % 24,
                     s / 60 % 60, s % 60, frac, in, out);
    if (buf.size() > (1 << 20)) {
      write_all(fd, buf.data(), buf.size());
      buf.clear();
    }
  }
  write_all(fd, buf.data(), buf.size());
}

void trace_stats_azure2024(benchmark::State& state) {
  const auto rows = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    int fds[2];
    if (::pipe(fds) != 0) {
      state.SkipWithError("pipe failed");
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    const pid_t child = ::fork();
    if (child == 0) {
      ::dup2(fds[0], 0);
      ::close(fds[0]);
      ::close(fds[1]);
      CLI::App app;
      int exit_code = 0;
      std::ostringstream out, err;
      headroom::reqtrace::add_trace_stats_command(app, exit_code, out, err);
      const char* argv[] = {"headroom", "trace", "stats", "/dev/stdin", "--format", "json"};
      app.parse(6, const_cast<char**>(argv));
      if (exit_code != 0) std::fprintf(stderr, "%s", err.str().c_str());
      ::_exit(exit_code);
    }
    ::close(fds[0]);
    generate_azure_2024(fds[1], rows);
    ::close(fds[1]);
    int status = 0;
    rusage usage{};
    ::wait4(child, &status, 0, &usage);
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError("trace stats failed");
      return;
    }
    state.SetIterationTime(wall_s);
    state.counters["rows_per_s"] = static_cast<double>(rows) / wall_s;
    state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
    state.counters["child_cpu_s"] = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                                    1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  }
}
BENCHMARK(trace_stats_azure2024)->Arg(1000000)->Arg(27000000)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
