// The sources of sim/capture (capture.hpp): a process, a memory cgroup (v1 or v2) or the host.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sim/capture/capture.hpp"
#include "sim/text.hpp"

namespace headroom::capture {
namespace {

struct FileText {
  std::string text;
  int error = 0;  // errno of the failed open/read, 0 when read
};

// The whole of a (small, /proc or cgroup) file.
FileText read_file(const std::string& path) {
  FileText out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    out.error = errno;
    return out;
  }
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      out.error = errno;
      break;
    }
    out.text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string unreadable(const std::string& path, int error) {
  return "cannot read " + shown(path, 200) + ": " + std::strerror(error);
}

// Reads a file that must be readable when the capture starts.
std::string required(const std::string& path) {
  FileText f = read_file(path);
  if (f.error) throw CaptureError(unreadable(path, f.error));
  return std::move(f.text);
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// The host-wide figures every source may add: /proc/vmstat's swap counters, /proc/pressure/memory.
// PSI is optional (a kernel without it, or booted with psi=0, fails the read): blank columns then.
class HostWide {
 public:
  explicit HostWide(const std::string& proc_root)
      : vmstat_(proc_root + "/vmstat"), pressure_(proc_root + "/pressure/memory") {
    required(vmstat_);
    const FileText psi = read_file(pressure_);
    psi_ = psi.error == 0 && psi_total_us(psi.text, "some").has_value();
  }
  bool psi() const { return psi_; }
  const std::string& vmstat() const { return vmstat_; }
  const std::string& pressure() const { return pressure_; }
  void add_swap_counters(Reading& r, bool pgmajfault) const {
    const FileText f = read_file(vmstat_);
    if (f.error) return;
    r.pswpin = key_value(f.text, "pswpin");
    r.pswpout = key_value(f.text, "pswpout");
    if (pgmajfault) r.pgmajfault = key_value(f.text, "pgmajfault");
  }
  void add_psi(Reading& r) const { add_psi_from(pressure_, r); }
  static void add_psi_from(const std::string& path, Reading& r) {
    const FileText f = read_file(path);
    if (f.error) return;
    r.psi_some_us = psi_total_us(f.text, "some");
    r.psi_full_us = psi_total_us(f.text, "full");
  }

 private:
  std::string vmstat_, pressure_;
  bool psi_ = false;
};

class PidSource : public Source {
 public:
  PidSource(const Options& o)
      : pid_(o.pid), dir_(o.proc_root + "/" + std::to_string(o.pid)), host_(o.proc_root) {
    const FileText status = read_file(dir_ + "/status");
    if (status.error == ENOENT || status.error == ESRCH)
      throw CaptureError("no process with pid " + std::to_string(pid_) + " (" + unreadable(dir_ + "/status", status.error) + ")");
    if (status.error) throw CaptureError(unreadable(dir_ + "/status", status.error));
    const std::string stat = required(dir_ + "/stat");
    start_time_ = stat_field(stat, 22);
    const std::size_t open = stat.find('('), close = stat.rfind(')');
    if (open != std::string::npos && close != std::string::npos && close > open)
      name_ = stat.substr(open + 1, close - open - 1);
    if (gone(stat))
      throw CaptureError("process " + std::to_string(pid_) + " (" + shown(name_) + ") has exited (a zombie)");
    if (!status_bytes(status.text, "VmRSS"))
      throw CaptureError("process " + std::to_string(pid_) + " (" + shown(name_) +
                         ") has no user memory (VmRSS missing from " + shown(dir_, 200) + "/status: a kernel thread?)");
  }

  std::optional<Reading> read() override {
    const FileText status = read_file(dir_ + "/status");
    const FileText stat = read_file(dir_ + "/stat");
    if (status.error || stat.error || gone(stat.text) || stat_field(stat.text, 22) != start_time_)
      return std::nullopt;  // exited, reaped, or the pid was reused
    Reading r;
    r.rss_bytes = status_bytes(status.text, "VmRSS");
    if (!r.rss_bytes) return std::nullopt;  // exited between the reads (the mm is gone)
    r.anon_bytes = status_bytes(status.text, "RssAnon");
    r.file_bytes = status_bytes(status.text, "RssFile");
    r.swap_bytes = status_bytes(status.text, "VmSwap");
    r.pgmajfault = stat_field(stat.text, 12);
    host_.add_swap_counters(r, false);
    if (host_.psi()) host_.add_psi(r);
    return r;
  }

  std::string describe() const override { return "pid " + std::to_string(pid_) + " (" + shown(name_) + ")"; }
  std::string notes() const override {
    return "rss anon file swap from " + dir_ + "/status (VmRSS RssAnon RssFile VmSwap), pgmajfault from " + dir_ +
           "/stat (majflt, this process only); host-wide: pswpin pswpout from " + host_.vmstat() +
           (host_.psi() ? ", psi from " + host_.pressure() : ", psi not available");
  }
  std::string ended() const override { return "process " + std::to_string(pid_) + " exited"; }

 private:
  // A zombie (Z) or dead (X) task has no memory left to sample.
  static bool gone(const std::string& stat) {
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) return true;
    const char state = stat[close + 2];
    return state == 'Z' || state == 'X';
  }

  pid_t pid_;
  std::string dir_, name_;
  std::optional<std::uint64_t> start_time_;
  HostWide host_;
};

class CgroupSource : public Source {
 public:
  explicit CgroupSource(const Options& o) : dir_(o.cgroup), host_(o.proc_root) {
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    struct stat st {};
    if (::stat(dir_.c_str(), &st) != 0)
      throw CaptureError("cannot open cgroup directory " + shown(dir_, 200) + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) throw CaptureError(shown(dir_, 200) + " is not a directory (expected a cgroup directory)");
    if (exists(dir_ + "/memory.current")) {
      v2_ = true;
    } else if (!exists(dir_ + "/memory.usage_in_bytes")) {
      throw CaptureError(shown(dir_, 200) +
                         " is not a memory cgroup directory (expected memory.current (cgroup v2) or "
                         "memory.usage_in_bytes (cgroup v1) in it; the v2 root has neither: use --system)");
    }
    const std::string stat_text = required(dir_ + "/memory.stat");
    required(dir_ + (v2_ ? "/memory.current" : "/memory.usage_in_bytes"));
    own_swap_counters_ = v2_ && key_value(stat_text, "pswpin").has_value();
    own_psi_ = v2_ && read_file(dir_ + "/memory.pressure").error == 0;
  }

