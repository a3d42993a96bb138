// Why a path cannot be read as an input file, in words true to the cause: one rule for scenario
// files, the files a scenario names (traces) and the traces of `cache` and `mrc`, so "does not
// exist" is said only when nothing is there (not for a directory, a FIFO or a symlink loop).
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

namespace headroom {

// The words for a failed open(2) of `path` with `error`; `no_such_file` is what to say for ENOENT
// (each caller keeps its own wording for the common case).
inline std::string open_failure(const std::string& path, int error, const std::string& no_such_file) {
  struct stat st {};
  switch (error) {
    case ENOENT:
      if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) return "a symbolic link to a missing file";
      return no_such_file;
    case ELOOP: return "a symbolic link loop (too many levels of symbolic links)";
    case EACCES: return "a file this user may not read (permission denied)";
    case ENOTDIR: return "a path through a file that is not a directory";
    case ENXIO: return "a socket or a device without a driver";
    default: return std::strerror(error);
  }
}

// nullopt when `path` opens for reading and is a regular file; else what it is instead.
// O_NONBLOCK: opening a named pipe must not wait for a writer that may never come.
inline std::optional<std::string> regular_file_problem(const std::string& path, const std::string& no_such_file) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return open_failure(path, errno, no_such_file);
  struct stat st {};
  const int rc = ::fstat(fd, &st);
  const int fstat_error = errno;
  ::close(fd);
  if (rc != 0) return std::string(std::strerror(fstat_error));
  if (S_ISDIR(st.st_mode)) return std::string("a directory");
  if (S_ISFIFO(st.st_mode)) return std::string("a named pipe (FIFO), not a file");
  if (!S_ISREG(st.st_mode)) return std::string("a device or special file, not a regular file");
  return std::nullopt;
}

}  // namespace headroom
