// Request-trace formats register themselves by name (like the eviction policies of
// sim/mm/policy_registry.hpp): one .cpp per format with one HEADROOM_REGISTER_REQUEST_FORMAT line.
// open_requests (request_trace.cpp) detects the format from the first line when none is named.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sim/registry.hpp"
#include "sim/trace/input.hpp"
#include "sim/trace/requests/request_trace.hpp"

namespace headroom::reqtrace {

// The lines of a trace file in a stream, for the format readers: CR before LF stripped, a UTF-8
// byte-order mark before the first line skipped, a blank last line dropped; trace::InputError
// (unreadable, binary, over-long line, corrupt gzip) becomes TraceError at its line and column.
class LineSource {
 public:
  // `what` words the open failure: "expected <what>, found no such file".
  LineSource(const std::string& path, const std::string& what);
  // The next line (valid until the next call); false at the end of the input.
  bool next(std::string_view& line);
  // The line just returned comes again at the next call (format detection reads the first line).
  void unread() { pushed_back_ = true; }
  std::uint64_t line_no() const { return line_no_; }  // of the line just returned (1-based)
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(std::uint64_t column, const std::string& message) const;  // at line_no()

 private:
  bool next_raw(std::string_view& line);
  std::string path_;
  std::unique_ptr<trace::LineReader> input_;
  std::string_view block_, last_;
  std::uint64_t raw_no_ = 0;   // lines taken from the input
  std::uint64_t line_no_ = 0;  // of the line handed out
  std::uint64_t last_no_ = 0;  // of `last_`
  bool pushed_back_ = false, ended_ = false;
};

struct FormatInfo {
  std::string name;         // e.g. "azure", "mooncake"
  std::string description;  // one line, shown by --help and in errors
  std::string what;         // for the open failure: "a readable Azure LLM trace CSV"
  bool generic = false;     // needs Options::columns; detected only when they are given, after the others
  std::function<bool(std::string_view first_line, const Options&)> detect;
  std::function<std::unique_ptr<Reader>(std::unique_ptr<LineSource>, const Options&)> make;
};

using FormatRegistry = NamedRegistry<FormatInfo>;

}  // namespace headroom::reqtrace

#define HEADROOM_REGISTER_REQUEST_FORMAT(...) HEADROOM_REGISTER(::headroom::reqtrace::FormatRegistry, __VA_ARGS__)
