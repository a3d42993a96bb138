// Output of `headroom cache` and `headroom mrc`: table, CSV, JSON and SVG, byte-deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/trace/mrc.hpp"
#include "sim/trace/replay.hpp"
#include "sim/trace/trace_reader.hpp"

namespace headroom::trace {

enum class Format { table, csv, json, svg };

std::string format_cache(const Trace& trace, const std::vector<CacheResult>& results, Format format);

// A RAM size marked on the curve: the frames left for the trace's pages after the OS reserve.
struct RamMark {
  std::uint64_t ram_bytes = 0;
  std::uint64_t frames = 0;
  double miss_ratio = 0;
  double byte_miss_ratio = 0;  // sized traces only
};
std::vector<RamMark> ram_marks(const MissRatioCurve& curve, const std::vector<std::uint64_t>& ram_bytes,
                               std::uint64_t os_reserve_bytes, std::uint64_t page_bytes);

struct MrcReport {
  const Trace* trace = nullptr;
  const MissRatioCurve* curve = nullptr;
  std::uint64_t page_bytes = 4096;
  std::uint64_t os_reserve_bytes = 0;
  std::vector<RamMark> marks;
};
std::string format_mrc(const MrcReport& report, Format format);

// "96GiB" for whole binary units, else the byte count with "B".
std::string bytes_label(std::uint64_t bytes);

}  // namespace headroom::trace