  std::optional<Reading> read() override {
    const FileText usage = read_file(dir_ + (v2_ ? "/memory.current" : "/memory.usage_in_bytes"));
    const FileText stat = read_file(dir_ + "/memory.stat");
    if (usage.error || stat.error) return std::nullopt;  // removed (rmdir) under us
    Reading r;
    r.rss_bytes = key_value("usage " + usage.text, "usage");
    if (v2_) {
      r.anon_bytes = key_value(stat.text, "anon");
      r.file_bytes = key_value(stat.text, "file");
      r.pgmajfault = key_value(stat.text, "pgmajfault");
      const FileText swap = read_file(dir_ + "/memory.swap.current");
      if (!swap.error) r.swap_bytes = key_value("swap " + swap.text, "swap");
    } else {
      r.anon_bytes = first_of(stat.text, "total_rss", "rss");
      r.file_bytes = first_of(stat.text, "total_cache", "cache");
      r.swap_bytes = first_of(stat.text, "total_swap", "swap");
      r.pgmajfault = first_of(stat.text, "total_pgmajfault", "pgmajfault");
    }
    if (own_swap_counters_) {
      r.pswpin = key_value(stat.text, "pswpin");
      r.pswpout = key_value(stat.text, "pswpout");
    } else {
      host_.add_swap_counters(r, false);
    }
    if (own_psi_)
      HostWide::add_psi_from(dir_ + "/memory.pressure", r);
    else if (host_.psi())
      host_.add_psi(r);
    return r;
  }

  std::string describe() const override { return std::string("cgroup ") + (v2_ ? "v2 " : "v1 ") + dir_; }
  std::string notes() const override {
    std::string n = v2_ ? "rss = memory.current, anon file pgmajfault from memory.stat, swap = memory.swap.current"
                        : "rss = memory.usage_in_bytes, anon file swap pgmajfault from memory.stat (total_rss "
                          "total_cache total_swap total_pgmajfault)";
    std::string host_wide;
    if (own_swap_counters_)
      n += ", pswpin pswpout from memory.stat";
    else
      host_wide += "pswpin pswpout from " + host_.vmstat();
    if (own_psi_)
      n += ", psi from memory.pressure";
    else if (host_.psi())
      host_wide += (host_wide.empty() ? "" : ", ") + std::string("psi from ") + host_.pressure();
    else
      n += ", psi not available";
    return host_wide.empty() ? n : n + "; host-wide: " + host_wide;
  }
  std::string ended() const override { return "cgroup " + dir_ + " was removed"; }

 private:
  static std::optional<std::uint64_t> first_of(const std::string& text, std::string_view a, std::string_view b) {
    const auto value = key_value(text, a);
    return value ? value : key_value(text, b);
  }

  std::string dir_;
  HostWide host_;
  bool v2_ = false, own_swap_counters_ = false, own_psi_ = false;
};

class SystemSource : public Source {
 public:
  explicit SystemSource(const Options& o) : meminfo_(o.proc_root + "/meminfo"), host_(o.proc_root) { required(meminfo_); }

  std::optional<Reading> read() override {
    Reading r;
    const FileText m = read_file(meminfo_);
    if (!m.error) {
      r.anon_bytes = status_bytes(m.text, "AnonPages");
      r.file_bytes = status_bytes(m.text, "Cached");
      const auto total = status_bytes(m.text, "SwapTotal"), free = status_bytes(m.text, "SwapFree");
      if (total && free && *total >= *free) r.swap_bytes = *total - *free;
    }
    host_.add_swap_counters(r, true);
    if (host_.psi()) host_.add_psi(r);
    return r;
  }
  std::string describe() const override { return "system"; }
  std::string notes() const override {
    return "anon file swap from " + meminfo_ + " (AnonPages, Cached, SwapTotal - SwapFree), rss blank, pgmajfault "
           "pswpin pswpout from " + host_.vmstat() + (host_.psi() ? ", psi from " + host_.pressure() : ", psi not available");
  }
  std::string ended() const override { return "the system went away"; }

 private:
  std::string meminfo_;
  HostWide host_;
};

}  // namespace

std::unique_ptr<Source> open_source(const Options& options) {
  switch (options.kind) {
    case SourceKind::pid: return std::make_unique<PidSource>(options);
    case SourceKind::cgroup: return std::make_unique<CgroupSource>(options);
    case SourceKind::system: return std::make_unique<SystemSource>(options);
  }
  throw CaptureError("no source chosen");
}

}  // namespace headroom::capture
