// kind: container / vm through the loader: the groups they provide join the scenario's groups after
// the `groups:` entries, with the container's limits as written and the VM's derived from `ram`.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "models/workloads/common/box_spec.hpp"
#include "sim/config/scenario_loader.hpp"

using namespace headroom;
namespace fs = std::filesystem;

TEST_CASE("loader: containers and vms provide groups their workloads join") {
  const fs::path dir = fs::temp_directory_path() / ("headroom-config-box-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "boxes.yaml";
  std::ofstream(file) << "name: boxes\nduration: 1min\nhosts: [ddr5-2x48]\n"
                         "groups:\n  - {name: batch, memory_max: 8GiB}\n"
                         "workloads:\n"
                         "  - {name: web, kind: container, memory_max: 4GiB, memory_low: 1GiB, overhead: 30MiB}\n"
                         "  - {name: lab, kind: vm, ram: 16GiB, overhead: 1GiB, balloon: {min: 8GiB}}\n"
                         "  - {name: app, kind: process, group: lab, anon: 1GiB, access: {pattern: sequential},"
                         " steps_per_s: 1/s, bytes_per_step: 1GiB}\n";
  const config::Scenario sc = config::load_scenario(file.string(), std::string(HEADROOM_SOURCE_DIR) + "/models/catalog");
  constexpr std::uint64_t GiB = std::uint64_t{1} << 30, MiB = std::uint64_t{1} << 20;
  REQUIRE(sc.groups.size() == 3);
  CHECK(sc.groups[0].name == "batch");
  const config::GroupSpec& web = sc.groups[1];
  CHECK(web.name == "web");
  CHECK(web.max_bytes == 4 * GiB);
  CHECK_FALSE(web.high_bytes.has_value());
  CHECK(web.low_bytes == 1 * GiB);
  CHECK_FALSE(web.private_page_cache);
  CHECK(web.line == 7);
  const config::GroupSpec& lab = sc.groups[2];
  CHECK(lab.max_bytes == 16 * GiB);
  CHECK(lab.min_bytes == 16 * GiB);
  CHECK(lab.swap_max_bytes == 0u);
  CHECK(lab.private_page_cache);
  const auto* vm = dynamic_cast<const workloads::BoxSpec*>(sc.workloads[1].get());
  REQUIRE(vm != nullptr);
  CHECK(vm->vm);
  CHECK(vm->ram_bytes == 16 * GiB);
  CHECK(vm->overhead_bytes == 1 * GiB);
  CHECK(vm->balloon_min_bytes == 8 * GiB);
  const auto* container = dynamic_cast<const workloads::BoxSpec*>(sc.workloads[0].get());
  REQUIRE(container != nullptr);
  CHECK(container->overhead_bytes == 30 * MiB);
  CHECK(sc.workloads[2]->group == "lab");
  fs::remove_all(dir);
}
