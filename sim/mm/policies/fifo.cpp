// fifo: first in, first out. Evicts the page that entered the cache first; hits do not reorder. The
// simplest baseline, and the policy that shows Belady's anomaly (more frames, more misses) on
// 1,2,3,4,1,2,5,1,2,3,4,5. O(runs) per reference on the run store: see run_queue.hpp.
#include "sim/mm/policies/run_queue.hpp"
#include "sim/mm/policy_registry.hpp"

namespace headroom::mm {
namespace {

template <class Index>
using FifoPolicy = RunQueuePolicy<Index, /*kSecondChance=*/false>;

std::unique_ptr<EvictionPolicy> make_fifo(std::uint64_t capacity_pages, const PolicyOptions& options) {
  return make_run_policy<FifoPolicy>(options, capacity_pages);
}

}  // namespace

HEADROOM_REGISTER_POLICY({"fifo", "first in, first out: evicts the oldest inserted page; hits do not reorder", false, make_fifo});

}  // namespace headroom::mm
