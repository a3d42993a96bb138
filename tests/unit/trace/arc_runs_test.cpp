// ARC on runs (sim/mm/policies/arc.cpp) in engine mode (no key-space hint, tree index): multi-page
// runs keep the paper's list sizes page for page, and long scans cost O(runs), not O(pages).
#include <doctest/doctest.h>

#include "policy_helpers.hpp"
#include "sim/mm/policies/arc.hpp"

using namespace testing;

TEST_CASE("ARC with multi-page runs keeps the naive replay's T1, T2, B1, B2 after every run") {
  for (std::uint64_t seed : {21, 22, 23}) {
    std::mt19937_64 rng(seed);
    for (std::uint64_t c : {1, 3, 16, 50, 120}) {
      auto arc = make("arc", c, nullptr, 0);
      naive::Arc reference(c);
      Recorder r;
      bool ok = true;
      for (int i = 0; i < 800; ++i) {
        // Mostly short runs over 300 keys with some long scans: ghost hits in both lists.
        const PageKey first = 500000 + rng() % 300;
        const std::uint64_t count = rng() % 10 == 0 ? 1 + rng() % 200 : 1 + rng() % 12;
        for (PageKey k = first; k < first + count; ++k) reference.access(k);
        arc->reference(PageRun{first, count}, rng() % 2 ? PageKind::anon : PageKind::file, r);
        const auto s = *headroom::mm::arc_state(*arc);
        ok = ok && s.t1 == reference.t1() && s.t2 == reference.t2() && s.b1 == reference.b1() &&
             s.b2 == reference.b2() && s.t1 + s.t2 == arc->resident_pages() && s.t1 + s.b1 <= c &&
             s.t1 + s.t2 + s.b1 + s.b2 <= 2 * c && s.p >= 0 && s.p <= static_cast<double>(c);
      }
      CHECK_MESSAGE(ok, "c=" << c << " seed=" << seed);
      CHECK(r.consistent);
      CHECK(r.present.size() == arc->resident_pages());
    }
  }
}

TEST_CASE("ARC: a cyclic scan larger than memory faults every page in O(runs)") {
  // 1.5 M pages through 1 M frames, ten passes: LRU order inside T1, so every page is gone before it
  // comes back (its ghost was dropped too: B1 holds at most c - |T1| = 0 keys once T1 is full).
  auto arc = make("arc", 1000000, nullptr, 0);
  struct Counter final : headroom::mm::PolicyListener {
    void missed(PageRun run, PageKind) override { ++calls, missed_pages += run.count; }
    void evicted(PageRun run, PageKind) override { ++calls, evicted_pages += run.count; }
    std::uint64_t calls = 0, missed_pages = 0, evicted_pages = 0;
  } counter;
  std::uint64_t misses = 0;
  for (int pass = 0; pass < 10; ++pass) misses += arc->reference(PageRun{0, 1500000}, PageKind::file, counter).miss_pages;
  CHECK(misses == 15000000);
  CHECK(counter.missed_pages == misses);
  CHECK(counter.evicted_pages == misses - 1000000);  // conservation: what came in minus what stays
  CHECK(arc->resident_pages() == 1000000);
  CHECK_MESSAGE(counter.calls <= 100, counter.calls << " listener calls");
}

TEST_CASE("ARC: hits on a resident run move it to T2 in one piece") {
  auto arc = make("arc", 1000, nullptr, 0);
  Recorder r;
  arc->reference(PageRun{0, 600}, PageKind::anon, r);
  const auto hit = arc->reference(PageRun{100, 300}, PageKind::anon, r);
  CHECK(hit.hit_pages == 300);
  const auto s = *headroom::mm::arc_state(*arc);
  CHECK(s.t1 == 300);
  CHECK(s.t2 == 300);
  // 700 new pages need 300 victims; T1 (300) > p (0): the victims are T1's oldest, 0..99 and 400..599.
  arc->reference(PageRun{10000, 700}, PageKind::file, r);
  CHECK(r.victims.size() == 300);
  CHECK(r.victims.front() == 0);
  CHECK(r.victims[100] == 400);
  CHECK(r.victims.back() == 599);
  CHECK(arc->resident_pages(headroom::mm::PageKind::anon) == 300);
}
