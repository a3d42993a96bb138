// sim/cli/progress.hpp: what each mode prints, when, with a fake clock and a memory stream.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "sim/cli/progress.hpp"

using headroom::cli::Progress;

namespace {

// A stream whose text can be read back, and a clock the test moves.
struct Capture {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* file = open_memstream(&buffer, &size);
  double now_s = 100;
  ~Capture() {
    std::fclose(file);
    std::free(buffer);
  }
  std::string text() {
    std::fflush(file);
    return std::string(buffer, size);
  }
  Progress::Clock clock() {
    return [this] { return now_s; };
  }
};

}  // namespace

TEST_CASE("progress: lines mode prints at most every 10 s and at the end") {
  Capture out;
  {
    Progress progress("sweep", 64, Progress::Mode::lines, Progress::counts("points"), out.file, out.clock());
    out.now_s = 105;
    progress.update(8);
    CHECK(out.text().empty());  // 5 s: too early
    out.now_s = 110;
    progress.update(16, 1);
    CHECK(out.text() == "sweep: 16/64 points (25%), 1 failed, 0:10 elapsed, ETA 0:30\n");
    out.now_s = 115;
    progress.update(32, 1);
    CHECK(out.text() == "sweep: 16/64 points (25%), 1 failed, 0:10 elapsed, ETA 0:30\n");
    out.now_s = 160;
    progress.update(64, 2);
    progress.finish();
    progress.finish();  // once only
  }
  CHECK(out.text() ==
        "sweep: 16/64 points (25%), 1 failed, 0:10 elapsed, ETA 0:30\n"
        "sweep: 64/64 points (100%), 2 failed, 1:00 elapsed\n"
        "sweep: 64/64 points (100%), 2 failed, 1:00 elapsed\n");
}

TEST_CASE("progress: bar mode redraws one line in place and ends it") {
  Capture out;
  {
    Progress progress("sweep", 4, Progress::Mode::bar, Progress::counts("points"), out.file, out.clock());
    out.now_s = 101;
    progress.update(1);
    out.now_s = 3702;
    progress.update(3);
  }  // the destructor finishes
  CHECK(out.text() ==
        "\r[#####...............] sweep: 1/4 points (25%), 0:01 elapsed, ETA 0:03"
        "\r[###############.....] sweep: 3/4 points (75%), 1:00:02 elapsed, ETA 20:01"
        "\r[###############.....] sweep: 3/4 points (75%), 1:00:02 elapsed           \n");
}

TEST_CASE("progress: quiet prints nothing, simulated time is formatted with units") {
  Capture out;
  {
    Progress progress("run", 86400, Progress::Mode::quiet, Progress::simulated_time(), out.file, out.clock());
    out.now_s = 1000;
    progress.update(3600);
  }
  CHECK(out.text().empty());
  CHECK(Progress::simulated_time()(11520, 86400) == "simulated 3.2 h of 1 d");
  CHECK(Progress::duration(42) == "42 s");
  CHECK(Progress::duration(0) == "0 s");
  CHECK(Progress::duration(90) == "1.5 min");
  CHECK(Progress::clock_text(59.6) == "1:00");
  CHECK(Progress::choose_mode(true) == Progress::Mode::quiet);
}
