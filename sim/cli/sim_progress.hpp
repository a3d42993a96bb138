// sim/cli/sim_progress: `run` and `compare` show how far the simulation is, in simulated time
// against the horizon, on one line of stderr redrawn in place ("simulated 3.2 h of 24 h (13%)"),
// when stderr is a terminal; otherwise nothing is printed (pipes, files and tests see no byte).
//
// The engine publishes its clock into an std::atomic<double> per simulation
// (config::Scenario::clock_out_s, stored on SimGrid's time-advance signal). The clocks live in one
// shared anonymous mapping made before `compare` forks, so its children's clocks are read by the
// parent. A thread of the parent (every signal blocked in it, so SIGINT still reaches the thread
// that handles it) redraws the line a few times a second through write(2) (no stdio lock is held
// across a fork) and clears it when done, before the report is printed.
// Header-only, included by sim/cli/commands.hpp (see host_runner.hpp).
#pragma once

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "analysis/number_format.hpp"

namespace headroom::cli {

// "42 s", "3.2 min", "3.2 h", "1.5 d": simulated time with a unit a reader takes in at a glance.
inline std::string simulated_time_text(double s) {
  struct Unit { double seconds; const char* name; };
  static constexpr Unit units[] = {{86400, "d"}, {3600, "h"}, {60, "min"}};
  for (const Unit& u : units)
    if (s >= 2 * u.seconds) return analysis::format_readable(s / u.seconds, 3) + " " + u.name;
  return analysis::format_readable(s, 3) + " s";
}

// The line for clocks `now_s` (one per simulation) against `horizon_s`; `names` label each
// simulation when there are several (compare's hosts).
inline std::string simulated_progress_line(const std::vector<double>& now_s, double horizon_s,
                                           const std::vector<std::string>& names) {
  double sum_s = 0;
  for (double t : now_s) sum_s += t;
  const double mean_s = now_s.empty() ? 0 : sum_s / static_cast<double>(now_s.size());
  const auto percent = [&](double t) {
    return horizon_s > 0 ? std::to_string(static_cast<int>(100 * t / horizon_s)) + "%" : std::string("100%");
  };
  std::string line = "simulated " + simulated_time_text(mean_s) + " of " + simulated_time_text(horizon_s) + " (" +
                     percent(mean_s) + ")";
  if (names.size() > 1) {
    for (std::size_t k = 0; k < names.size() && k < now_s.size(); ++k)
      line += (k == 0 ? ": " : ", ") + names[k] + " " + percent(now_s[k]);
  }
  return line;
}

class SimTimeProgress {
 public:
  // `names`: one per simulation (compare's hosts; run: its host). Draws only when stderr is a terminal.
  SimTimeProgress(double horizon_s, std::vector<std::string> names)
      : horizon_s_(horizon_s), names_(std::move(names)) {
    if (!::isatty(STDERR_FILENO) || names_.empty()) return;
    const std::size_t bytes = names_.size() * sizeof(std::atomic<double>);
    void* map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return;  // no progress line: nothing else depends on it
    clocks_ = static_cast<std::atomic<double>*>(map);
    for (std::size_t k = 0; k < names_.size(); ++k) new (&clocks_[k]) std::atomic<double>(0);
    sigset_t all, saved;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &saved);  // the thread inherits it: no signal lands there
    thread_ = std::thread([this] { loop(); });
    ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  }
  ~SimTimeProgress() { finish(); }
  SimTimeProgress(const SimTimeProgress&) = delete;
  SimTimeProgress& operator=(const SimTimeProgress&) = delete;

  // Where simulation k publishes its clock (Scenario::clock_out_s); null when nothing is drawn.
  std::atomic<double>* clock(std::size_t k) const { return clocks_ ? &clocks_[k] : nullptr; }

  // Stops drawing and clears the line (before the report or an error is printed).
  void finish() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
    write_line("\r\x1b[K");
    ::munmap(clocks_, names_.size() * sizeof(std::atomic<double>));
    clocks_ = nullptr;
  }

 private:
  void loop() {
    std::string drawn;
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; })) {
      std::vector<double> now_s;
      for (std::size_t k = 0; k < names_.size(); ++k) now_s.push_back(clocks_[k].load(std::memory_order_relaxed));
      const std::string line = simulated_progress_line(now_s, horizon_s_, names_);
      if (line == drawn) continue;
      write_line("\r" + line + "\x1b[K");
      drawn = line;
    }
  }
  static void write_line(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }

  double horizon_s_;
  std::vector<std::string> names_;
  std::atomic<double>* clocks_ = nullptr;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
};

}  // namespace headroom::cli
