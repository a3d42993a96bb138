// One SimGrid engine per process: a test comparing two runs makes one of them in a child (fork),
// which sends back the figures `run_figures` returns. Test-only (doctest), so engine_fixtures.hpp,
// which the benchmarks include too, stays free of it.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include <doctest/doctest.h>

namespace headroom::test {

template <class Fn>
inline std::vector<double> in_child(Fn run_figures) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const std::vector<double> figures = run_figures();
    const auto bytes = static_cast<ssize_t>(figures.size() * sizeof(double));
    _exit(write(fds[1], figures.data(), static_cast<std::size_t>(bytes)) == bytes ? 0 : 1);
  }
  close(fds[1]);
  std::vector<double> figures;
  double value = 0;
  while (read(fds[0], &value, sizeof value) == static_cast<ssize_t>(sizeof value)) figures.push_back(value);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return figures;
}

}  // namespace headroom::test
