// clock: CLOCK, or second chance (Corbató 1968). Pages sit on a circle swept by a hand; a hit sets
// the page's reference bit; a miss with a full cache clears the bit of each referenced page under
// the hand and passes it by, and evicts the first page found unreferenced. New pages enter with the
// bit clear just behind the hand (as libCacheSim's Clock does), so with one frame CLOCK is FIFO.
// O(runs) per reference on the run store: see run_queue.hpp.
#include "sim/mm/policies/run_queue.hpp"
#include "sim/mm/policy_registry.hpp"

namespace headroom::mm {
namespace {

template <class Index>
using ClockPolicy = RunQueuePolicy<Index, /*kSecondChance=*/true>;

std::unique_ptr<EvictionPolicy> make_clock(std::uint64_t capacity_pages, const PolicyOptions& options) {
  return make_run_policy<ClockPolicy>(options, capacity_pages);
}

}  // namespace

HEADROOM_REGISTER_POLICY({"clock", "CLOCK / second chance: a reference bit spares a page for one sweep of the hand", false, make_clock});

}  // namespace headroom::mm
