// RunStore: splits, merges, trims and erases keep lists, counts and the index consistent, in both
// index modes.
#include <doctest/doctest.h>

#include "sim/mm/run_store.hpp"

namespace headroom::mm {
namespace {

template <class Index>
void exercise() {
  RunStore<Index> s(2, 1000);
  NodeId a = s.insert_head({100, 50}, PageKind::file, 0);
  NodeId b = s.insert_head({150, 10}, PageKind::file, 0);  // contiguous with the head run
  if constexpr (RunStore<Index>::kMerges) {
    CHECK(a == b);  // merged: one run [100, 160)
    CHECK(s.runs(0) == 1);
  } else {
    CHECK(a != b);
    CHECK(s.runs(0) == 2);
  }
  CHECK(s.pages(0) == 60);
  CHECK(s.find(99) == kNoNode);
  CHECK(s.find(159) == b);
  CHECK(s.next_at_or_after(0, 100) == kNoNode);
  CHECK(s.next_at_or_after(0, 101) == a);
  s.check();

  // Isolating [120, 130) leaves [100, 120) oldest, then [120, 130), then [130, ...) on list 0.
  NodeId mid = s.isolate(s.find(125), 120, 130);
  CHECK(s[mid].first == 120);
  CHECK(s[mid].count == 10);
  CHECK(s[s.tail(0)].first == 100);
  CHECK(s[s[s.tail(0)].newer].first == 120);
  s.check();

  s.move_to_head(mid, 1);
  CHECK(s.pages(1) == 10);
  CHECK(s.pages(0) == 50);
  s.trim_front(s.tail(0), 5);  // evict the 5 oldest pages: 100..104
  CHECK(s.find(104) == kNoNode);
  CHECK(s.find(105) != kNoNode);
  CHECK(s.pages(PageKind::file) == 55);
  s.check();

  // Keys 110..139 sit on both lists (120..129 moved to list 1); all of them go.
  CHECK(s.erase_range({110, 30}) == 30);
  CHECK(s.pages(0) == 25);  // [105, 110) and [140, 160)
  CHECK(s.pages(1) == 0);
  CHECK(s.total_pages() == 25);
  s.check();
}

TEST_CASE("run store operations with the tree index") { exercise<TreeIndex>(); }
TEST_CASE("run store operations with the flat index") { exercise<FlatIndex>(); }

}  // namespace
}  // namespace headroom::mm
