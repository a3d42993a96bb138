// Helpers of the request-trace tests (requests_*_test.cpp): files written at test time in a
// per-process temporary directory, read whole through open_requests.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/trace/requests/request_trace.hpp"

namespace headroom::reqtrace::test {

inline std::string write_file(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / ("headroom-reqtrace-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

inline std::string write_gzip(const std::string& name, const std::string& text) {
  const auto path = write_file(name, "");
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, text.data(), static_cast<unsigned>(text.size())) == static_cast<int>(text.size()));
  gzclose(f);
  return path;
}

struct Read {
  std::vector<Record> rows;
  Counts counts;
  std::string format;
};

inline Read read_all(const std::string& path, const Options& options = {}) {
  Read out;
  const auto reader = open_requests(path, options);
  Record r;
  while (reader->next(r)) out.rows.push_back(r);
  out.counts = reader->counts();
  out.format = std::string(reader->format());
  return out;
}

// The message of the TraceError reading `path` throws, or "" when it reads.
inline std::string error_of(const std::string& path, const Options& options = {}) {
  try {
    read_all(path, options);
  } catch (const TraceError& e) {
    return e.what();
  }
  return "";
}

inline Options skipping() {
  Options o;
  o.on_bad_row = trace::BadRowAction::skip;
  return o;
}

}  // namespace headroom::reqtrace::test
