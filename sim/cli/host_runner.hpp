// sim/cli: the command-line front end (sim/main.cpp is the entry point; this folder holds its parts).
//
// host_runner: runs one simulation per host, each in its own child process, because SimGrid allows
// one Engine per process. A child writes its HostResult as JSON (analysis/result_json.hpp) to a
// file in a private temporary directory; the parent waits, reads and merges the results in the
// order the hosts were given. Header-only: included by sim/main.cpp alone (the build compiles
// sim/main.cpp as the only source of the `headroom` executable).
#pragma once

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/result_json.hpp"
#include "sim/config/error.hpp"

namespace headroom::cli {

// Exit codes of the headroom executable.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;  // a simulation crashed or failed internally
inline constexpr int kExitBadInput = 2;  // scenario, trace, command line or output path

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

inline void write_all(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The child's whole life: simulate, write the result (or the error text), exit without running
// the parent's atexit handlers or flushing its stdio buffers a second time.
[[noreturn]] inline void child_main(const SimulateOne& simulate, std::size_t index,
                                    const std::string& result_path) {
  int code = kExitOk;
  try {
    write_all(result_path, analysis::host_result_to_json(simulate(index)));
  } catch (const config::ConfigError& e) {
    write_all(result_path, e.what());
    code = kExitBadInput;
  } catch (const std::exception& e) {
    write_all(result_path, e.what());
    code = kExitInternal;
  } catch (...) {
    write_all(result_path, "unknown exception");
    code = kExitInternal;
  }
  std::fflush(nullptr);
  ::_exit(code);
}

struct Child {
  std::size_t index;
  std::string result_path;
};

inline std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "crashed with signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(status)) + " without a result";
}

}  // namespace detail

// Simulates hosts 0..names.size()-1 with at most `max_children` children at once and returns the
// results in index order. The first failure (in host order) is thrown as HostRunError after every
// started child has finished; no new child starts once one has failed.
inline std::vector<analysis::HostResult> run_hosts_in_children(const std::vector<std::string>& names,
                                                               const SimulateOne& simulate,
                                                               std::size_t max_children) {
  namespace fs = std::filesystem;
  std::string dir_template = (fs::temp_directory_path() / "headroom-XXXXXX").string();
  if (::mkdtemp(dir_template.data()) == nullptr) {
    throw HostRunError("error: cannot create a temporary directory for host results: " +
                           std::string(std::strerror(errno)), kExitInternal);
  }
  const fs::path dir = dir_template;
  std::vector<analysis::HostResult> results(names.size());
  std::map<std::size_t, std::pair<std::string, int>> failures;  // host index -> (message, exit code)
  std::map<pid_t, detail::Child> running;
  std::size_t next = 0;

  auto finish = [&](pid_t pid, int status) {
    const detail::Child child = running.at(pid);
    running.erase(pid);
    const std::string& host = names[child.index];
    const std::string text = detail::read_all(child.result_path);
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

  while (next < names.size() || !running.empty()) {
    if (failures.empty() && next < names.size() && running.size() < max_children) {
      const std::string path = (dir / ("host-" + std::to_string(next) + ".json")).string();
      std::fflush(nullptr);  // the child must not re-emit the parent's buffered output
      const pid_t pid = ::fork();
      if (pid < 0) {
        failures[next] = {"error: cannot start a process for host '" + names[next] +
                              "': " + std::strerror(errno), kExitInternal};
        continue;
      }
      if (pid == 0) detail::child_main(simulate, next, path);
      running[pid] = {next, path};
      ++next;
      continue;
    }
    if (running.empty()) break;  // a failure stopped new starts and nothing is left to wait for
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (running.count(pid)) finish(pid, status);
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  if (!failures.empty()) {
    const auto& [message, code] = failures.begin()->second;
    throw HostRunError(message, code);
  }
  return results;
}

}  // namespace headroom::cli
