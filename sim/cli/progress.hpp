// sim/cli/progress: a progress reporter on stderr for long commands (`sweep` points, `run`/`compare`
// simulated time). Three modes: `bar` (stderr is a terminal: one line redrawn with '\r': done/total,
// failures, elapsed, ETA), `lines` (not a terminal: a plain line at most every 10 s of wall time and
// one at the end, for logs), `quiet` (nothing). What done/total mean is left to a formatter, so one
// class prints "12/64 points" and "3.2 h / 24 h simulated".
// Header-only, included by sim/main.cpp's command headers and their tests.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>

namespace headroom::cli {

class Progress {
 public:
  enum class Mode { bar, lines, quiet };
  // "12/64 points": done and total as text.
  using Formatter = std::function<std::string(double done, double total)>;
  using Clock = std::function<double()>;  // seconds, monotonic

  static constexpr double kLineInterval_s = 10;  // lines mode: at most one line per 10 s
  static constexpr double kBarInterval_s = 0.1;  // bar mode: at most 10 redraws a second

  // bar when stderr is a terminal, lines when not, quiet when asked.
  static Mode choose_mode(bool quiet) {
    if (quiet) return Mode::quiet;
    return ::isatty(STDERR_FILENO) ? Mode::bar : Mode::lines;
  }

  // "12/64 points" (whole counts) for `what` = "points".
  static Formatter counts(const std::string& what) {
    return [what](double done, double total) {
      return whole(done) + "/" + whole(total) + (what.empty() ? "" : " " + what);
    };
  }

  // "simulated 3.2 h of 24 h" for seconds of simulated time.
  static Formatter simulated_time() {
    return [](double done_s, double total_s) { return "simulated " + duration(done_s) + " of " + duration(total_s); };
  }

  Progress(std::string what, double total, Mode mode, Formatter format = {}, std::FILE* out = stderr,
           Clock clock = steady_seconds)
      : what_(std::move(what)), total_(total), mode_(mode), format_(format ? std::move(format) : counts(what_)),
        out_(out), clock_(std::move(clock)), start_s_(clock_()), last_print_s_(start_s_) {}
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress() { finish(); }

  Mode mode() const { return mode_; }

  void update(double done, std::size_t failed = 0) {
    done_ = done;
    failed_ = failed;
    if (mode_ == Mode::quiet || finished_) return;
    const double now_s = clock_();
    const double interval_s = mode_ == Mode::bar ? kBarInterval_s : kLineInterval_s;
    if (now_s - last_print_s_ < interval_s) return;
    last_print_s_ = now_s;
    print(now_s);
  }

  // The final state (a last line; the bar's line ended). Idempotent.
  void finish() {
    if (finished_) return;
    finished_ = true;
    if (mode_ == Mode::quiet) return;
    print(clock_());
    if (mode_ == Mode::bar) std::fputc('\n', out_);
    std::fflush(out_);
  }

  // The status text without decoration: "points: 12/64 points, 1 failed, 0:42 elapsed, ETA 1:10".
  std::string status(double now_s) const {
    const double elapsed_s = std::max(0.0, now_s - start_s_);
    std::string text = what_ + ": " + format_(done_, total_);
    if (total_ > 0) text += " (" + whole(std::floor(100 * std::clamp(done_ / total_, 0.0, 1.0))) + "%)";
    if (failed_ > 0) text += ", " + whole(static_cast<double>(failed_)) + " failed";
    text += ", " + clock_text(elapsed_s) + " elapsed";
    if (!finished_ && done_ > 0 && total_ > done_)
      text += ", ETA " + clock_text(elapsed_s * (total_ - done_) / done_);
    return text;
  }

  // "0:42", "1:02:03".
  static std::string clock_text(double seconds) {
    const long s = std::lround(std::max(0.0, seconds));
    char text[32];
    if (s >= 3600)
      std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
      std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
    return text;
  }

  // "42 s", "3.2 min", "3.2 h", "2.5 d" (two significant digits past the unit's first).
  static std::string duration(double seconds) {
    struct Unit { const char* name; double s; };
    static constexpr Unit units[] = {{"d", 86400}, {"h", 3600}, {"min", 60}, {"s", 1}};
    for (const Unit& unit : units) {
      if (seconds >= unit.s || unit.s == 1) {
        char text[48];
        std::snprintf(text, sizeof text, "%.3g %s", seconds / unit.s, unit.name);
        return text;
      }
    }
    return "";
  }

 private:
  static double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  static std::string whole(double n) {
    char text[32];
    std::snprintf(text, sizeof text, "%.0f", n);
    return text;
  }

  // "[#######.............]": the share done, 20 cells.
  std::string bar() const {
    constexpr int kCells = 20;
    const double share = total_ > 0 ? std::clamp(done_ / total_, 0.0, 1.0) : 0.0;
    const int full = static_cast<int>(std::floor(share * kCells));
    return "[" + std::string(static_cast<std::size_t>(full), '#') + std::string(static_cast<std::size_t>(kCells - full), '.') + "]";
  }

  void print(double now_s) {
    const std::string text = status(now_s);
    if (mode_ == Mode::lines) {
      std::fprintf(out_, "%s\n", text.c_str());
    } else {
      // Redraw in place; pad over a longer previous line instead of relying on terminal escapes.
      const std::string line = bar() + " " + text;
      const std::size_t pad = last_width_ > line.size() ? last_width_ - line.size() : 0;
      std::fprintf(out_, "\r%s%s", line.c_str(), std::string(pad, ' ').c_str());
      last_width_ = line.size();
    }
    std::fflush(out_);
  }

  std::string what_;
  double total_;
  Mode mode_;
  Formatter format_;
  std::FILE* out_;
  Clock clock_;
  double start_s_, last_print_s_;
  double done_ = 0;
  std::size_t failed_ = 0;
  std::size_t last_width_ = 0;
  bool finished_ = false;
};

}  // namespace headroom::cli
