// kind: dataset: a text or training corpus processed once or for E epochs. Validated config only
// (no yaml-cpp, no SimGrid): parse.cpp fills it, run.cpp runs it, summary.cpp summarises it. The
// YAML schema is in sim/config/README.md ("kind: dataset").
//
// Modes and their memory (the corpus is the shared file `file:`, default "<workload>.corpus"):
//   stream  read() through the page cache in chunks (the pages stay cached, clean, evictable); a
//           dedup table (anonymous, <workload>:dedup) grows with the data of the first epoch:
//           dedup bytes = floor(bytes read x dedup_bytes_per_gb / 1e9);
//   load    read in chunks into an anonymous copy of the whole corpus (<workload>:corpus, `size`
//           bytes) during the first epoch, which processes each chunk as it arrives; later epochs
//           walk the copy in RAM; the same dedup table;
//   random  mmap the corpus and read records drawn uniformly at random (shuffled training data);
//           an epoch reads `size` bytes of records.
// Each chunk costs chunk / process_rate of the whole CPU, its bytes crossing the memory bus.
#pragma once

#include <cstdint>
#include <string>

#include "sim/config/scenario.hpp"

namespace headroom::config {

enum class DatasetMode : std::uint8_t { stream, load, random };

inline const char* to_string(DatasetMode mode) {
  switch (mode) {
    case DatasetMode::stream: return "stream";
    case DatasetMode::load: return "load";
    case DatasetMode::random: return "random";
  }
  return "?";
}

struct DatasetSpec : WorkloadSpec {
  bool can_finish() const override { return true; }  // slo: deadline (its epochs end)

  std::string file;              // the corpus's shared-file identity
  std::uint64_t size_bytes = 0;  // the corpus
  DatasetMode mode = DatasetMode::stream;
  std::uint64_t epochs = 1;
  double process_rate_Bps = 0;          // tokenization etc., on the whole CPU
  std::uint64_t chunk_bytes = 0;        // bytes per step (stream, load; random: records per step x record)
  std::uint64_t record_bytes = 0;       // random: one record
  std::uint64_t dedup_bytes_per_gb = 0;  // stream, load: dedup table bytes per 1e9 corpus bytes

  // Steps per epoch: ceil(size / chunk).
  std::uint64_t chunks() const { return (size_bytes + chunk_bytes - 1) / chunk_bytes; }
  // The dedup table after `read_bytes` of the first epoch (the formula of the header).
  std::uint64_t dedup_bytes(std::uint64_t read_bytes) const {
    return static_cast<std::uint64_t>(static_cast<double>(read_bytes) * static_cast<double>(dedup_bytes_per_gb) / 1e9);
  }
};

}  // namespace headroom::config
