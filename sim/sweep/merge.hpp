// sim/sweep/merge: `headroom merge DIR... --out DIR`, joining the directories of shards (or of
// interrupted runs) of one sweep into one directory equal, byte for byte, to a local sweep's.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace headroom::sweep {

struct MergeSummary {
  std::size_t points = 0;
  std::size_t failed = 0;
};

// Every input's sweep.json must be byte-identical (else SweepError naming the file that differs);
// every point of it must be in exactly one input (identical copies allowed; differing copies and a
// missing point are errors naming the point). Writes OUT/sweep.json and OUT/points/*.json atomically.
MergeSummary merge_sweeps(const std::vector<std::string>& inputs, const std::string& out);

}  // namespace headroom::sweep
