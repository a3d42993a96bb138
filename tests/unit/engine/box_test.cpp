// Containers and VMs through the loader and the engine (issue 8, "Tests that prove it"): a VM's
// reservation to the byte; a container at its memory.max OOMs inside while the host's other
// workloads finish; one page-cache copy of a file read on the host and in a container, two when
// the second reader is in a VM; a balloon handing back exactly down to its minimum. Each test case
// runs in its own process (one SimGrid engine per process), invariants checked after every event.
#include <doctest/doctest.h>

#include <string>

#include "engine_fixtures.hpp"
#include "models/workloads/common/box_result.hpp"
#include "models/workloads/process/result.hpp"
#include "sim/config/scenario_loader.hpp"
#include "sim/engine/simulate.hpp"

using namespace headroom;
using namespace headroom::test;

namespace {

// An 8 GiB Linux host (4 KiB pages, 1 GiB OS reserve) with `swap` of swap; the scenario's
// workloads follow.
std::string scenario(const std::string& swap, const std::string& workloads) {
  return "name: box test\nduration: 5s\nhosts:\n  - name: h\n    use: ddr5-2x48\n    ram: 8GiB\n"
         "    os_reserve: 1GiB\n    swap: " + swap + "\nworkloads:\n" + workloads;
}

struct Run {
  config::Scenario scenario;
  analysis::HostResult host;
  const analysis::WorkloadResult& workload(const std::string& name) const {
    for (const auto& w : host.workloads)
      if (w.name == name) return w;
    throw std::logic_error("no workload " + name);
  }
  const workloads::BoxData& box(const std::string& name) const {
    return dynamic_cast<const workloads::BoxData&>(*workload(name).data);
  }
};

Run run(const std::string& name, const std::string& text) {
  enable_invariant_checks();
  Run r{config::load_scenario(write_temp_file(name + ".yaml", text),
                              std::string(HEADROOM_SOURCE_DIR) + "/models/catalog"),
        {}};
  r.host = engine::simulate_host(r.scenario, r.scenario.hosts[0]);
  return r;
}

// A process holding `anon` (written once, then touched whole every second) in `group`.
std::string holder(const std::string& name, const std::string& group, const std::string& anon,
                   const std::string& extra = "") {
  return "  - name: " + name + "\n    kind: process\n" + (group.empty() ? "" : "    group: " + group + "\n") +
         "    anon: " + anon + "\n    access: {pattern: sequential, write: true}\n    steps_per_s: 1/s\n"
         "    bytes_per_step: " + anon + "\n" + extra;
}

// A process reading the 1 GiB file data.bin through the page cache once a second, in `group`.
std::string reader(const std::string& name, const std::string& group) {
  return "  - name: " + name + "\n    kind: process\n" + (group.empty() ? "" : "    group: " + group + "\n") +
         "    file: {name: data.bin, size: 1GiB, use: read}\n    access: {pattern: sequential}\n"
         "    steps_per_s: 1/s\n    bytes_per_step: 1GiB\n";
}

}  // namespace

// ram 3 GiB + 1000 bytes: the guest's memory.max is 3 GiB (whole pages, as the kernel rounds), and
// the host holds exactly that from the VM's start: reservation + guest kernel + guest workload,
// whatever the guest uses; after the guest's workload finishes the host still holds it all.
TEST_CASE("vm: the host holds the guest's RAM from the start, to the byte") {
  const std::string vm = "  - name: guest\n    kind: vm\n    ram: 3221226472B\n    overhead: 256MiB\n";
  const Run r = run("vm_reserve", scenario("0B", vm + holder("app", "guest", "1GiB", "    work: 2\n")));
  const workloads::BoxData& d = r.box("guest");
  CHECK(r.scenario.groups.size() == 1);
  CHECK(r.scenario.groups[0].max_bytes == 3 * GiB + 1000);
  CHECK(r.scenario.groups[0].private_page_cache);
  CHECK(d.reserved_at_start_bytes == 3 * GiB);
  CHECK(d.peak_host_bytes == 3 * GiB);
  CHECK(d.host_bytes_now == 3 * GiB);  // app finished at 2 s; its pages stay the VM's
  CHECK(d.peak_usage_bytes == 1 * GiB + 256 * MiB);
  CHECK(r.workload("app").status == analysis::WorkloadStatus::finished);
  // Host anonymous memory never passed the reservation: the guest's touches take from it first.
  CHECK(r.host.memory.peak_anon_bytes == 3 * GiB);
}

