// sim/cli: the command-line front end (sim/main.cpp is the entry point; this folder holds its parts).
//
// host_runner: runs one simulation per host, each in its own child process, because SimGrid allows
// one Engine per process. A child summarises its HostResult (analysis::summarised: the figures,
// not every request record) and writes it as JSON (analysis/result_json.hpp) into a pipe; the
// parent reads every pipe as data comes, then merges the results in the order the hosts were
// given. Nothing touches the file system, so nothing is left behind whatever happens.
//
// Lifetime: a child dies with the parent (PR_SET_PDEATHSIG, even after kill -9 of the parent) and
// ignores (and blocks) SIGINT, so that a Ctrl-C on the terminal's process group is handled once, by the parent:
// on SIGINT or SIGTERM the parent kills and reaps every child and throws HostRunError with exit
// status 128 + the signal's number (130, 143).
// Header-only: included by sim/main.cpp alone (the build compiles sim/main.cpp as the only source
// of the `headroom` executable) and by its unit test (tests/unit/analysis/test_host_runner.cpp).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/result_json.hpp"
#include "analysis/summary.hpp"
#include "sim/config/error.hpp"

namespace headroom::cli {

// Exit codes of the headroom executable.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;  // a simulation crashed or failed internally
inline constexpr int kExitBadInput = 2;  // scenario, trace, command line or output path
inline constexpr int kExitSignalBase = 128;  // stopped by signal N: 128 + N (SIGINT 130, SIGTERM 143)

// Raised in the parent when a child failed; what() is the full "error: ..." line(s) to print.
class HostRunError : public std::runtime_error {
 public:
  HostRunError(const std::string& message, int exit_code)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

using SimulateOne = std::function<analysis::HostResult(std::size_t host_index)>;

namespace detail {

inline volatile std::sig_atomic_t g_stop_signal = 0;
inline void record_stop_signal(int signal) { g_stop_signal = signal; }

// "error: interrupted by SIGINT; every simulation was stopped" and 130.
inline HostRunError interrupted(int signal) {
  const char* name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal";
  return HostRunError(std::string("error: interrupted by ") + name + "; every simulation was stopped",
                      kExitSignalBase + signal);
}

// While alive, SIGINT and SIGTERM are blocked except inside wait_for_children (ppoll unblocks them
// atomically), so a signal is seen between two steps of the loop, never in the middle of one. A
// signal the user's shell ignores (a background job's SIGINT) stays ignored.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal = 0;
    sigemptyset(&stop_set_);
    for (int signal : {SIGINT, SIGTERM}) {
      struct sigaction action {};
      action.sa_handler = record_stop_signal;
      sigemptyset(&action.sa_mask);
      ::sigaction(signal, nullptr, &previous_[signal == SIGINT ? 0 : 1]);
      if (previous_[signal == SIGINT ? 0 : 1].sa_handler == SIG_IGN) continue;
      ::sigaction(signal, &action, nullptr);
      sigaddset(&stop_set_, signal);
    }
    ::sigprocmask(SIG_BLOCK, &stop_set_, &saved_mask_);
    wait_mask_ = saved_mask_;
    sigdelset(&wait_mask_, SIGINT);
    sigdelset(&wait_mask_, SIGTERM);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &previous_[0], nullptr);
    ::sigaction(SIGTERM, &previous_[1], nullptr);
    ::sigprocmask(SIG_SETMASK, &saved_mask_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The signal that asked to stop (0: none), including one still pending (blocked) now.
  int stop_signal() {
    sigset_t pending;
    sigemptyset(&pending);
    ::sigpending(&pending);
    for (int signal : {SIGINT, SIGTERM}) {
      if (sigismember(&stop_set_, signal) && sigismember(&pending, signal)) {
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, signal);
        const struct timespec now {};
        ::sigtimedwait(&one, nullptr, &now);  // consume it: it is handled here
        if (g_stop_signal == 0) g_stop_signal = signal;
      }
    }
    return g_stop_signal;
  }
  const sigset_t& wait_mask() const { return wait_mask_; }
  const sigset_t& saved_mask() const { return saved_mask_; }

