// Replays a dense reference string through registered eviction policies (`headroom cache`).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sim/mm/policy.hpp"
#include "sim/trace/trace_reader.hpp"

namespace headroom::trace {

struct CacheResult {
  std::string policy;
  std::uint64_t frames = 0;
  std::uint64_t requests = 0;
  std::uint64_t misses = 0;  // cold misses included
  // Sized traces only (Trace::sized): rows (object requests), rows with at least one page missed,
  // bytes requested, and the bytes of the pages missed.
  bool sized = false;
  std::uint64_t rows = 0, row_misses = 0, bytes = 0, byte_misses = 0;
  double miss_ratio() const { return ratio(misses, requests); }
  double request_miss_ratio() const { return ratio(row_misses, rows); }
  double byte_miss_ratio() const { return ratio(byte_misses, bytes); }
  static double ratio(std::uint64_t part, std::uint64_t whole) {
    return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
  }
};

// Misses of `policy` (a registered name) with `frames` frames over `keys` (dense, < unique), one
// page per reference, every miss inserted. Throws std::invalid_argument for an unknown policy or
// zero frames.
std::uint64_t replay_misses(const std::string& policy, std::uint64_t frames,
                            const std::vector<mm::PageKey>& keys, std::uint64_t unique);

// Every (policy, frames) pair, in that order (policies outer), over up to `threads` threads; the
// result order does not depend on the thread count.
std::vector<CacheResult> replay_all(const std::vector<std::string>& policies,
                                    const std::vector<std::uint64_t>& frames, const Trace& trace,
                                    unsigned threads);

// Online policies fed a trace in chunks (stream_trace), every (policy, frames) pair side by side,
// over up to `threads` threads: memory is the policies' own, proportional to the distinct pages,
// never to the trace's length. Offline policies (opt) cannot run this way: the constructor throws
// std::invalid_argument for them. Results equal replay_all's on the same trace.
class StreamReplay {
 public:
  StreamReplay(const std::vector<std::string>& policies, const std::vector<std::uint64_t>& frames, unsigned threads);
  ~StreamReplay();
  StreamReplay(const StreamReplay&) = delete;
  StreamReplay& operator=(const StreamReplay&) = delete;

  void feed(std::span<const mm::PageKey> keys);
  // A sized chunk (stream_chunks): `bytes` one weight per key (kRowStart), or empty.
  void feed(std::span<const mm::PageKey> keys, std::span<const std::uint32_t> bytes);
  // Every pair's misses over all the references fed, in replay_all's order.
  std::vector<CacheResult> results() const;

  // The key space streamed policies are given: dense keys below the id remap's limit; their flat
  // indexes grow with the keys actually seen.
  static constexpr std::uint64_t kKeySpace = 0xFFFFFFFFull;

 private:
  struct Pool;
  std::vector<CacheResult> results_;
  std::vector<char> row_missed_;  // per pair: the row being replayed has missed already (rows span chunks)
  bool sized_ = false;
  std::vector<std::unique_ptr<mm::EvictionPolicy>> caches_;
  std::uint64_t references_ = 0;
  std::unique_ptr<Pool> pool_;
};

// Whether every name is a registered online policy (stream-able).
bool all_online(const std::vector<std::string>& policies);

}  // namespace headroom::trace
