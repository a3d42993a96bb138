// Engine-style use: random multi-page runs of mixed kinds, no key-space hint (hashed index), checked
// page by page against the naive replay of the same policy.
#include <doctest/doctest.h>

#include "policy_helpers.hpp"

using namespace testing;

namespace {

struct RunRef {
  PageRun run;
  PageKind kind;
};

std::vector<RunRef> random_runs(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<RunRef> runs;
  for (std::size_t i = 0; i < n; ++i) {
    const PageKey first = 1000000 + rng() % 400;  // keys far from 0: no dense-index assumption
    runs.push_back({PageRun{first, 1 + rng() % 24}, rng() % 2 ? PageKind::anon : PageKind::file});
  }
  return runs;
}

void check_runs_match_naive(const std::string& name, std::uint64_t frames, std::uint64_t seed) {
  const auto runs = random_runs(seed, 600);
  std::vector<PageKey> pages;
  for (const auto& r : runs)
    for (PageKey k = r.run.first; k < r.run.end(); ++k) pages.push_back(k);
  auto policy = make(name, frames, name == "opt" ? &pages : nullptr, 0);
  auto reference = make_naive(name, frames, pages);
  Recorder got;
  std::vector<PageKey> want_misses, want_victims;
  std::uint64_t resident_by_kind[2] = {0, 0};
  std::map<PageKey, PageKind> kind_of;
  bool same_counts = true;
  for (const auto& r : runs) {
    std::uint64_t want_hits = 0;
    for (PageKey k = r.run.first; k < r.run.end(); ++k) {
      const auto step = reference->access(k);
      if (step.hit) {
        ++want_hits;
        continue;
      }
      if (step.evicted) {
        want_victims.push_back(step.victim);
        --resident_by_kind[static_cast<int>(kind_of[step.victim])];
      }
      want_misses.push_back(k);
      kind_of[k] = r.kind;
      ++resident_by_kind[static_cast<int>(r.kind)];
    }
    const auto result = policy->reference(r.run, r.kind, got);
    same_counts = same_counts && result.hit_pages == want_hits && result.miss_pages == r.run.count - want_hits &&
                  policy->resident_pages(PageKind::file) == resident_by_kind[0] &&
                  policy->resident_pages(PageKind::anon) == resident_by_kind[1];
  }
  CHECK_MESSAGE(same_counts, name << " frames=" << frames);
  CHECK(got.consistent);
  CHECK(got.present.size() == policy->resident_pages());
  CHECK(got.misses == want_misses);
  CHECK(got.victims == want_victims);
  for (const auto& [key, kind] : kind_of) {
    (void)kind;
    const bool resident = std::count(got.misses.begin(), got.misses.end(), key) >
                          std::count(got.victims.begin(), got.victims.end(), key);
    CHECK(policy->contains(key) == resident);
  }
}

}  // namespace

TEST_CASE("multi-page runs match a naive page-at-a-time replay, every policy") {
  for (const auto& name : {"fifo", "clock", "arc", "mglru", "opt"})
    for (std::uint64_t frames : {1, 2, 7, 64, 300})
      for (std::uint64_t seed : {11, 12, 13, 14}) check_runs_match_naive(name, frames, seed);
}

TEST_CASE("a long sequential run is reported as a few runs") {
  for (const auto& name : online_policies()) {
    auto policy = make(name, 1000000, nullptr, 0);
    struct Counter final : headroom::mm::PolicyListener {
      void missed(PageRun run, PageKind) override { ++calls, pages += run.count; }
      void evicted(PageRun run, PageKind) override { ++calls, evicted_pages += run.count; }
      std::uint64_t calls = 0, pages = 0, evicted_pages = 0;
    } counter;
    const auto result = policy->reference(PageRun{5000000, 1500000}, PageKind::anon, counter);
    CHECK(result.miss_pages == 1500000);
    CHECK(counter.pages == 1500000);
    CHECK(counter.evicted_pages == 500000);  // the first 500000 pages made room for the rest
    CHECK(policy->resident_pages(PageKind::anon) == 1000000);
    // missed(first 1000000), evicted(first 500000), missed(the rest); mglru splits off single pages
    // while its first generations open.
    CHECK_MESSAGE(counter.calls <= 10, name << ": " << counter.calls << " listener calls");
  }
}

