// The process tests/cli/capture.sh captures: it moves through known memory states, holding each
// for HOLD seconds, and logs "PHASE MONOTONIC_S" (CLOCK_MONOTONIC, the clock of the capture
// header's monotonic_start_s) on stdout once the state is reached:
//   base  the file FILE (FILE_MIB MiB) written (in the page cache, not mapped)
//   anon  + ANON_MIB MiB of anonymous memory, every page written
//   file  + FILE mmap'd and every page read (RssFile grows by FILE_MIB MiB)
//   free  the anonymous memory unmapped (RssAnon back to the base)
// then unmaps the file, removes it and exits 0.
// Usage: capture_child HOLD_S ANON_MIB FILE_MIB FILE
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace {

void log_phase(const char* name) {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  std::printf("%s %.6f\n", name, static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9);
  std::fflush(stdout);
}

void hold(double seconds) {
  const timespec t{static_cast<time_t>(seconds), static_cast<long>((seconds - static_cast<long>(seconds)) * 1e9)};
  nanosleep(&t, nullptr);
}

[[noreturn]] void fail(const char* what) {
  std::perror(what);
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: capture_child HOLD_S ANON_MIB FILE_MIB FILE\n");
    return 2;
  }
  const double hold_s = std::atof(argv[1]);
  const std::size_t anon_bytes = std::strtoull(argv[2], nullptr, 10) << 20;
  const std::size_t file_bytes = std::strtoull(argv[3], nullptr, 10) << 20;
  const char* path = argv[4];
  const long page = sysconf(_SC_PAGESIZE);

  const int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) fail("open");
  std::vector<char> chunk(1 << 20, 1);
  for (std::size_t done = 0; done < file_bytes; done += chunk.size())
    if (write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) fail("write");
  fsync(fd);
  log_phase("base");
  hold(hold_s);

  auto* anon = static_cast<char*>(mmap(nullptr, anon_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (anon == MAP_FAILED) fail("mmap anon");
  for (std::size_t i = 0; i < anon_bytes; i += page) anon[i] = 1;
  log_phase("anon");
  hold(hold_s);

  auto* file = static_cast<volatile char*>(mmap(nullptr, file_bytes, PROT_READ, MAP_SHARED, fd, 0));
  if (file == MAP_FAILED) fail("mmap file");
  unsigned sum = 0;
  for (std::size_t i = 0; i < file_bytes; i += page) sum += file[i];
  log_phase("file");
  hold(hold_s);

  munmap(anon, anon_bytes);
  log_phase("free");
  hold(hold_s);

  munmap(const_cast<char*>(file), file_bytes);
  close(fd);
  unlink(path);
  return sum == file_bytes / page ? 0 : 1;
}
