// The `after:` graph (sim/config/lifecycle.hpp): start order of a diamond, ties in file order, the
// text and place of a cycle, unknown names; and the lifecycle and group keys as the loader reads them.
#include <doctest/doctest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "sim/config/error.hpp"
#include "sim/config/lifecycle.hpp"
#include "sim/config/scenario_loader.hpp"

using namespace headroom::config;

namespace {

const std::string kSource = HEADROOM_SOURCE_DIR;
const std::string kCatalog = kSource + "/models/catalog";

struct Entry {
  std::string name;
  std::vector<std::string> after;
};

// Workloads as the loader would give them, with each `after:` entry placed on line 10 + index of
// the workload, column 20 + 10 x index of the entry.
std::vector<std::shared_ptr<const WorkloadSpec>> workloads(std::initializer_list<Entry> entries) {
  std::vector<std::shared_ptr<const WorkloadSpec>> out;
  for (const auto& entry : entries) {
    auto spec = std::make_shared<WorkloadSpec>();
    spec->name = entry.name;
    spec->kind = "process";
    spec->after = entry.after;
    for (std::size_t k = 0; k < entry.after.size(); ++k)
      spec->after_positions.push_back({static_cast<int>(10 + out.size()), static_cast<int>(20 + 10 * k)});
    out.push_back(spec);
  }
  return out;
}

std::string error_of(const std::vector<std::shared_ptr<const WorkloadSpec>>& specs) {
  try {
    start_order("s.yaml", specs);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("lifecycle: a diamond starts at its top and ends at its bottom") {
  // a; b and c after a; d after b and c.
  CHECK(start_order("s.yaml", workloads({{"a", {}}, {"b", {"a"}}, {"c", {"a"}}, {"d", {"b", "c"}}})) ==
        std::vector<std::size_t>{0, 1, 2, 3});
  // The same diamond written bottom up: a (index 3) first, then c (1) before b (2) by file order.
  CHECK(start_order("s.yaml", workloads({{"d", {"b", "c"}}, {"c", {"a"}}, {"b", {"a"}}, {"a", {}}})) ==
        std::vector<std::size_t>{3, 1, 2, 0});
}

TEST_CASE("lifecycle: ties go by file order, and a dependant waits however early it is written") {
  CHECK(start_order("s.yaml", workloads({{"x", {}}, {"y", {}}, {"z", {}}})) == std::vector<std::size_t>{0, 1, 2});
  // batch (0) waits for prep (2); os (1) is free: os, prep, batch; then report (3) after batch.
  CHECK(start_order("s.yaml", workloads({{"batch", {"prep"}}, {"os", {}}, {"prep", {}}, {"report", {"batch"}}})) ==
        std::vector<std::size_t>{1, 2, 0, 3});
  // A chain written backwards starts from its end of the file.
  CHECK(start_order("s.yaml", workloads({{"c", {"b"}}, {"b", {"a"}}, {"a", {}}})) ==
        std::vector<std::size_t>{2, 1, 0});
  CHECK(start_order("s.yaml", workloads({{"only", {}}})) == std::vector<std::size_t>{0});
}

TEST_CASE("lifecycle: a cycle is named whole from its member earliest in the file") {
  // b waits for a, a for c, c for b; x and y stand outside it. Located at b's entry naming a.
  CHECK(error_of(workloads({{"x", {}}, {"b", {"x", "a"}}, {"c", {"b"}}, {"a", {"c"}}, {"y", {"a"}}})) ==
        "s.yaml:11:30: error: after: cycle b -> a -> c -> b (each workload waits for the next)");
  // Two workloads waiting for each other.
  CHECK(error_of(workloads({{"p", {"q"}}, {"q", {"p"}}})) ==
        "s.yaml:10:20: error: after: cycle p -> q -> p (each workload waits for the next)");
  // The search enters the cycle at o (from start, which waits for it); the text still starts at m,
  // the cycle's member earliest in the file.
  CHECK(error_of(workloads({{"start", {"o"}}, {"m", {"n"}}, {"n", {"o"}}, {"o", {"m"}}})) ==
        "s.yaml:11:20: error: after: cycle m -> n -> o -> m (each workload waits for the next)");
}

TEST_CASE("lifecycle: a long cycle is cut to its first six members and its last") {
  std::vector<std::shared_ptr<const WorkloadSpec>> ring;
  for (int i = 0; i < 9; ++i) {
    auto spec = std::make_shared<WorkloadSpec>();
    spec->name = "w" + std::to_string(i);
    spec->after = {"w" + std::to_string((i + 1) % 9)};
    spec->after_positions = {{i + 1, 7}};
    ring.push_back(spec);
  }
  CHECK(error_of(ring) ==
        "s.yaml:1:7: error: after: cycle w0 -> w1 -> w2 -> w3 -> w4 -> w5 -> ... -> w8 -> w0 (9 workloads; each "
        "waits for the next)");
  ring.pop_back();  // w7 now waits for the missing w8
  CHECK(error_of(ring) == "s.yaml:8:7: error: after: unknown workload 'w8'; known: w0, w1, w2, w3, w4, w5, w6");
  std::const_pointer_cast<WorkloadSpec>(ring.back())->after = {"w0"};  // 8 members: shown whole
  CHECK(error_of(ring) ==
        "s.yaml:1:7: error: after: cycle w0 -> w1 -> w2 -> w3 -> w4 -> w5 -> w6 -> w7 -> w0 (each workload waits "
        "for the next)");
}

TEST_CASE("lifecycle: unknown and own names are refused at their entry") {
  CHECK(error_of(workloads({{"prepare", {}}, {"train", {"prepar"}}})) ==
        "s.yaml:11:20: error: after: unknown workload 'prepar' (did you mean 'prepare'?); known: prepare");
  CHECK(error_of(workloads({{"a", {}}, {"b", {"a", "zzz"}}})) ==
        "s.yaml:11:30: error: after: unknown workload 'zzz'; known: a");
  CHECK(error_of(workloads({{"solo", {"other"}}})) ==
        "s.yaml:10:20: error: after: unknown workload 'other'; known: none (it is the only workload)");
  CHECK(error_of(workloads({{"a", {}}, {"b", {"b"}}})) ==
        "s.yaml:11:20: error: after: expected another workload's name, found 'b' (the workload's own name: it "
        "cannot wait for itself)");
}

TEST_CASE("lifecycle: the loader reads start_at, stop_at, after and group, and groups") {
  const Scenario s = load_scenario(kSource + "/tests/unit/config/scenarios/lifecycle.yaml", kCatalog);
  REQUIRE(s.workloads.size() == 3);
  const WorkloadSpec& server = *s.workloads[0];
  const WorkloadSpec& batch = *s.workloads[1];
  const WorkloadSpec& prep = *s.workloads[2];
  CHECK(server.group == "server");
  CHECK(server.group_position.line == 21);
  CHECK(server.group_position.column == 12);
  CHECK_FALSE(server.start_at_s.has_value());
  CHECK(server.stop_at_s == 540.0);
  CHECK(server.after.empty());
  CHECK(batch.group == "");
  CHECK(batch.start_at_s == 90.0);
  CHECK_FALSE(batch.stop_at_s.has_value());
  CHECK(batch.after == std::vector<std::string>{"prep"});
  REQUIRE(batch.after_positions.size() == 1);
  CHECK(batch.after_positions[0].line == 30);
  CHECK(batch.after_positions[0].column == 9);
  CHECK(prep.start_at_s == 0.0);
  CHECK(s.start_order == std::vector<std::size_t>{0, 2, 1});

  REQUIRE(s.groups.size() == 2);
  const GroupSpec& g = s.groups[0];
  CHECK(g.name == "server");
  CHECK(g.line == 6);
  CHECK(g.column == 5);
  CHECK(g.max_bytes == 64ULL << 30);
  CHECK(g.high_bytes == 60ULL << 30);
  CHECK(g.swap_max_bytes == 0);
  CHECK(g.min_bytes == 32ULL << 30);
  CHECK(g.low_bytes == 16ULL << 30);  // min above low: accepted, as the kernel does
  const GroupSpec& db = s.groups[1];
  CHECK(db.name == "db");
  CHECK_FALSE(db.max_bytes.has_value());  // max
  CHECK_FALSE(db.high_bytes.has_value());  // absent = max
  CHECK(db.swap_max_bytes == 1'500'000'000ULL);
  CHECK(db.min_bytes == 0);
  CHECK(db.low_bytes == 0);
}
