// Properties on random reference strings with fixed seeds.
#include <doctest/doctest.h>

#include "policy_helpers.hpp"
#include "sim/mm/policies/arc.hpp"
#include "sim/trace/mrc.hpp"

using namespace testing;

namespace {
constexpr std::uint64_t kPages = 300;
const std::vector<std::uint64_t> kSeeds{1, 2, 3};

std::vector<std::uint64_t> sizes() {
  std::vector<std::uint64_t> s;
  for (std::uint64_t f = 1; f <= kPages + 2; f += (f < 20 ? 1 : 17)) s.push_back(f);
  return s;
}
}  // namespace

TEST_CASE("OPT misses no more than any policy, at every size") {
  for (const auto seed : kSeeds) {
    const auto keys = random_trace(seed, 4000, kPages);
    const auto curve = headroom::trace::exact_lru_mrc(keys, max_key(keys));
    for (const auto frames : sizes()) {
      const auto opt = misses("opt", frames, keys);
      for (const auto& name : headroom::mm::PolicyRegistry::instance().names())  // every registered one
        if (name != "opt") CHECK_MESSAGE(opt <= misses(name, frames, keys), name << " at " << frames);
      CHECK(opt <= curve.analysed_misses(frames));
    }
  }
}

TEST_CASE("OPT equals a naive Belady replay") {
  const auto keys = random_trace(7, 1500, 80);
  for (std::uint64_t frames : {1, 2, 5, 13, 40, 79, 80}) CHECK(misses("opt", frames, keys) == naive_misses("opt", frames, keys));
}

TEST_CASE("LRU misses from the MRC equal a direct LRU simulation at every size") {
  const bool have_lru = headroom::mm::PolicyRegistry::instance().find("lru") != nullptr;
  for (const auto seed : kSeeds) {
    const auto keys = random_trace(seed, 3000, 120);
    const auto curve = headroom::trace::exact_lru_mrc(keys, max_key(keys));
    CHECK(curve.sampled == keys.size());
    for (std::uint64_t frames = 1; frames <= 122; ++frames) {
      const auto direct = naive_misses("lru", frames, keys);
      CHECK(curve.analysed_misses(frames) == direct);
      if (have_lru) CHECK(misses("lru", frames, keys) == direct);
    }
  }
}

TEST_CASE("LRU and OPT misses never increase with frames") {
  for (const auto seed : kSeeds) {
    const auto keys = random_trace(seed, 3000, 150);
    const auto curve = headroom::trace::exact_lru_mrc(keys, max_key(keys));
    std::uint64_t last_opt = keys.size() + 1;
    std::uint64_t last_lru = keys.size() + 1;
    for (std::uint64_t frames = 1; frames <= 152; ++frames) {
      const auto opt = misses("opt", frames, keys);
      CHECK(opt <= last_opt);
      CHECK(curve.analysed_misses(frames) <= last_lru);
      last_opt = opt;
      last_lru = curve.analysed_misses(frames);
    }
    // With room for every page only the cold misses remain.
    CHECK(last_opt == max_key(keys));
    CHECK(curve.cold == max_key(keys));
  }
}

TEST_CASE("CLOCK with one frame equals FIFO") {
  for (const auto seed : kSeeds) {
    const auto keys = random_trace(seed, 3000, 50);
    CHECK(misses("clock", 1, keys) == misses("fifo", 1, keys));
  }
}

TEST_CASE("every online policy equals its naive reference in trace mode") {
  for (const auto& name : online_policies()) {
    for (const auto seed : kSeeds) {
      const auto keys = random_trace(seed, 3000, 150);
      for (std::uint64_t frames : {1, 2, 3, 7, 30, 100, 149, 150, 151})
        CHECK_MESSAGE(misses(name, frames, keys) == naive_misses(name, frames, keys), name << " at " << frames);
    }
  }
}

TEST_CASE("ARC stays within its size and its ghost bounds") {
  for (const auto seed : kSeeds) {
    const auto keys = random_trace(seed, 5000, 200);
    for (std::uint64_t c : {1, 4, 16, 64, 150}) {
      auto arc = make("arc", c, nullptr, max_key(keys));
      Recorder r;
      naive::Arc reference(c);
      bool ok = true;
      for (const auto k : keys) {
        arc->reference(PageRun{k, 1}, PageKind::file, r);
        reference.access(k);
        const auto s = *headroom::mm::arc_state(*arc);
        ok = ok && s.t1 + s.t2 <= c && s.t1 + s.t2 == arc->resident_pages() && s.t1 + s.b1 <= c &&
             s.t1 + s.t2 + s.b1 + s.b2 <= 2 * c && s.p >= 0 && s.p <= static_cast<double>(c) &&
             s.t1 == reference.t1() && s.t2 == reference.t2() && s.b1 == reference.b1() && s.b2 == reference.b2();
      }
      CHECK_MESSAGE(ok, "c=" << c << " seed=" << seed);
      CHECK(arc->resident_pages() == c);  // the trace touches more than c pages
    }
  }
}

TEST_CASE("ARC adapts: a scan does not flush pages used twice") {
  // Pages 0..3 used twice, then a one-pass scan of 100 pages, then 0..3 again: LRU at 8 frames
  // misses them all again; ARC keeps them in T2 while the scan streams through T1.
  std::vector<PageKey> keys;
  for (int rep = 0; rep < 2; ++rep)
    for (PageKey k = 0; k < 4; ++k) keys.push_back(k);
  for (PageKey k = 100; k < 200; ++k) keys.push_back(k);
  for (PageKey k = 0; k < 4; ++k) keys.push_back(k);
  CHECK(misses("arc", 8, keys) == 104);
  CHECK(naive_misses("lru", 8, keys) == 108);
}
