#include "analysis/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "sim/text.hpp"

namespace headroom::analysis {

namespace {

// Linux's own limit on symbolic links followed in one path resolution (MAXSYMLINKS).
constexpr int kMaxSymlinks = 40;

// Paths are shown whole up to PATH_MAX (4096), with control and invalid bytes escaped. Appended
// piecewise: GCC 12 warns falsely (-Wrestrict) on "'" + string&&.
std::string quoted(const std::string& path) {
  std::string out = "'";
  out += shown(path, 4096);
  out += '\'';
  return out;
}

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
  throw OutputError("cannot write " + quoted(path) + ": " + reason);
}

std::string errno_text(int error) { return std::strerror(error); }

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

enum class Kind { absent, regular, special };

struct Target {
  std::string path;  // the file to write: `path` as given, or the final target of its symlinks
  std::string dir;   // its directory, where the temporary file goes
  Kind kind = Kind::absent;
  struct stat info {};  // of the existing file (regular or special)
};

bool writable(const std::string& path) { return ::faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) == 0; }

void require_writable_directory(const std::string& given, const std::string& dir) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT) fail(given, "directory " + quoted(dir) + " does not exist");
    if (error == ENOTDIR) fail(given, quoted(dir) + " is not a directory");
    fail(given, "directory " + quoted(dir) + ": " + errno_text(error));
  }
  if (!S_ISDIR(info.st_mode)) fail(given, quoted(dir) + " is not a directory");
  if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
    const int error = errno;
    fail(given, "directory " + quoted(dir) + " is not writable (" + errno_text(error) + ")");
  }
}

// Follows `given` through its symbolic links and classifies what is at the end.
Target resolve(const std::string& given) {
  if (given.empty()) fail(given, "expected a file path, found an empty value");
  Target t;
  t.path = given;
  for (int hops = 0;; ++hops) {
    if (::lstat(t.path.c_str(), &t.info) != 0) {
      const int error = errno;
      if (error == ENOTDIR) fail(given, quoted(parent_of(t.path)) + " is not a directory");
      if (error != ENOENT) fail(given, errno_text(error));
      t.kind = Kind::absent;
      break;
    }
    if (!S_ISLNK(t.info.st_mode)) {
      t.kind = S_ISREG(t.info.st_mode) ? Kind::regular : Kind::special;
      break;
    }
    if (hops == kMaxSymlinks) fail(given, "too many levels of symbolic links");
    std::string link(static_cast<std::size_t>(t.info.st_size > 0 ? t.info.st_size : 255) + 1, '\0');
    const ssize_t n = ::readlink(t.path.c_str(), link.data(), link.size());
    if (n < 0) fail(given, errno_text(errno));
    link.resize(static_cast<std::size_t>(n));
    t.path = link.front() == '/' ? link : parent_of(t.path) + "/" + link;
  }
  t.dir = parent_of(t.path);
  const std::string via = t.path == given ? "" : " (the target of the link)";
  if (t.kind == Kind::special) {
    if (S_ISDIR(t.info.st_mode)) fail(given, "expected a file, found a directory" + via);
    if (S_ISSOCK(t.info.st_mode)) fail(given, "expected a file, found a socket" + via);
  }
  if (!given.empty() && given.back() == '/') fail(given, "expected a file, found a directory path");
  if (t.kind != Kind::absent && !writable(t.path)) {
    const int error = errno;
    fail(given, quoted(t.path) + " is not writable (" + errno_text(error) + ")");
  }
  if (t.kind != Kind::special) require_writable_directory(given, t.dir);
  return t;
}

void write_all(int fd, std::string_view text, const std::string& given) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(given, errno_text(n < 0 ? errno : EIO));
    written += static_cast<std::size_t>(n);
  }
}

// Devices and FIFOs are written in place: replacing /dev/null by a file would break the system.
void write_special(const Target& t, std::string_view text, const std::string& given) {
  const int fd = ::open(t.path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) fail(given, errno_text(errno));
  try {
    write_all(fd, text, given);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) fail(given, errno_text(errno));
}

// A new file in `dir` that no one else can have opened: O_EXCL under a random name. Mode 0666 so
// the umask (and a default ACL) decide a new report's permissions, as for any file the user makes.
int create_temporary(const std::string& dir, std::string& temp, const std::string& given) {
  std::random_device entropy;
  for (int attempt = 0; attempt < 100; ++attempt) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "%ld-%08x", static_cast<long>(::getpid()), entropy());
    temp = (dir == "/" ? "" : dir) + "/.headroom-out-" + suffix;
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST) fail(given, "cannot create a temporary file in " + quoted(dir) + ": " + errno_text(errno));
  }
  fail(given, "cannot create a temporary file in " + quoted(dir) + ": every name tried exists");
}

void replace_file(const Target& t, std::string_view text, const std::string& given) {
  std::string temp;
  int fd = create_temporary(t.dir, temp, given);
  try {
    if (t.kind == Kind::regular) {
      // Keep the replaced file's owner when allowed (root, or a group we belong to), then its
      // mode; chown first, because it clears set-id bits.
      if (t.info.st_uid != ::geteuid() || t.info.st_gid != ::getegid())
        (void)!::fchown(fd, t.info.st_uid, t.info.st_gid);
      if (::fchmod(fd, t.info.st_mode & 07777) != 0) fail(given, errno_text(errno));
    }
    write_all(fd, text, given);
    const int closed = ::close(fd);
    fd = -1;
    if (closed != 0) fail(given, errno_text(errno));
    if (std::rename(temp.c_str(), t.path.c_str()) != 0) fail(given, errno_text(errno));
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
}

}  // namespace

void check_output_path(const std::string& path) { (void)resolve(path); }

void write_output_file(const std::string& path, std::string_view text) {
  const Target target = resolve(path);
  if (target.kind == Kind::special) {
    write_special(target, text, path);
  } else {
    replace_file(target, text, path);
  }
}

}  // namespace headroom::analysis
