// The capture loop of sim/capture (capture.hpp): timing, output file and stop signals.
//
// Timing: sample k is taken at start + k x interval on CLOCK_MONOTONIC (absolute deadlines: a slow
// read never shifts the later samples; a deadline already past is skipped, so a stalled machine
// loses samples instead of bunching them). The time column is when the sample was read, in seconds
// since the first one.
// Signals: SIGINT, SIGTERM and SIGHUP are blocked and waited for with sigtimedwait until each
// deadline, so a signal stops the capture at once (no handler, no race between a flag check and a
// sleep); signals the shell ignores (nohup) stay ignored.
// Output: rows go to FILE.tmp as they are read (one write(2) each, so a killed capture leaves its
// rows there); at the end FILE.tmp is fsync'd and renamed over FILE, so FILE is always complete.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "sim/capture/capture.hpp"
#include "sim/text.hpp"

namespace headroom::capture {
namespace {

double monotonic_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// The stop signals, blocked for the capture's lifetime (restored by the destructor).
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction current {};
      ::sigaction(signal, nullptr, &current);
      if (current.sa_handler != SIG_IGN) sigaddset(&set_, signal);
    }
    ::pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~StopSignals() {
    // A signal still pending would act on unblocking (exit 130 after a complete capture): take it.
    timespec zero{};
    while (::sigtimedwait(&set_, nullptr, &zero) > 0) {
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Waits until monotonic time `deadline_s`; returns the signal that came first, or 0.
  int wait_until(double deadline_s) const {
    for (;;) {
      const double left_s = deadline_s - monotonic_s();
      if (left_s <= 0) return 0;
      timespec timeout{};
      timeout.tv_sec = static_cast<time_t>(left_s);
      timeout.tv_nsec = static_cast<long>((left_s - static_cast<double>(timeout.tv_sec)) * 1e9);
      const int signal = ::sigtimedwait(&set_, nullptr, &timeout);
      if (signal > 0) return signal;
      if (errno != EAGAIN && errno != EINTR) return 0;
    }
  }
  int pending() const {
    timespec zero{};
    const int signal = ::sigtimedwait(&set_, nullptr, &zero);
    return signal > 0 ? signal : 0;
  }

 private:
  sigset_t set_{}, old_{};
};

// FILE.tmp while the capture runs; finish() makes it FILE. Removed when not finished.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path) : path_(path), tmp_(path + ".tmp") {
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      throw CaptureError("cannot write " + shown(path_, 200) + ": " +
                         (S_ISDIR(st.st_mode) ? "a directory" : "not a regular file") + " (expected a CSV file path)");
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) throw CaptureError("cannot write " + shown(path_, 200) + " (through " + shown(tmp_, 200) + "): " + std::strerror(errno));
  }
  ~OutputFile() {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(tmp_.c_str());
    }
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(const std::string& text) {
    for (std::size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw CaptureError("cannot write " + shown(tmp_, 200) + ": " + std::strerror(n < 0 ? errno : ENOSPC));
      done += static_cast<std::size_t>(n);
    }
  }
  void finish() {
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
      const int error = errno;
      fd_ = -1;
      ::unlink(tmp_.c_str());
      throw CaptureError("cannot write " + shown(tmp_, 200) + ": " + std::strerror(error));
    }
    fd_ = -1;
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
      const int error = errno;
      ::unlink(tmp_.c_str());
      throw CaptureError("cannot rename " + shown(tmp_, 200) + " to " + shown(path_, 200) + ": " + std::strerror(error));
    }
  }

 private:
  std::string path_, tmp_;
  int fd_ = -1;
};

}  // namespace

Outcome run(const Options& options) {
  if (!(options.interval_s > 0) || !std::isfinite(options.interval_s))
    throw CaptureError("--interval: expected a positive duration, found '" + shown(options.interval_text) + "'");
  std::unique_ptr<Source> source = open_source(options);
  OutputFile out(options.out);
  StopSignals signals;
  Outcome outcome;
  const double start_s = monotonic_s();
  out.write("# headroom capture: source=" + source->describe() + ", interval=" + options.interval_text + ", started " +
            utc_now() + ", monotonic_start_s=" + std::to_string(start_s) + "; " + source->notes() + "\n" +
            kCsvColumns + "\n");
  for (std::uint64_t k = 0;; ++k) {
    const double due_s = static_cast<double>(k) * options.interval_s;
    if (options.duration_s && due_s > *options.duration_s + 1e-9) break;
    if (k > 0 && (outcome.stop_signal = signals.wait_until(start_s + due_s)) != 0) break;
    const double now_s = monotonic_s();
    std::optional<Reading> reading = source->read();
    if (!reading) {
      outcome.source_ended = source->ended();
      break;
    }
    out.write(csv_row(now_s - start_s, *reading));
    ++outcome.samples;
    if ((outcome.stop_signal = signals.pending()) != 0) break;
    // Skip deadlines already past (a stalled machine): the next sample is the next one due.
    const double late_s = monotonic_s() - start_s;
    while (static_cast<double>(k + 1) * options.interval_s < late_s) ++k;
  }
  out.finish();
  return outcome;
}

}  // namespace headroom::capture
