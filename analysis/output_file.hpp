// analysis/output_file: the one writer of every report file (`run --out`, `compare --out`).
//
// What `--out PATH` does, by what is at PATH:
//   absent or a regular file: write a temporary file in the same directory, then rename(2) it over
//     PATH, so readers never see a partial report. A replaced file keeps its mode (and owner,
//     when allowed); a new file gets 0666 minus the umask, as any file the user creates. As with
//     every atomic replace (sed -i, editors), other hard links to the old file keep the old text.
//   a symbolic link: followed (chains too) to its final target, which is replaced as above; the
//     link itself stays (the convention of `sed -i --follow-symlinks`, `cp`, editors).
//   a device node or a FIFO (/dev/null, /dev/stdout, a pipe): written directly, never replaced.
//   a directory, a socket, a missing directory, an unwritable place: refused.
// check_output_path answers the same question before a long simulation so that a bad --out fails
// at once; write_output_file checks again when it writes (the file system may have changed).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace headroom::analysis {

// what() is one line: "cannot write 'PATH': REASON" (paths shown through headroom::shown()).
class OutputError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws OutputError when `path` cannot take a report: not a file, directory missing or not
// writable, file not writable, too many symbolic links. Writes nothing.
void check_output_path(const std::string& path);

// Writes `text` to `path` as described above. Throws OutputError naming the path and the OS error.
void write_output_file(const std::string& path, std::string_view text);

}  // namespace headroom::analysis