TEST_CASE("evict, erase and set_capacity keep the books") {
  for (const auto& name : online_policies()) {
    auto policy = make(name, 100, nullptr, 0);
    Recorder r;
    policy->reference(PageRun{0, 100}, PageKind::file, r);
    CHECK(policy->resident_pages() == 100);
    CHECK(policy->evict(10, r) == 10);
    CHECK(r.victims.size() == 10);
    CHECK(policy->resident_pages() == 90);
    for (auto v : r.victims) CHECK_FALSE(policy->contains(v));
    std::uint64_t erased = 0;
    for (PageKey k = 50; k < 70; ++k) erased += policy->contains(k) ? 1 : 0;
    CHECK(erased > 0);
    policy->erase(PageRun{50, 20});
    CHECK(policy->resident_pages() == 90 - erased);
    CHECK_FALSE(policy->contains(55));
    CHECK(r.victims.size() == 10);  // erase is not an eviction
    const auto resident_before = policy->resident_pages();
    policy->set_capacity(30, r);
    CHECK(policy->capacity_pages() == 30);
    CHECK(policy->resident_pages() == 30);
    CHECK(r.victims.size() - 10 == resident_before - 30);
    // Refilling after the shrink never exceeds the new size.
    policy->reference(PageRun{1000, 200}, PageKind::anon, r);
    CHECK(policy->resident_pages() == 30);
    CHECK(policy->resident_pages(PageKind::anon) == 30);
    CHECK(policy->evict(1000, r) == 30);
    CHECK(policy->resident_pages() == 0);
  }
}

TEST_CASE("FIFO, CLOCK and MGLRU: a cyclic scan larger than memory faults every page in O(runs)") {
  for (const auto* name : {"fifo", "clock", "mglru"}) {
    auto policy = make(name, 1000000, nullptr, 0);
    struct Counter final : headroom::mm::PolicyListener {
      void missed(PageRun run, PageKind) override { ++calls, missed_pages += run.count; }
      void evicted(PageRun, PageKind) override { ++calls; }
      std::uint64_t calls = 0, missed_pages = 0;
    } counter;
    std::uint64_t misses = 0;
    for (int pass = 0; pass < 10; ++pass) misses += policy->reference(PageRun{0, 1500000}, PageKind::file, counter).miss_pages;
    CHECK(misses == 15000000);  // 1.5 M pages x 10 passes: the scan always evicts what comes next
    CHECK(counter.missed_pages == misses);
    // 15 M pages referenced; a handful of runs per pass (mglru: ~11, as generations turn over).
    CHECK_MESSAGE(counter.calls <= 200, std::string(name) << ": " << counter.calls << " listener calls");
    CHECK(policy->resident_pages() == 1000000);
  }
}

TEST_CASE("FIFO, CLOCK and MGLRU pass over anonymous pages once the swap limit is spent") {
  for (const auto* name : {"fifo", "clock", "mglru"}) {
    auto policy = make(name, 10, nullptr, 0);
    Recorder r;
    policy->reference(PageRun{0, 5}, PageKind::anon, r);
    policy->reference(PageRun{100, 5}, PageKind::file, r);
    policy->set_anon_victim_limit(2);
    policy->reference(PageRun{200, 6}, PageKind::file, r);  // needs 6 victims: 2 anon, then 4 file
    CHECK(r.victims == std::vector<PageKey>{0, 1, 100, 101, 102, 103});
    CHECK(policy->resident_pages(PageKind::anon) == 3);
    policy->set_anon_victim_limit(0);
    CHECK(policy->evict(100, r) == 7);  // only the file pages: 104 and 200..205
    CHECK(policy->resident_pages() == 3);
    policy->reference(PageRun{300, 9}, PageKind::file, r);  // 2 fit, the rest evicts its own pages
    CHECK(policy->resident_pages() == 10);
    CHECK(policy->resident_pages(PageKind::anon) == 3);
  }
}
