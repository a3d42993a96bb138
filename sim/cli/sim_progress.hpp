// sim/cli/sim_progress: `run` and `compare` show how far the simulation is, in simulated time
// against the horizon, when stderr is a terminal: part sweep's reporter (sim/cli/progress.hpp) in
// bar mode, "[####......] run: simulated 3.2 h of 10 h (32%), 0:42 elapsed, ETA 1:29", per host for
// compare; when stderr is not a terminal nothing is printed (pipes, files and tests see no byte).
//
// The engine publishes its clock into an std::atomic<double> per simulation
// (config::Scenario::clock_out_s, stored on SimGrid's time-advance signal). The clocks live in one
// shared anonymous mapping made before `compare` forks, so its children's clocks are read by the
// parent. A thread of the parent (every signal blocked in it, so SIGINT still reaches the thread
// that handles it) feeds the mean clock to the reporter ten times a second; finish() ends the line
// before the report or an error is printed.
// Header-only, included by sim/cli/commands.hpp (see host_runner.hpp).
#pragma once

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sim/cli/progress.hpp"

namespace headroom::cli {

// "simulated 3 h of 8 h", and with several simulations each one's share:
// "simulated 3 h of 8 h [m2-max-96 25%, m3-max-128 50%]" (done = their mean clock).
inline std::string simulated_progress_text(const std::vector<double>& now_s, double horizon_s,
                                           const std::vector<std::string>& names) {
  double sum_s = 0;
  for (double t : now_s) sum_s += t;
  const double mean_s = now_s.empty() ? 0 : sum_s / static_cast<double>(now_s.size());
  std::string text = Progress::simulated_time()(mean_s, horizon_s);
  if (names.size() > 1) {
    for (std::size_t k = 0; k < names.size() && k < now_s.size(); ++k) {
      const int percent = horizon_s > 0 ? static_cast<int>(100 * now_s[k] / horizon_s) : 100;
      text += (k == 0 ? " [" : ", ") + names[k] + " " + std::to_string(percent) + "%";
    }
    text += "]";
  }
  return text;
}

class SimTimeProgress {
 public:
  // `what`: the command ("run", "compare"); `names`: one per simulation (the hosts).
  SimTimeProgress(std::string what, double horizon_s, std::vector<std::string> names)
      : horizon_s_(horizon_s), names_(std::move(names)) {
    if (!::isatty(STDERR_FILENO) || names_.empty()) return;
    const std::size_t bytes = names_.size() * sizeof(std::atomic<double>);
    void* map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return;  // no progress line: nothing else depends on it
    clocks_ = static_cast<std::atomic<double>*>(map);
    for (std::size_t k = 0; k < names_.size(); ++k) new (&clocks_[k]) std::atomic<double>(0);
    progress_ = std::make_unique<Progress>(std::move(what), horizon_s_, Progress::Mode::bar,
                                           [this](double, double) { return text(); });
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

  // Stops drawing and ends the line with the last figures (before the report or an error).
  void finish() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
    progress_->update(mean_s());
    progress_->finish();
    progress_.reset();
    ::munmap(clocks_, names_.size() * sizeof(std::atomic<double>));
    clocks_ = nullptr;
  }

 private:
  std::vector<double> now_s() const {
    std::vector<double> now;
    for (std::size_t k = 0; k < names_.size(); ++k) now.push_back(clocks_[k].load(std::memory_order_relaxed));
    return now;
  }
  double mean_s() const {
    double sum = 0;
    for (double t : now_s()) sum += t;
    return sum / static_cast<double>(names_.size());
  }
  std::string text() const { return simulated_progress_text(now_s(), horizon_s_, names_); }

  void loop() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; })) progress_->update(mean_s());
  }

  double horizon_s_;
  std::vector<std::string> names_;
  std::atomic<double>* clocks_ = nullptr;
  std::unique_ptr<Progress> progress_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
};

}  // namespace headroom::cli
