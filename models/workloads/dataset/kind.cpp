// The one registration line of dataset (compiled once per area; see sim/workload_kind.hpp).
#include "sim/workload_kind.hpp"

HEADROOM_WORKLOAD_KIND_IN("dataset",
                          "a corpus processed once or for E epochs: streamed through the page cache, loaded into RAM, or read at random",
                          headroom::workloads::dataset);