 private:
  struct sigaction previous_[2] {};
  sigset_t stop_set_{}, saved_mask_{}, wait_mask_{};
};

inline void write_all(int fd, const std::string& text) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone or stopped reading: nothing left to tell
    written += static_cast<std::size_t>(n);
  }
}

// The child's whole life: run the task, write its text (or the error text) into the pipe, exit
// without running the parent's atexit handlers or flushing its stdio buffers again. Exit status:
// 0 with the task's text, 2 with a ConfigError's message (bad input found while simulating, e.g. a
// trace row), 1 with any other exception's.
[[noreturn]] inline void child_main(const std::function<std::string(std::size_t)>& task, std::size_t index,
                                    int result_fd, pid_t parent, const sigset_t& parent_mask) {
  // Die with the parent, even after kill -9; if it already died, the signal would never come.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(kExitInternal);
  // The parent handles Ctrl-C for the whole group. SIGINT stays blocked as well as ignored:
  // SimGrid installs its own SIGINT handler (exit(1)) when its engine starts, and a blocked
  // signal never reaches it.
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_DFL);
  sigset_t child_mask = parent_mask;
  sigaddset(&child_mask, SIGINT);
  ::sigprocmask(SIG_SETMASK, &child_mask, nullptr);
  int code = kExitOk;
  std::string text;
  try {
    text = task(index);
  } catch (const config::ConfigError& e) {
    text = e.what();
    code = kExitBadInput;
  } catch (const std::exception& e) {
    text = e.what();
    code = kExitInternal;
  } catch (...) {
    text = "unknown exception";
    code = kExitInternal;
  }
  write_all(result_fd, text);
  std::fflush(nullptr);
  ::_exit(code);
}

struct Child {
  std::size_t index = 0;
  int fd = -1;       // read end of the child's result pipe; -1 once it reached end of file
  std::string text;  // what the child wrote so far
};

inline std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "crashed with signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(status)) + " without a result";
}

inline int wait_exit_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

inline void stop_children(std::map<pid_t, Child>& running) {
  for (auto& [pid, child] : running) ::kill(pid, SIGKILL);
  for (auto& [pid, child] : running) {
    if (child.fd >= 0) ::close(child.fd);
    wait_exit_status(pid);
  }
  running.clear();
}

}  // namespace detail

// What one child left: its wait status and everything it wrote into its pipe.
struct ChildExit {
  std::size_t index = 0;
  int status = 0;  // as waitpid reports it
  std::string text;
};

// The fan-out under `compare` and `sweep`: runs task(index) for each of `indices`, each in its own
// child process, at most `max_children` at once, calling on_exit in the parent as each one ends
// (in the order they end). No new child starts once keep_starting() says false. on_tick (if any)
// is called at least once a second while children run (a progress display). SIGINT or SIGTERM
// kills and reaps every child and throws HostRunError with exit status 128 + signal; the signals
// are blocked outside the wait, so on_exit is never interrupted half-way (a file it writes is
// either written or not).
inline void run_in_children(const std::vector<std::size_t>& indices, const std::function<std::string(std::size_t)>& task,
                            std::size_t max_children, const std::function<void(const ChildExit&)>& on_exit,
                            const std::function<bool()>& keep_starting = {},
                            const std::function<void()>& on_tick = {}) {
  detail::StopSignals signals;
  const pid_t parent = ::getpid();
  std::map<pid_t, detail::Child> running;
  std::size_t next = 0;

  auto start = [&](std::size_t index) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      on_exit({index, -1, std::string("cannot start a process: ") + std::strerror(errno)});
      return;
    }
    std::fflush(nullptr);  // the child must not re-emit the parent's buffered output
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int error = errno;
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      on_exit({index, -1, std::string("cannot start a process: ") + std::strerror(error)});
      return;
    }
    if (pid == 0) {
      ::close(pipe_fds[0]);
      for (const auto& [other, child] : running) ::close(child.fd);  // other children's pipes
      detail::child_main(task, index, pipe_fds[1], parent, signals.saved_mask());
    }
    ::close(pipe_fds[1]);  // the parent sees end of file once the child has written and exited
    running[pid] = {index, pipe_fds[0], {}};
  };

  // Reads what is ready; a child whose pipe reached end of file has written everything and is
  // exiting, so waiting for it does not block for long.
  auto read_ready = [&](const std::vector<pollfd>& polled, const std::vector<pid_t>& pids) {
    char buffer[1 << 16];
    for (std::size_t k = 0; k < polled.size(); ++k) {
      if (polled[k].revents == 0) continue;
      detail::Child& child = running.at(pids[k]);
      const ssize_t n = ::read(child.fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        child.text.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      ::close(child.fd);
      child.fd = -1;
      const int status = detail::wait_exit_status(pids[k]);
      ChildExit done{child.index, status, std::move(child.text)};
      running.erase(pids[k]);
      on_exit(done);
    }
  };

  const struct timespec tick {1, 0};
  while (signals.stop_signal() == 0) {
    if ((!keep_starting || keep_starting()) && next < indices.size() && running.size() < max_children) {
      start(indices[next++]);
      continue;
    }
    if (running.empty()) break;  // all done, or nothing more may start and nothing is left
    std::vector<pollfd> polled;
    std::vector<pid_t> pids;
    for (const auto& [pid, child] : running) {
      polled.push_back({child.fd, POLLIN, 0});
      pids.push_back(pid);
    }
    // SIGINT/SIGTERM are unblocked only while waiting here.
    const int ready = ::ppoll(polled.data(), polled.size(), on_tick ? &tick : nullptr, &signals.wait_mask());
    if (ready < 0) continue;  // EINTR
    if (ready > 0) read_ready(polled, pids);
    if (on_tick) on_tick();
  }
  if (const int signal = signals.stop_signal()) {
    detail::stop_children(running);
    throw detail::interrupted(signal);
  }
}

