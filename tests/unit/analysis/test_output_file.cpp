// The one report writer (analysis/output_file.hpp): what --out does to files, links and devices.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/output_file.hpp"

using namespace headroom::analysis;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("hr-output-" + std::to_string(::getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  std::size_t entries() const { return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {})); }
};

std::string content(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

mode_t mode_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  return info.st_mode;
}

std::string error_of(const std::string& path) {
  try {
    check_output_path(path);
  } catch (const OutputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a regular file is replaced whole, keeps its mode, and no temporary is left") {
  TempDir dir;
  const std::string path = dir / "report.md";
  write_output_file(path, "old text, longer than the new one\n");
  ::chmod(path.c_str(), 0640);
  write_output_file(path, "new\n");
  CHECK(content(path) == "new\n");
  CHECK((mode_of(path) & 07777) == 0640);
  CHECK(dir.entries() == 1);
}

TEST_CASE("a new file gets 0666 minus the umask") {
  TempDir dir;
  const mode_t previous = ::umask(027);
  write_output_file(dir / "a.json", "{}\n");
  ::umask(002);
  write_output_file(dir / "b.json", "{}\n");
  ::umask(previous);
  CHECK((mode_of(dir / "a.json") & 07777) == 0640);  // 0666 & ~027
  CHECK((mode_of(dir / "b.json") & 07777) == 0664);  // 0666 & ~002
}

TEST_CASE("a symbolic link stays a link, its target is replaced and keeps its mode") {
  TempDir dir;
  fs::create_directories(dir.path / "real");
  const std::string target = dir / "real/report.csv";
  write_output_file(target, "old\n");
  ::chmod(target.c_str(), 0604);
  fs::create_symlink("real/report.csv", dir.path / "link.csv");  // relative to the link's directory
  fs::create_symlink("link.csv", dir.path / "link2.csv");         // a chain
  write_output_file(dir / "link2.csv", "new\n");
  CHECK(S_ISLNK(mode_of(dir / "link.csv")));
  CHECK(S_ISLNK(mode_of(dir / "link2.csv")));
  CHECK(fs::read_symlink(dir.path / "link.csv") == "real/report.csv");
  CHECK(content(target) == "new\n");
  CHECK((mode_of(target) & 07777) == 0604);
  CHECK(std::distance(fs::directory_iterator(dir.path / "real"), {}) == 1);
}

TEST_CASE("a dangling link creates its target") {
  TempDir dir;
  fs::create_symlink("made.json", dir.path / "link.json");
  write_output_file(dir / "link.json", "x\n");
  CHECK(S_ISLNK(mode_of(dir / "link.json")));
  CHECK(content(dir / "made.json") == "x\n");
}

TEST_CASE("a device node is written in place, never replaced") {
  write_output_file("/dev/null", "discarded\n");
  CHECK(S_ISCHR(mode_of("/dev/null")));
  TempDir dir;
  fs::create_symlink("/dev/null", dir.path / "null-link");
  write_output_file(dir / "null-link", "discarded\n");
  CHECK(S_ISLNK(mode_of(dir / "null-link")));
  CHECK(S_ISCHR(mode_of("/dev/null")));
}

TEST_CASE("a FIFO is written in place") {
  TempDir dir;
  const std::string fifo = dir / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // a reader, so opening to write does not block
  REQUIRE(reader >= 0);
  write_output_file(fifo, "through the pipe\n");
  char buffer[64] = {};
  CHECK(::read(reader, buffer, sizeof buffer) == 17);
  CHECK(std::string(buffer) == "through the pipe\n");
  ::close(reader);
  CHECK(S_ISFIFO(mode_of(fifo)));
}

TEST_CASE("paths that cannot take a report are refused before anything is written") {
  TempDir dir;
  CHECK(error_of(dir.path.string()) == "cannot write '" + dir.path.string() + "': expected a file, found a directory");
  CHECK(error_of(dir / "missing/x.json") ==
        "cannot write '" + (dir / "missing/x.json") + "': directory '" + (dir / "missing") + "' does not exist");
  write_output_file(dir / "file", "x");
  CHECK(error_of(dir / "file/x.json") ==
        "cannot write '" + (dir / "file/x.json") + "': '" + (dir / "file") + "' is not a directory");
  fs::create_symlink("loop", dir.path / "loop");
  CHECK(error_of(dir / "loop") == "cannot write '" + (dir / "loop") + "': too many levels of symbolic links");
  CHECK(error_of("") == "cannot write '': expected a file path, found an empty value");
  CHECK(error_of(dir / "new.json").empty());
  CHECK(dir.entries() == 2);  // file, loop: checking wrote nothing
  if (::geteuid() != 0) {  // root may write anywhere
    ::chmod(dir.path.c_str(), 0500);
    CHECK(error_of(dir / "new.json") == "cannot write '" + (dir / "new.json") + "': directory '" +
                                            dir.path.string() + "' is not writable (Permission denied)");
    ::chmod(dir.path.c_str(), 0700);
  }
}
