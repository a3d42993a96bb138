// How a workload walks over its memory each step: the validated config of an access pattern
// (config types only: no yaml-cpp, no SimGrid). The engine side that turns it into touches is
// access_pattern.hpp; the parser of a kind that uses it reads the `access:` mapping into this.
#pragma once

#include <cstdint>

namespace headroom::config {

enum class AccessKind : std::uint8_t {
  sequential,  // a cursor advancing the step's bytes, wrapping at the end of the range
  strided,     // `length` bytes every `stride` bytes from a cursor, wrapping
  uniform,     // k pages drawn uniformly (with replacement) over the range
  hot_cold,    // k pages: a share `hot_share` drawn from the first `hot_fraction` of the range
};

// The most touches one step may make: sampled pages (uniform, hot-cold) or strides (strided). Each
// is a memory-manager call per coalesced run, so the cap bounds a step's cost; the config layer
// refuses rates above it with their location (models/workloads/process/parse.cpp).
inline constexpr std::uint64_t kMaxTouchesPerStep = 65536;

// madvise advice on the mapped file the pattern walks (`advice:`): normal (MADV_NORMAL: mmap
// read-around) or random (MADV_RANDOM: each miss reads its page only).
enum class AccessAdvice : std::uint8_t { normal, random };

struct AccessSpec {
  AccessKind kind = AccessKind::sequential;
  bool write = false;             // dirties file pages; anonymous pages are written (zero-filled on first touch either way)
  std::uint64_t stride_bytes = 0;  // strided: distance between touched chunks
  std::uint64_t length_bytes = 0;  // strided: bytes touched per chunk, 1..stride
  double hot_fraction = 0;         // hot-cold: share of the range that is hot, in (0, 1)
  double hot_share = 0;            // hot-cold: share of the touches that go to it, in (0, 1]
  AccessAdvice advice = AccessAdvice::normal;
  bool sampled() const { return kind == AccessKind::uniform || kind == AccessKind::hot_cold; }
};

// "sequential" | "strided" | "uniform" | "hot-cold", as written in a scenario.
inline const char* to_string(AccessKind kind) {
  switch (kind) {
    case AccessKind::sequential: return "sequential";
    case AccessKind::strided: return "strided";
    case AccessKind::uniform: return "uniform";
    case AccessKind::hot_cold: return "hot-cold";
  }
  return "?";
}

}  // namespace headroom::config
