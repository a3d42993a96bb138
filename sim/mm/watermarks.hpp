// Kernel zone watermarks (mm/page_alloc.c: __setup_per_zone_wmarks), header-only so that the config
// layer, which validates a host's memory settings before any simulation, and the memory manager,
// which uses them, apply the one formula.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

namespace headroom::mm {

struct Watermarks {
  std::uint64_t min_pages = 0;
  std::uint64_t low_pages = 0;
  std::uint64_t high_pages = 0;
};

namespace detail {
inline std::uint64_t int_sqrt(std::uint64_t x) {
  auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(x)));
  while (r * r > x) --r;
  while ((r + 1) * (r + 1) <= x) ++r;
  return r;
}
}  // namespace detail

// min_free_kbytes = sqrt(lowmem_kbytes * 16) clamped to [128, 262144]; low = min + max(min/4,
// managed * scale / 10000); high = min + 2 * that step. One zone holding all of RAM ("managed" =
// RAM: the kernel's own image and reserved ranges are not subtracted; the OS reserve is modelled as
// unevictable frames instead). Callers keep sizes far below 2^64 (the config layer bounds them), so
// none of these products can wrap.
inline Watermarks kernel_watermarks(std::uint64_t managed_bytes, std::uint64_t page_bytes, int scale_factor,
                                    std::optional<std::uint64_t> min_free_bytes = std::nullopt) {
  std::uint64_t min_free_kbytes = 0;
  if (min_free_bytes) {
    min_free_kbytes = *min_free_bytes / 1024;
  } else {
    min_free_kbytes = std::clamp<std::uint64_t>(detail::int_sqrt(managed_bytes / 1024 * 16), 128, 262144);
  }
  const std::uint64_t managed_pages = managed_bytes / page_bytes;
  Watermarks w;
  w.min_pages = min_free_kbytes / (page_bytes / 1024);  // pages_min = min_free_kbytes >> (PAGE_SHIFT - 10)
  const std::uint64_t step =
      std::max(w.min_pages / 4, managed_pages * static_cast<std::uint64_t>(scale_factor) / 10000);
  w.low_pages = w.min_pages + step;
  w.high_pages = w.min_pages + 2 * step;
  return w;
}

}  // namespace headroom::mm
