// kind: process: a generic memory user (the OS, a browser, an IDE, a database, a video pipeline's
// frame buffers). Validated config only (no yaml-cpp, no SimGrid): parse.cpp fills it, run.cpp
// runs it, summary.cpp summarises what it did. The YAML schema is in sim/config/README.md
// ("kind: process").
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/workloads/common/access_spec.hpp"
#include "sim/config/scenario.hpp"

namespace headroom::config {

enum class FileUse : std::uint8_t { mmap, read };  // mapped (counts in the process's RSS) | read() into the page cache

// A file on disk the process uses; every workload naming the same file shares one page-cache copy.
struct ProcessFileSpec {
  std::string name;  // `name:` or `path:` as written: the file's identity, never opened
  std::uint64_t size_bytes = 0;
  FileUse use = FileUse::mmap;
};

// From `at_s` (seconds after the process starts) until the next step: anon_bytes of anonymous
// memory and the first file_bytes of the file in use.
struct FootprintStep {
  double at_s = 0;
  std::uint64_t anon_bytes = 0;
  std::uint64_t file_bytes = 0;
};

// Anonymous memory going linearly from from_bytes to to_bytes over over_s (then staying at
// to_bytes); from > to is a shrinking ramp. The file part stays the whole file.
struct RampSpec {
  std::uint64_t from_bytes = 0, to_bytes = 0;
  double over_s = 0;
};

struct Footprint {
  std::uint64_t anon_bytes = 0, file_bytes = 0;
};

struct ProcessSpec : WorkloadSpec {
  bool can_finish() const override { return work_steps > 0; }  // slo: deadline

  std::optional<ProcessFileSpec> file;
  // Steps in strictly increasing time, the first at 0 s (a constant footprint is one step); or a
  // ramp when `ramp` is set (then `steps` is empty).
  std::vector<FootprintStep> steps;
  std::optional<RampSpec> ramp;
  AccessSpec access;
  double steps_per_s = 0;            // asked step rate (> 0)
  std::uint64_t bytes_per_step = 0;  // touched per step; 0 when pages_per_step is given
  std::uint64_t pages_per_step = 0;  // pages_per_s / steps_per_s rounded to the nearest, >= 1; else 0
  double cpu_per_step_s = 0;         // CPU time per step on the host's CPU alone; or
  double flops_per_step = 0;         // FLOPs per step (at most one of the two is non-zero)
  std::uint64_t work_steps = 0;      // finishes after this many steps; 0 = runs to the horizon

  // The footprint `t_s` seconds after the start (bytes as configured, not page-rounded).
  Footprint footprint_at(double t_s) const {
    if (ramp) {
      const std::uint64_t file_bytes = file ? file->size_bytes : 0;
      if (t_s >= ramp->over_s) return {ramp->to_bytes, file_bytes};
      const double from = static_cast<double>(ramp->from_bytes), to = static_cast<double>(ramp->to_bytes);
      const double bytes = from + (to - from) * std::max(0.0, t_s) / ramp->over_s;
      // Between the ends: never past either end (the double's rounding).
      const double low = std::min(from, to), high = std::max(from, to);
      return {static_cast<std::uint64_t>(std::clamp(std::floor(bytes), low, high)), file_bytes};
    }
    Footprint f;
    for (const FootprintStep& s : steps)
      if (s.at_s <= t_s) f = {s.anon_bytes, s.file_bytes};
    return f;
  }

  // The most the footprint ever asks for: the anonymous mapping's and the file range's sizes.
  Footprint peak() const {
    if (ramp) return {std::max(ramp->from_bytes, ramp->to_bytes), file ? file->size_bytes : 0};
    Footprint p;
    for (const FootprintStep& s : steps) {
      p.anon_bytes = std::max(p.anon_bytes, s.anon_bytes);
      p.file_bytes = std::max(p.file_bytes, s.file_bytes);
    }
    return p;
  }
};

}  // namespace headroom::config
