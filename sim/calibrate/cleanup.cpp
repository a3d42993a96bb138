#include "sim/calibrate/cleanup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "sim/calibrate/calibrate.hpp"

namespace headroom::calibrate {
namespace {

volatile sig_atomic_t g_stop_signal = 0;
struct sigaction g_old[3], g_old_pipe;
constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};

void on_signal(int signal) { g_stop_signal = signal; }

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked call returns EINTR and the loop sees the flag
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &g_old[i]);
  // A write to the pipe of a child that died is an EPIPE error to report, not a silent death.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, &g_old_pipe);
}

void restore_signal_handlers() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &g_old[i], nullptr);
  sigaction(SIGPIPE, &g_old_pipe, nullptr);
}

int stop_signal() { return g_stop_signal; }

void check_stop() {
  if (g_stop_signal) throw Interrupted{g_stop_signal};
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw CalibrateError("cannot write '" + text + "' to " + path + ": " + reason);
  }
  ::close(fd);
}

OwnedFile::~OwnedFile() { ::unlink(path_.c_str()); }

SwapOn::SwapOn(const std::string& path, int priority) : path_(path) {
  const int flags = SWAP_FLAG_PREFER | ((priority << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK);
  if (::swapon(path.c_str(), flags) != 0)
    throw CalibrateError("--swap: swapon of the temporary swap file " + path + " failed: " +
                         std::strerror(errno) + " (this kernel or file system cannot swap to a file)");
}

SwapOn::~SwapOn() {
  // swapoff reads every swapped page back; the sweeping child is gone by now, so it is quick.
  while (::swapoff(path_.c_str()) != 0 && errno == EINTR) {
  }
}

Cgroup::Cgroup(const std::string& name, unsigned long long limit_bytes) {
  const std::string unified = "/sys/fs/cgroup";
  v2_ = read_text(unified + "/cgroup.controllers").find("memory") != std::string::npos;
  const std::string root = v2_ ? unified : unified + "/memory";
  if (!v2_ && ::access((root + "/memory.limit_in_bytes").c_str(), F_OK) != 0)
    throw CalibrateError("--swap: no memory cgroup is mounted (neither cgroup v2 with the memory controller "
                         "at /sys/fs/cgroup nor v1 at /sys/fs/cgroup/memory)");
  const std::string dir = root + "/" + name;
  if (::mkdir(dir.c_str(), 0755) != 0)
    throw CalibrateError("--swap: cannot create the cgroup " + dir + ": " + std::strerror(errno));
  try {
    write_text(dir + (v2_ ? "/memory.max" : "/memory.limit_in_bytes"), std::to_string(limit_bytes));
  } catch (...) {
    ::rmdir(dir.c_str());  // a constructor that throws gets no destructor
    throw;
  }
  dir_ = dir;
}

void Cgroup::add(pid_t pid) const { write_text(dir_ + "/cgroup.procs", std::to_string(pid)); }

Cgroup::~Cgroup() {
  if (dir_.empty()) return;
  for (int attempt = 0; attempt < 100 && ::rmdir(dir_.c_str()) != 0 && errno == EBUSY; ++attempt) sleep_ms(20);
}

int Child::wait() {
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return status;
    }
    if (done < 0 && errno != EINTR) {
      pid_ = -1;
      throw CalibrateError(std::string("--swap: lost the sweeping child: ") + std::strerror(errno));
    }
    check_stop();
    sleep_ms(5);
  }
}

Child::~Child() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace headroom::calibrate
