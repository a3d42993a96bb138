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
        file_(file), line_(line), column_(column), message_(message) {}
  // A problem with the file as a whole (missing, unreadable): "FILE: error: message", line 0.
  ConfigError(const std::string& file, const std::string& message)
      : std::runtime_error(file + ": error: " + message), file_(file), line_(0), column_(0), message_(message) {}
  // A problem with a command-line argument, not a place in a file (`--set PATH=VALUE`):
  // "error: message", no file, line 0.
  static ConfigError unlocated(const std::string& message) { return ConfigError(message); }
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& message() const { return message_; }  // what() without "FILE:LINE:COL: error: "

 private:
  explicit ConfigError(const std::string& message)
      : std::runtime_error("error: " + message), line_(0), column_(0), message_(message) {}
  std::string file_;
  int line_, column_;
  std::string message_;
};

}  // namespace headroom::config
