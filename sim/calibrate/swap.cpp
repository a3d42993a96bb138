// --swap: an anonymous array larger than a cgroup's limit, swept by a child process inside that
// cgroup, moves pages through the temporary swap file; pswpin/pswpout (/proc/vmstat, system-wide:
// run it on an otherwise idle machine) count the pages moved.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <map>
#include <vector>

#include "sim/calibrate/cleanup.hpp"
#include "sim/calibrate/measure.hpp"

namespace headroom::calibrate {
namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (::pipe2(fd, O_CLOEXEC) != 0) throw CalibrateError(std::string("--swap: pipe: ") + std::strerror(errno));
  }
  ~Pipe() {
    close_end(0);
    close_end(1);
  }
  void close_end(int end) {
    if (fd[end] >= 0) ::close(fd[end]);
    fd[end] = -1;
  }
};

// The child: wait for "go", fill the array, say "ready", wait for "go", sweep, exit.
// Only system calls and plain loops: the parent has no other threads at this point.
[[noreturn]] void child_main(int from_parent, int to_parent, std::uint64_t array_bytes,
                             std::uint64_t page_bytes, int passes) {
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  ::signal(SIGHUP, SIG_DFL);
  ::signal(SIGPIPE, SIG_DFL);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  char byte = 0;
  if (::read(from_parent, &byte, 1) != 1) ::_exit(3);
  void* data = ::mmap(nullptr, array_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED) ::_exit(4);
  ::madvise(data, array_bytes, MADV_NOHUGEPAGE);  // 4 KiB pages, as the swap counters count
  volatile unsigned char* bytes = static_cast<unsigned char*>(data);
  const std::uint64_t pages = array_bytes / page_bytes;
  for (std::uint64_t i = 0; i < pages; ++i) bytes[i * page_bytes] = 1;
  if (::write(to_parent, "r", 1) != 1 || ::read(from_parent, &byte, 1) != 1) ::_exit(5);
  for (int pass = 0; pass < passes; ++pass)
    for (std::uint64_t i = 0; i < pages; ++i) bytes[i * page_bytes] = static_cast<unsigned char>(bytes[i * page_bytes] + 1);
  ::_exit(0);
}

void wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    check_stop();
    const int n = ::poll(&p, 1, 50);
    if (n > 0) return;
    if (n < 0 && errno != EINTR) throw CalibrateError(std::string("--swap: poll: ") + std::strerror(errno));
  }
}

std::uint64_t vmstat(const char* key) {
  const auto value = vmstat_value(read_text("/proc/vmstat"), key);
  if (!value) throw CalibrateError(std::string("--swap: /proc/vmstat has no ") + key);
  return *value;
}

void say(int fd, const char* what) {
  if (::write(fd, what, 1) != 1) throw CalibrateError(std::string("--swap: the sweeping child stopped: ") + std::strerror(errno));
}

}  // namespace

void make_swap_file(const std::string& path, std::uint64_t bytes, std::uint64_t page_bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw CalibrateError("--swap: cannot create the swap file '" + path + "': " + std::strerror(errno));
  // Written out (not fallocated): every file system that can swap to a file accepts written blocks.
  std::vector<char> chunk(1 << 20, 0);
  bool ok = true;
  for (std::uint64_t done = 0; ok && done < bytes; done += chunk.size()) {
    check_stop();
    ok = ::pwrite(fd, chunk.data(), chunk.size(), static_cast<off_t>(done)) == static_cast<ssize_t>(chunk.size());
  }
  // The header mkswap writes (include/linux/swap.h, union swap_header): version 1 and the last
  // page at byte 1024, the signature in the page's last 10 bytes.
  std::vector<char> header(page_bytes, 0);
  const std::uint32_t version = 1, last_page = static_cast<std::uint32_t>(bytes / page_bytes - 1);
  std::memcpy(header.data() + 1024, &version, 4);
  std::memcpy(header.data() + 1028, &last_page, 4);
  std::memcpy(header.data() + page_bytes - 10, "SWAPSPACE2", 10);
  ok = ok && ::pwrite(fd, header.data(), header.size(), 0) == static_cast<ssize_t>(header.size()) && ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!ok) throw CalibrateError("--swap: cannot write the swap file '" + path + "': " + std::strerror(error));
}

// The largest change in use of the swap areas other than `own` between two /proc/swaps readings.
std::uint64_t others_changed_kib(const std::map<std::string, std::uint64_t>& before,
                                 const std::map<std::string, std::uint64_t>& after, const std::string& own) {
  std::uint64_t most = 0;
  for (const auto& [path, used] : after) {
    const auto old = before.find(path);
    if (path == own || old == before.end()) continue;
    most = std::max(most, used > old->second ? used - old->second : old->second - used);
  }
  return most;
}

SwapSweep swap_sweep(const Cgroup& cgroup, const std::string& own_swap_file, std::uint64_t array_bytes, std::uint64_t page_bytes, int passes) {
  Pipe to_child, to_parent;
  const pid_t pid = ::fork();
  if (pid < 0) throw CalibrateError(std::string("--swap: fork: ") + std::strerror(errno));
  if (pid == 0) child_main(to_child.fd[0], to_parent.fd[1], array_bytes, page_bytes, passes);
  Child child(pid);
  // The parent keeps only its own ends, so a child that dies reads as end-of-file, not a hang.
  to_child.close_end(0);
  to_parent.close_end(1);
  cgroup.add(pid);
  say(to_child.fd[1], "g");
  wait_readable(to_parent.fd[0]);
  char byte = 0;
  if (::read(to_parent.fd[0], &byte, 1) != 1)
    throw CalibrateError("--swap: the sweeping child died while filling its array (killed by the cgroup's OOM?)");
  const std::uint64_t in0 = vmstat("pswpin"), out0 = vmstat("pswpout");
  const auto swaps_before = swap_used_kib(read_text("/proc/swaps"));
  const double start = now_s();
  say(to_child.fd[1], "g");
  const int status = child.wait();
  const double wall_s = now_s() - start;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw CalibrateError("--swap: the sweeping child failed (" +
                         (WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status)) + ", the cgroup's OOM?"
                                              : "exit status " + std::to_string(WEXITSTATUS(status))) + ")");
  const std::uint64_t in = vmstat("pswpin") - in0, out = vmstat("pswpout") - out0;
  const std::uint64_t others = others_changed_kib(swaps_before, swap_used_kib(read_text("/proc/swaps")), own_swap_file);
  return {wall_s, in + out, in, out, others};
}

}  // namespace headroom::calibrate
