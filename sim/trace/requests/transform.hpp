// Transforms of a request trace, as a Reader adapter (used by `headroom trace stats` and by the
// llm-server arrivals): a time window, time scaling, rate rescaling, seeded sampling, a row cap.
// Order of application: window (on the recorded clock) -> sample -> max_requests -> time_scale
// -> rate. Records handed out have time_ns = ns since the window's start (the first row's time
// plus start_s; no window: the first row), gaps scaled; hash_ids and tokens unchanged.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "sim/trace/requests/request_trace.hpp"

namespace headroom::reqtrace {

struct Window {
  double start_s = 0;                                        // seconds after the first row, inclusive
  double end_s = std::numeric_limits<double>::infinity();    // exclusive
};

struct Transform {
  std::optional<Window> window;
  double time_scale = 1.0;            // gaps multiplied by this (> 0)
  std::optional<double> rate_per_s;   // gaps multiplied so that the mean rate (rows - 1) / span is this
  std::optional<double> sample;       // keep each row with this probability in (0, 1]
  std::uint64_t seed = 0;             // of the sampling's std::mt19937_64
  std::uint64_t max_requests = 0;     // 0 = all (after window and sample)
};

// True when `t` changes nothing (no window, scale 1, no rate, no sample, no cap).
bool is_identity(const Transform& t);

// Opens `path` and applies `t`. A rate rescale reads the file twice (the first pass counts the rows
// kept and their span), so memory stays bounded; it throws TraceError when fewer than 2 rows are
// kept or they all share one time. Throws std::invalid_argument for a transform out of range
// (time_scale <= 0, sample outside (0, 1], rate <= 0, window end <= start).
std::unique_ptr<Reader> open_transformed(const std::string& path, const Options& options, const Transform& t);

// The adapter alone (no rate rescale, which needs the pre-pass: use open_transformed).
std::unique_ptr<Reader> transformed(std::unique_ptr<Reader> inner, const Transform& t, std::string path);

}  // namespace headroom::reqtrace
