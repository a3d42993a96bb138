// LRU miss-ratio curves from one pass over a trace (Mattson et al. 1970 stack distances), exact or
// spatially sampled (SHARDS, Waldspurger et al., FAST'15). See sim/trace/README.md.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sim/mm/policy.hpp"

namespace headroom::trace {

struct MissRatioCurve {
  std::uint64_t requests = 0;  // references in the whole trace
  std::uint64_t sampled = 0;   // references analysed (== requests unless sampled)
  double sample_rate = 1.0;    // SHARDS rate R; distances are scaled by 1/R
  std::uint64_t cold = 0;      // first references among the analysed ones (misses at any size)
  // histogram[d]: analysed references whose LRU stack distance is d (1-based: a reference with
  // distance d hits in an LRU cache of at least d frames); histogram[0] is unused.
  std::vector<std::uint64_t> histogram;

  // Fraction of references that miss in an LRU cache of `frames` frames (cold misses included).
  double miss_ratio(std::uint64_t frames) const;
  // Misses among the analysed references at `frames` frames: exact LRU misses when not sampled.
  std::uint64_t analysed_misses(std::uint64_t frames) const;
  // Misses of the whole trace at `frames` frames; exact when not sampled, else an estimate.
  double misses(std::uint64_t frames) const { return miss_ratio(frames) * static_cast<double>(requests); }
  // Frame counts at which the curve steps down, ascending: the curve is constant between them.
  std::vector<std::uint64_t> step_frames() const;

  // Suffix sums: misses_beyond_[d] = analysed references with distance > d (d < histogram.size()).
  std::vector<std::uint64_t> misses_beyond_;

  // Sized traces (reference weights given): the same curve weighted by the bytes each reference
  // holds. byte_miss_ratio(frames) = bytes of the analysed references that miss / their bytes.
  bool sized = false;
  std::uint64_t bytes = 0, cold_bytes = 0;  // analysed bytes, and those of first references
  std::vector<std::uint64_t> byte_histogram, bytes_beyond_;
  double byte_miss_ratio(std::uint64_t frames) const;
};

// Exact curve in O(n log n): a Fenwick tree over time positions marks each key's latest reference;
// the stack distance of a re-reference is the number of marks after its previous reference, + 1.
MissRatioCurve exact_lru_mrc(const std::vector<mm::PageKey>& keys, std::uint64_t unique);
// The same with the byte curve: `ref_bytes` one weight per key (Trace::ref_bytes; kRowStart ignored).
MissRatioCurve exact_lru_mrc(const std::vector<mm::PageKey>& keys, std::uint64_t unique,
                             std::span<const std::uint32_t> ref_bytes);

// SHARDS with a fixed rate: keeps the references whose page id hashes below rate * 2^24 (of 2^24),
// computes their stack distances among themselves and scales them by 1 / rate. `page_ids[key]` is
// the original page id of each dense key, so that the sample does not depend on id order.
MissRatioCurve sampled_lru_mrc(const std::vector<mm::PageKey>& keys,
                               const std::vector<std::uint64_t>& page_ids, double rate);

// SHARDS over a stream (stream_trace): keeps only the sampled references, so memory is the sample's,
// not the trace's. sampled_lru_mrc is this over a whole key vector.
class ShardsSampler {
 public:
  explicit ShardsSampler(double rate);  // throws std::invalid_argument outside (0, 1]
  // `page_ids[key]` must hold every key of `keys` (the trace reader's map so far).
  void add(std::span<const mm::PageKey> keys, const std::vector<std::uint64_t>& page_ids);
  // A sized chunk: `bytes` one weight per key (or empty), kept for the sampled references.
  void add(std::span<const mm::PageKey> keys, std::span<const std::uint32_t> bytes,
           const std::vector<std::uint64_t>& page_ids);
  // The curve of a trace of `requests` references and `unique` distinct pages.
  MissRatioCurve curve(std::uint64_t requests, std::uint64_t unique) const;

 private:
  double rate_;
  std::vector<char> kept_;  // kept_[key]: 1 kept, 0 not (grown as keys appear)
  std::vector<mm::PageKey> sample_;
  std::vector<std::uint32_t> sample_bytes_;
};

// Whether SHARDS keeps a page id at `rate` (exposed for tests).
bool shards_keeps(std::uint64_t page_id, double rate);

}  // namespace headroom::trace