// Simulates hosts 0..names.size()-1 with at most `max_children` children at once and returns the
// (summarised) results in index order. The first failure (in host order) is thrown as
// HostRunError after every started child has finished; no new child starts once one has failed.
// SIGINT or SIGTERM kills every child and throws HostRunError with exit status 128 + signal.
inline std::vector<analysis::HostResult> run_hosts_in_children(const std::vector<std::string>& names,
                                                               const SimulateOne& simulate,
                                                               std::size_t max_children) {
  std::vector<analysis::HostResult> results(names.size());
  std::map<std::size_t, std::pair<std::string, int>> failures;  // host index -> (message, exit code)

  auto finish = [&](const ChildExit& child) {
    const std::string& host = names[child.index];
    const std::string& text = child.text;
    const int status = child.status;
    if (status == -1) {  // never started
      failures[child.index] = {"error: " + text.substr(0, text.find(':')) + " for host '" + host + "'" +
                                   text.substr(text.find(':')),
                               kExitInternal};
      return;
    }
    const bool exited = WIFEXITED(status);
    const int code = exited ? WEXITSTATUS(status) : -1;
    if (exited && code == kExitOk) {
      try {
        results[child.index] = analysis::host_result_from_json(text);
      } catch (const std::exception& e) {
        failures[child.index] = {"error: simulation of host '" + host + "' returned " + e.what(), kExitInternal};
      }
    } else if (exited && code == kExitBadInput && !text.empty()) {
      failures[child.index] = {text, kExitBadInput};  // a ConfigError: already "file:line:col: error: ..."
    } else if (exited && code == kExitInternal && text.rfind("internal: ", 0) == 0) {
      failures[child.index] = {"error: " + text, kExitInternal};  // engine::InternalError: as `run` prints it
    } else if (exited && code == kExitInternal && !text.empty()) {
      failures[child.index] = {"error: simulation of host '" + host + "' failed: " + text, kExitInternal};
    } else {
      failures[child.index] = {"error: simulation of host '" + host + "' " + detail::describe_status(status),
                               kExitInternal};
    }
  };

  std::vector<std::size_t> indices(names.size());
  for (std::size_t k = 0; k < indices.size(); ++k) indices[k] = k;
  run_in_children(
      indices,
      [&](std::size_t index) { return analysis::host_result_to_json(analysis::summarised(simulate(index))); },
      max_children, finish, [&] { return failures.empty(); });
  if (!failures.empty()) {
    const auto& [message, code] = failures.begin()->second;
    throw HostRunError(message, code);
  }
  return results;
}

}  // namespace headroom::cli
