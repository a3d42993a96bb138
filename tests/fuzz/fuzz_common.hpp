// Shared by the libFuzzer harnesses of tests/fuzz (see README.md): a failed check prints what was
// expected and aborts, which libFuzzer (or replay_main.cpp) reports as a crash with the input saved.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace headroom::fuzz {

[[noreturn]] inline void fail(std::string_view check, std::string_view detail) {
  std::fprintf(stderr, "fuzz check failed: %.*s\n  %.*s\n", static_cast<int>(check.size()), check.data(),
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A private directory for the files the readers under test open (they take paths), removed at exit.
inline const std::filesystem::path& work_dir() {
  static const std::filesystem::path dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "headroom-fuzz-XXXXXX").string();
    if (!mkdtemp(pattern.data())) fail("mkdtemp", pattern);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(work_dir(), ec);
    });
    return std::filesystem::path(pattern);
  }();
  return dir;
}

// Writes `bytes` to work_dir()/name (replacing it) and returns the path.
inline std::string write_input(std::string_view name, std::string_view bytes) {
  const std::filesystem::path path = work_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) fail("write the input file", path.string());
  return path.string();
}

inline bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace headroom::fuzz
