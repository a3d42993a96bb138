// Internal to sim/calibrate: the stop flag set by SIGINT/SIGTERM/SIGHUP, and the owners of what
// calibrate creates. Each owner removes its thing in its destructor; the run declares them in the
// order they are created, so unwinding (normal return, CalibrateError, Interrupted) removes them in
// reverse: child process, cgroup, swap (swapoff), files. The handler only sets the flag: long loops
// call check_stop() between short system calls, and waits poll the flag.
#pragma once

#include <sys/types.h>

#include <string>

namespace headroom::calibrate {

void install_signal_handlers();
void restore_signal_handlers();
int stop_signal();  // 0 while running
void check_stop();  // throws Interrupted once a signal came

double now_s();  // steady clock, seconds
std::string read_text(const std::string& path);                    // "" when unreadable
void write_text(const std::string& path, const std::string& text);  // CalibrateError on failure

// A file calibrate created (test file, swap file): unlinked on destruction.
class OwnedFile {
 public:
  explicit OwnedFile(std::string path) : path_(std::move(path)) {}
  ~OwnedFile();
  OwnedFile(const OwnedFile&) = delete;
  OwnedFile& operator=(const OwnedFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A swap file in use: swapoff on destruction (before its OwnedFile unlinks it).
class SwapOn {
 public:
  SwapOn(const std::string& path, int priority);  // CalibrateError when swapon fails
  ~SwapOn();
  SwapOn(const SwapOn&) = delete;
  SwapOn& operator=(const SwapOn&) = delete;

 private:
  std::string path_;
};

// A temporary memory cgroup (v2 when the unified hierarchy has the memory controller, else v1):
// rmdir on destruction (retried: the kernel may take a moment after its last task died).
class Cgroup {
 public:
  Cgroup(const std::string& name, unsigned long long limit_bytes);  // CalibrateError on failure
  ~Cgroup();
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  void add(pid_t pid) const;
  const std::string& dir() const { return dir_; }
  bool v2() const { return v2_; }

 private:
  std::string dir_;
  bool v2_ = false;
};

// A child process: SIGKILL and reaped on destruction unless it was reaped already.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  pid_t pid() const { return pid_; }
  // Waits for the child to exit, polling the stop flag; returns its wait status.
  int wait();

 private:
  pid_t pid_;
};

}  // namespace headroom::calibrate
