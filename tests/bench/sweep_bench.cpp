// Sweep parallel efficiency (issue 11): the same 64-point `headroom sweep` at -j 1 and at -j 2, each
// run as the built headroom in a child process (fork + exec, as a user runs it), one after the
// other in every iteration so both see the same machine load. efficiency = t1 / (2 x t2): 1 when two
// workers halve the wall time; the target is >= 0.9. The grid: scenarios/default.yaml (a
// 70B model on two Apple hosts) over 12 simulated hours (`--set duration=12h`, so a point on the
// 128 GB host simulates some 0.45 s: real work, as in a user's sweep, not only process start-up)
// at 32 Poisson request rates (1/min .. 32/min) x its 2 hosts. The headroom executable is the one built beside this benchmark, or $HEADROOM.
// Each iteration also records CPU pressure (/proc/pressure/cpu some avg10) before it starts: on a
// shared machine other processes take the second core and the efficiency falls with no fault of
// the sweep's; the CPU seconds of each sweep (cpu1_s, cpu2_s: parent and point children) still
// show whether parallel running costs extra work.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace {

namespace fs = std::filesystem;

constexpr int kRates = 32;  // x 2 hosts = 64 points

std::string headroom_exe() {
  const char* exe = std::getenv("HEADROOM");
  return exe != nullptr && *exe != '\0' ? exe : HEADROOM_EXE;
}

// "1/min,2/min,...,32/min"
std::string rate_values() {
  std::vector<std::string> values;
  for (int rate = 1; rate <= kRates; ++rate) values.push_back(fmt::format("{}/min", rate));
  return fmt::format("{}", fmt::join(values, ","));
}

// CPU pressure's "some avg10" (percent of the last 10 s some task waited for a CPU), or -1.
double cpu_pressure_some_avg10() {
  std::ifstream psi("/proc/pressure/cpu");
  std::string word;
  while (psi >> word)
    if (word.rfind("avg10=", 0) == 0)
      return std::stod(word.substr(6));
  return -1;
}

struct Timing {
  double wall_s = -1;  // -1: the sweep could not start or did not exit 0
  double cpu_s = 0;    // user + system of the sweep and every point child it reaped
};

// Runs `headroom sweep` with `jobs` workers into a new directory under `work`, stdout and stderr
// into `log`.
Timing timed_sweep(const fs::path& work, int jobs, const fs::path& log) {
  const fs::path out = work / fmt::format("j{}", jobs);
  fs::remove_all(out);
  const std::string exe = headroom_exe(), source = HEADROOM_SOURCE_DIR;
  std::vector<std::string> args = {exe, "sweep", fmt::format("{}/scenarios/default.yaml", source),
                                   "--set", "duration=12h", "--set", fmt::format("workloads.chat.arrivals.poisson={}", rate_values()),
                                   "--quiet", "-j", std::to_string(jobs), "--out", out.string()};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return {};
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec); };
  return {wall_s, seconds(usage.ru_utime) + seconds(usage.ru_stime)};
}

std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

void sweep_64_points_j1_vs_j2(benchmark::State& state) {
  char pattern[] = "/tmp/headroom-sweep-bench.XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  const fs::path work = pattern, log = work / "sweep.log";
  for (auto _ : state) {
    const double pressure = cpu_pressure_some_avg10();
    const Timing j1 = timed_sweep(work, 1, log);
    const Timing j2 = j1.wall_s < 0 ? Timing{} : timed_sweep(work, 2, log);
    if (j1.wall_s < 0 || j2.wall_s < 0) {
      state.SkipWithError(fmt::format("headroom sweep failed: {} ({})", first_line(log), headroom_exe()).c_str());
      break;
    }
    state.SetIterationTime(j2.wall_s);
    state.counters["t1_s"] = j1.wall_s;
    state.counters["t2_s"] = j2.wall_s;
    state.counters["efficiency"] = j1.wall_s / (2 * j2.wall_s);
    // CPU seconds of the whole sweep (parent and points): equal at -j1 and -j2 when running points
    // in parallel adds no work; what a loaded machine still lets one measure.
    state.counters["cpu1_s"] = j1.cpu_s;
    state.counters["cpu2_s"] = j2.cpu_s;
    state.counters["cpu_some_avg10"] = pressure;
  }
  fs::remove_all(work);
}
// The iteration time is t2; t1 and the efficiency are counters (medians with --benchmark_repetitions).
BENCHMARK(sweep_64_points_j1_vs_j2)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