// memory_max 1 GiB, a 30 MiB runtime; inside, a process growing to 2 GiB is killed by the group's
// OOM killer (no swap); a process outside the container does its 3 steps and finishes.
TEST_CASE("container: at memory.max its workload is OOM-killed inside, the host's others finish") {
  const std::string box = "  - name: box\n    kind: container\n    memory_max: 1GiB\n    overhead: 30MiB\n";
  const std::string hog = "  - name: hog\n    kind: process\n    group: box\n    ramp: {from: 0B, to: 2GiB, over: 2s}\n"
                          "    access: {pattern: sequential, write: true}\n    steps_per_s: 10/s\n    bytes_per_step: 4KiB\n";
  const Run r = run("box_oom", scenario("0B", box + hog + holder("web", "", "512MiB", "    work: 3\n")));
  const analysis::WorkloadResult& killed = r.workload("hog");
  CHECK(killed.status == analysis::WorkloadStatus::oom_killed);
  CHECK(killed.cause == analysis::Cause::group_oom_kill);
  CHECK(r.workload("web").status == analysis::WorkloadStatus::finished);
  CHECK(r.workload("box").status == analysis::WorkloadStatus::running);
  const workloads::BoxData& d = r.box("box");
  CHECK(d.oom_kills_inside == 1);
  CHECK(d.group_ooms == 1);
  CHECK(d.peak_usage_bytes == 1 * GiB);  // at memory.max when the OOM struck
  CHECK(r.host.memory.oom_kills == 1);
  REQUIRE(r.host.groups.size() == 1);
  CHECK(r.host.groups[0].usage_bytes == 30 * MiB);  // the runtime stays
}

// data.bin read on the host and in a container: one page-cache copy, read from the SSD once.
TEST_CASE("page cache: shared with a container") {
  const std::string box = "  - name: box\n    kind: container\n    memory_max: 2GiB\n";
  const Run shared = run("cache_container", scenario("0B", box + reader("host-reader", "") + reader("boxed", "box")));
  CHECK(shared.host.memory.peak_file_bytes == 1 * GiB);
  CHECK(shared.host.memory.file_read_bytes == 1 * GiB);
}

// The same with the second reader in a VM: the guest reads its own copy (1 GiB more page cache,
// read twice).
TEST_CASE("page cache: private to a vm") {
  const std::string vm = "  - name: box\n    kind: vm\n    ram: 2GiB\n";
  const Run apart = run("cache_vm", scenario("0B", vm + reader("host-reader", "") + reader("boxed", "box")));
  CHECK(apart.host.memory.peak_file_bytes == 2 * GiB);
  CHECK(apart.host.memory.file_read_bytes == 2 * GiB);
  CHECK(apart.box("box").peak_usage_bytes == 1 * GiB);  // the guest's copy is charged inside
  CHECK(apart.box("box").peak_host_bytes == 2 * GiB);   // and taken from its reservation
}

// Host: 7 GiB usable beside the OS. A 4 GiB VM (guest kernel 256 MiB, a 1 GiB workload; balloon
// min 2 GiB) and, from 1 s, a 3.5 GiB host process: the host reclaims (swaps), the balloon
// inflates and hands back exactly ram - min = 2 GiB; the VM then holds exactly min = 2 GiB.
TEST_CASE("vm: the balloon hands back exactly down to its minimum under host pressure") {
  const std::string vm = "  - name: guest\n    kind: vm\n    ram: 4GiB\n    overhead: 256MiB\n    balloon: {min: 2GiB}\n";
  const Run r = run("balloon", scenario("2GiB", vm + holder("app", "guest", "1GiB") +
                                                   holder("hog", "", "3584MiB", "    start_at: 1s\n")));
  const workloads::BoxData& d = r.box("guest");
  REQUIRE(d.balloon_inflated_s.has_value());
  CHECK(*d.balloon_inflated_s >= 1.0);
  CHECK(*d.balloon_inflated_s <= 1.2);
  CHECK(d.peak_host_bytes == 4 * GiB);
  CHECK(d.balloon_returned_bytes == 2 * GiB);
  CHECK(d.host_bytes_now == 2 * GiB);
  CHECK(r.workload("hog").status == analysis::WorkloadStatus::running);
  CHECK(r.workload("app").status == analysis::WorkloadStatus::running);
}

// Without a balloon the same host process finds the VM's 4 GiB held: the host swaps instead.
TEST_CASE("vm: without a balloon the host keeps the whole reservation under pressure") {
  const std::string vm = "  - name: guest\n    kind: vm\n    ram: 4GiB\n    overhead: 256MiB\n";
  const Run r = run("no_balloon", scenario("2GiB", vm + holder("app", "guest", "1GiB") +
                                                      holder("hog", "", "3584MiB", "    start_at: 1s\n")));
  const workloads::BoxData& d = r.box("guest");
  CHECK_FALSE(d.balloon_inflated_s.has_value());
  CHECK(d.host_bytes_now == 4 * GiB);
  CHECK(r.host.memory.swap_out_bytes > 0);
}

// A VM stopped at 2 s while its guest's workload runs on: the reservation is freed with the VM and
// the guest's later touches find no reservation to make room in (the hooks do nothing).
TEST_CASE("vm: stopped while its guest runs on") {
  const std::string vm = "  - name: guest\n    kind: vm\n    ram: 3GiB\n    stop_at: 2s\n";
  const Run r = run("vm_stop", scenario("0B", vm + holder("app", "guest", "1GiB")));
  CHECK(r.workload("guest").status == analysis::WorkloadStatus::stopped);
  CHECK(r.workload("app").status == analysis::WorkloadStatus::running);
  CHECK(r.box("guest").peak_host_bytes == 3 * GiB);
  REQUIRE(r.host.groups.size() == 1);
  CHECK(r.host.groups[0].usage_bytes == 1 * GiB);  // only the guest's workload is left
}
