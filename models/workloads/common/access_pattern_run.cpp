#include "models/workloads/common/access_pattern.hpp"

#include <algorithm>
#include <cmath>

namespace headroom::models {

namespace {

using config::AccessKind;

// [offset, offset + length) widened to whole pages, clipped to the range.
Touch page_run(std::uint64_t offset, std::uint64_t length, std::uint64_t page, std::uint64_t range,
               mm::AccessPattern pattern) {
  const std::uint64_t begin = offset / page * page;
  const std::uint64_t end = std::min(range, (offset + length + page - 1) / page * page);
  return {begin, end - begin, pattern};
}

// [cursor, cursor + bytes) of a ring of `range` bytes as at most two runs; bytes <= range.
void ring_span(std::uint64_t cursor, std::uint64_t bytes, std::uint64_t page, std::uint64_t range,
               std::vector<Touch>& out) {
  const std::uint64_t first = std::min(bytes, range - cursor);
  if (first > 0) out.push_back(page_run(cursor, first, page, range, mm::AccessPattern::sequential));
  if (bytes > first) out.push_back(page_run(0, bytes - first, page, range, mm::AccessPattern::sequential));
}

std::vector<Touch> sequential(std::uint64_t range, std::uint64_t page, std::uint64_t step, AccessState& state) {
  std::vector<Touch> out;
  const std::uint64_t bytes = std::min(step, range);
  ring_span(state.cursor_bytes, bytes, page, range, out);
  state.cursor_bytes = (state.cursor_bytes + bytes) % range;  // step % range past a whole lap
  return out;
}

std::vector<Touch> strided(const config::AccessSpec& spec, std::uint64_t range, std::uint64_t page,
                           std::uint64_t step, AccessState& state) {
  const std::uint64_t positions = (range + spec.stride_bytes - 1) / spec.stride_bytes;
  const std::uint64_t chunks = std::min(positions, (step + spec.length_bytes - 1) / spec.length_bytes);
  std::vector<Touch> out;
  std::uint64_t at = state.cursor_bytes;
  for (std::uint64_t i = 0; i < chunks; ++i) {
    ring_span(at, std::min(spec.length_bytes, range), page, range, out);
    // Past the end the walk starts again at the range's start (stride positions 0, s, 2s, ...).
    at = range - at > spec.stride_bytes ? at + spec.stride_bytes : 0;
  }
  state.cursor_bytes = at;
  return coalesce(std::move(out));
}

std::vector<Touch> sampled(const config::AccessSpec& spec, std::uint64_t range, std::uint64_t page,
                           std::uint64_t step, std::mt19937_64& rng) {
  const std::uint64_t pages = (range + page - 1) / page;
  const std::uint64_t k = (step + page - 1) / page;
  std::uint64_t hot = pages;
  if (spec.kind == AccessKind::hot_cold)
    hot = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::floor(static_cast<double>(pages) * spec.hot_fraction)),
                                    1, pages);
  // floor(u x n) < n for u < 1 in exact arithmetic; the min guards the double's rounding.
  auto draw = [&rng](std::uint64_t n) {
    return std::min(n - 1, static_cast<std::uint64_t>(uniform01(rng) * static_cast<double>(n)));
  };
  std::vector<Touch> out;
  out.reserve(k);
  for (std::uint64_t i = 0; i < k; ++i) {
    std::uint64_t index;
    if (spec.kind == AccessKind::hot_cold && hot < pages)
      index = uniform01(rng) < spec.hot_share ? draw(hot) : hot + draw(pages - hot);
    else
      index = draw(hot);
    const Touch t = page_run(index * page, page, page, range, mm::AccessPattern::random);
    // Drawn order, not sorted: with mmap read-around the order decides which windows are read
    // (a sorted walk lets each window serve the next draws and leaves no gaps; a random order
    // places windows anywhere and later draws fault on the gaps between them, as the kernel
    // measured: tests/validation, mmap-rand-readaround). Only a repeat of the previous page or
    // its neighbour joins the previous run.
    if (!out.empty() && t.offset_bytes >= out.back().offset_bytes &&
        t.offset_bytes <= out.back().offset_bytes + out.back().length_bytes) {
      out.back().length_bytes = std::max(out.back().length_bytes, t.offset_bytes + t.length_bytes - out.back().offset_bytes);
      continue;
    }
    out.push_back(t);
  }
  return out;
}

}  // namespace

std::vector<Touch> coalesce(std::vector<Touch> touches) {
  std::sort(touches.begin(), touches.end(), [](const Touch& a, const Touch& b) {
    return a.offset_bytes != b.offset_bytes ? a.offset_bytes < b.offset_bytes : a.length_bytes > b.length_bytes;
  });
  std::vector<Touch> out;
  for (const Touch& t : touches) {
    if (!out.empty() && out.back().pattern == t.pattern &&
        t.offset_bytes <= out.back().offset_bytes + out.back().length_bytes) {
      const std::uint64_t end = std::max(out.back().offset_bytes + out.back().length_bytes, t.offset_bytes + t.length_bytes);
      out.back().length_bytes = end - out.back().offset_bytes;
    } else {
      out.push_back(t);
    }
  }
  return out;
}

std::vector<Touch> step_touches(const config::AccessSpec& spec, std::uint64_t range_bytes, std::uint64_t page_bytes,
                                std::uint64_t step_bytes, AccessState& state, std::mt19937_64& rng) {
  if (range_bytes == 0 || step_bytes == 0) return {};
  state.cursor_bytes %= range_bytes;  // the range may have shrunk since the last step
  switch (spec.kind) {
    case AccessKind::sequential: return sequential(range_bytes, page_bytes, step_bytes, state);
    case AccessKind::strided: return strided(spec, range_bytes, page_bytes, step_bytes, state);
    case AccessKind::uniform:
    case AccessKind::hot_cold: return sampled(spec, range_bytes, page_bytes, step_bytes, rng);
  }
  return {};
}

}  // namespace headroom::models
