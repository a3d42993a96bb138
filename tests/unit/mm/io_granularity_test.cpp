// The I/O a touch costs is a property of which pages missed, not of how a policy happens to cut
// its reports into missed() calls: a policy that reports every page alone must cost exactly the
// same read requests, fault waits and swap-in clusters as one that reports whole runs.
#include <doctest/doctest.h>

#include "sim/mm/memory_manager.hpp"
#include "sim/mm/policy_registry.hpp"

namespace headroom::mm {
namespace {

constexpr std::uint64_t MiB = 1024 * 1024;

// Forwards to `lru`, reporting every missed or evicted run one page at a time.
class PageByPageLru final : public EvictionPolicy {
 public:
  PageByPageLru(std::uint64_t capacity, const PolicyOptions& options)
      : inner_(PolicyRegistry::instance().find("lru")->make(capacity, options)) {}
  std::string_view name() const override { return "test-page-by-page-lru"; }
  std::uint64_t capacity_pages() const override { return inner_->capacity_pages(); }
  std::uint64_t resident_pages() const override { return inner_->resident_pages(); }
  std::uint64_t resident_pages(PageKind kind) const override { return inner_->resident_pages(kind); }
  ReferenceResult reference(PageRun run, PageKind kind, PolicyListener& listener) override {
    Splitter s{listener};
    return inner_->reference(run, kind, s);
  }
  std::uint64_t evict(std::uint64_t pages, PolicyListener& listener) override {
    Splitter s{listener};
    return inner_->evict(pages, s);
  }
  void set_capacity(std::uint64_t pages, PolicyListener& listener) override {
    Splitter s{listener};
    inner_->set_capacity(pages, s);
  }
  void erase(PageRun run) override { inner_->erase(run); }
  bool contains(PageKey key) const override { return inner_->contains(key); }
  void set_anon_victim_limit(std::uint64_t pages) override { inner_->set_anon_victim_limit(pages); }

 private:
  struct Splitter final : PolicyListener {
    explicit Splitter(PolicyListener& to) : out(to) {}
    void missed(PageRun run, PageKind kind) override {
      for (PageKey k = run.first; k < run.end(); ++k) out.missed({k, 1}, kind);
    }
    void evicted(PageRun run, PageKind kind) override {
      for (PageKey k = run.first; k < run.end(); ++k) out.evicted({k, 1}, kind);
    }
    PolicyListener& out;
  };
  std::unique_ptr<EvictionPolicy> inner_;
};

HEADROOM_REGISTER_POLICY({"test-page-by-page-lru", "lru reporting one page per call (tests only)", false,
                          [](std::uint64_t capacity, const PolicyOptions& options) -> std::unique_ptr<EvictionPolicy> {
                            return std::make_unique<PageByPageLru>(capacity, options);
                          }});

// A 64 MiB host with swap; a 48 MiB file scanned and a 48 MiB anonymous region swept twice each,
// so both file re-reads and swap-ins happen. Returns every touch's cost, in order.
std::vector<TouchCost> workload(const std::string& policy) {
  ManagerConfig c;
  c.ram_bytes = 64 * MiB;
  c.swap_bytes = 64 * MiB;
  c.policy = policy;
  MemoryManager mm(c);
  const OwnerId p = mm.add_owner("p");
  const MappingId file = mm.map(p, Backing::file, "weights", 48 * MiB);
  const MappingId heap = mm.map(p, Backing::anon, "kv", 48 * MiB);
  std::vector<TouchCost> costs;
  for (int pass = 0; pass < 3; ++pass) {
    costs.push_back(mm.touch(file, 0, 48 * MiB));
    costs.push_back(mm.touch(heap, 0, 48 * MiB, AccessPattern::sequential, true));
    mm.check_invariants();
  }
  return costs;
}

}  // namespace

TEST_CASE("fault I/O counts do not depend on how the policy splits its missed() reports") {
  const auto whole = workload("lru");
  const auto split = workload("test-page-by-page-lru");
  REQUIRE(whole.size() == split.size());
  std::uint64_t swap_ins = 0;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    CAPTURE(i);
    CHECK(split[i].file_read_bytes == whole[i].file_read_bytes);
    CHECK(split[i].file_read_ios == whole[i].file_read_ios);
    CHECK(split[i].swap_in_bytes == whole[i].swap_in_bytes);
    CHECK(split[i].swap_in_ios == whole[i].swap_in_ios);
    CHECK(split[i].major_faults == whole[i].major_faults);
    CHECK(split[i].fault_waits == whole[i].fault_waits);
    swap_ins += whole[i].swap_in_ios;
  }
  CHECK(swap_ins > 0);  // the workload did swap, so the clusters were exercised
  // The first file pass is one sequential miss run: one wait, 48 MiB / 128 KiB = 384 requests.
  CHECK(whole[0].fault_waits == 1);
  CHECK(whole[0].file_read_ios == 384);
}

}  // namespace headroom::mm
