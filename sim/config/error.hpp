#pragma once

#include <stdexcept>
#include <string>

namespace headroom::config {

// A problem in user input. what() is the whole message: "FILE:LINE:COL: error: expected X, found Y".
// The CLI prints it and exits with status 2.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& file, int line, int column, const std::string& message)
      : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                           ": error: " + message),
        file_(file), line_(line), column_(column) {}
  // A problem with the file as a whole (missing, unreadable): "FILE: error: message", line 0.
  ConfigError(const std::string& file, const std::string& message)
      : std::runtime_error(file + ": error: " + message), file_(file), line_(0), column_(0) {}
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  std::string file_;
  int line_, column_;
};

}  // namespace headroom::config
