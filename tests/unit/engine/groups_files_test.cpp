// Memory cgroups and shared files through the engine, against closed forms (issue 7, "Tests that
// prove it"): two llm-servers mapping one model file hold one page-cache copy; a group whose
// memory.max is below its file re-reads it every pass while another group's pages stay resident;
// a group over memory.max with nothing reclaimable has its own workload OOM-killed while the other
// groups' workloads finish; memory.high throttling is a memory stall of the group's workload.
// Every test case runs in its own process (one SimGrid engine per process), invariants checked
// after every memory event.
#include <doctest/doctest.h>

#include "engine_fixtures.hpp"
#include "models/workloads/process/result.hpp"
#include "models/workloads/process/spec.hpp"
#include "sim/engine/simulate.hpp"

using namespace headroom;
using namespace headroom::test;

namespace {

// A process touching its whole footprint once per step (sequential, 1 step/s), `work` steps.
std::shared_ptr<config::ProcessSpec> pass_process(const std::string& name, const std::string& group,
                                                  std::uint64_t anon_bytes, std::uint64_t work_steps) {
  auto p = std::make_shared<config::ProcessSpec>();
  p->name = name;
  p->kind = "process";
  p->group = group;
  p->steps = {{0, anon_bytes, 0}};
  p->access.kind = config::AccessKind::sequential;
  p->access.write = anon_bytes > 0;
  p->steps_per_s = 1;
  p->bytes_per_step = anon_bytes;
  p->work_steps = work_steps;
  return p;
}

// The same over a mapped file of `file_bytes` named `file` (no anonymous memory).
std::shared_ptr<config::ProcessSpec> file_process(const std::string& name, const std::string& group,
                                                  const std::string& file, std::uint64_t file_bytes,
                                                  std::uint64_t work_steps) {
  auto p = pass_process(name, group, 0, work_steps);
  p->file = config::ProcessFileSpec{file, file_bytes, config::FileUse::mmap};
  p->steps = {{0, 0, file_bytes}};
  p->access.write = false;
  p->bytes_per_step = file_bytes;
  return p;
}

config::GroupSpec group(const std::string& name) {
  config::GroupSpec g;
  g.name = name;
  return g;
}

const models::ProcessData& process_data(const analysis::WorkloadResult& w) {
  return dynamic_cast<const models::ProcessData&>(*w.data);
}

double stall_s(const analysis::WorkloadResult& w) {
  double s = 0;
  for (const analysis::Interval& i : w.memory_stall) s += i.end_s - i.begin_s;
  return s;
}

analysis::HostResult run(config::Scenario& sc) {
  enable_invariant_checks();
  return engine::simulate_host(sc, sc.hosts[0]);
}

}  // namespace

// Two servers of kWeights (not a whole number of pages: 65,537 pages = 256 MiB + 4 KiB), one
// request each; their peak page cache and SSD reads.
analysis::MemoryResult two_servers(const std::string& file_a, const std::string& file_b) {
  constexpr std::uint64_t kWeights = 256 * MiB + 1000;
  config::Scenario sc = test_scenario(test_host(2 * GiB), 10);
  auto a = test_server("a", kWeights, workloads::WeightsMode::mmap);
  auto b = test_server("b", kWeights, workloads::WeightsMode::mmap);
  a->weights_file = file_a;
  b->weights_file = file_b;
  sc.workloads = {a, b};
  const analysis::HostResult r = run(sc);
  for (const auto& w : r.workloads) CHECK(llm(w).requests.at(0).finish_s > 0);
  return r.memory;
}

TEST_CASE("two llm-servers mapping the same model file hold one page-cache copy") {
  const analysis::MemoryResult m = two_servers("m.gguf", "m.gguf");
  // One copy: peak page cache = the file, page-rounded (65,537 pages); read from the SSD once.
  CHECK(m.peak_file_bytes == round_to_pages(256 * MiB + 1000));
  CHECK(m.file_read_bytes == round_to_pages(256 * MiB + 1000));
}

TEST_CASE("two llm-servers mapping two files of the same size hold two copies") {
  // The control for the case above (what every pair of servers had before shared files): twice both.
  const analysis::MemoryResult m = two_servers("a.gguf", "b.gguf");
  CHECK(m.peak_file_bytes == 2 * round_to_pages(256 * MiB + 1000));
  CHECK(m.file_read_bytes == 2 * round_to_pages(256 * MiB + 1000));
}

TEST_CASE("a group under memory.max re-reads its file every pass, while another group's pages stay resident") {
  // 2 GiB host (1.75 GiB usable): no host-level reclaim. `scan` cycles over a 96 MiB file in a
  // 64 MiB group; `steady` cycles over a 64 MiB file in an unlimited group.
  config::Scenario sc = test_scenario(test_host(2 * GiB), 10);
  config::GroupSpec small = group("small");
  small.max_bytes = 64 * MiB;
  sc.groups = {small, group("roomy")};
  constexpr std::uint64_t kScan = 96 * MiB, kSteady = 64 * MiB, kPasses = 5;
  // scan starts at 1 s, when steady has faulted its file in: the two never share the SSD.
  auto scan = file_process("scan", "small", "scan.db", kScan, kPasses);
  scan->start_at_s = 1.0;
  sc.workloads = {scan, file_process("steady", "roomy", "steady.db", kSteady, kPasses)};
  const analysis::HostResult r = run(sc);
  for (const auto& w : r.workloads) {
    CHECK(status(w) == "finished");
    CHECK(process_data(w).steps_done == kPasses);
  }
  // scan: its first step faults the file in (growth: 96 MiB), then each of the 5 passes re-reads
  // all of it: LRU keeps nothing of a cyclic scan larger than the group (what stays = 0), so
  // reads = (1 + passes) x (96 MiB - 0). steady: read once (64 MiB), then only hits.
  const std::uint64_t scan_reads = (1 + kPasses) * kScan, steady_reads = kSteady;
  CHECK(r.memory.file_read_bytes == scan_reads + steady_reads);
  // Read requests: one per 128 KiB readahead window: 6 x 768 for scan, 512 for steady's first
  // step, none for steady after warm-up. Major faults (pgmajfault, mmapped files): one per miss
  // run, i.e. per device wait: 6 passes of scan and steady's first step, at least 7.
  CHECK(r.memory.read_requests == (1 + kPasses) * (kScan / (128 * KiB)) + kSteady / (128 * KiB));
  CHECK(r.memory.major_faults == r.memory.fault_waits);
  CHECK(r.memory.major_faults >= 1 + kPasses + 1);
  CHECK(r.memory.kswapd_reclaim_pages == 0);  // the host never reclaimed: only the group did
  // steady stalls in its first step only (faulting its file in), never after.
  const auto& steady = r.workloads[1];
  const double first_step_end_s = process_data(steady).first_step_end_s;
  for (const analysis::Interval& i : steady.memory_stall) CHECK(i.end_s <= first_step_end_s);
  // 64 MiB from a 2e9 B/s SSD: 0.03355 s, plus one 100 us latency per miss run.
  const double steady_read_s = static_cast<double>(kSteady) / 2e9;
  CHECK(stall_s(steady) >= steady_read_s);
  CHECK(stall_s(steady) <= steady_read_s + 2 * 100e-6);
  // scan waits for 96 MiB every pass: 6 x 96 MiB / 2e9 B/s = 0.30199 s in all, plus latencies.
  const double scan_read_s = static_cast<double>(scan_reads) / 2e9;
  MESSAGE("stall: scan " << stall_s(r.workloads[0]) << " s, steady " << stall_s(steady) << " s");
  CHECK(stall_s(r.workloads[0]) >= scan_read_s);
  CHECK(stall_s(r.workloads[0]) <= scan_read_s + 6 * 2 * 100e-6);
}

TEST_CASE("a group over memory.max with nothing reclaimable OOM-kills its own workload, and the others finish") {
  // No swap on the host, and memory.swap.max 0 besides: `leak`'s anonymous pages cannot leave.
  config::HostSpec host = test_host(2 * GiB);
  host.swap_bytes = 512 * MiB;
  config::Scenario sc = test_scenario(host, 10);
  config::GroupSpec box = group("box");
  box.max_bytes = 64 * MiB;
  box.swap_max_bytes = 0;
  sc.groups = {box, group("web"), group("db")};
  // leak wants 128 MiB of anonymous memory in a 64 MiB group; web and db 64 MiB each, 5 steps.
  sc.workloads = {pass_process("leak", "box", 128 * MiB, 5), pass_process("web", "web", 64 * MiB, 5),
                  pass_process("db", "db", 64 * MiB, 5)};
  const analysis::HostResult r = run(sc);
  const auto& leak = r.workloads[0];
  CHECK(status(leak) == "oom-killed");
  CHECK(analysis::to_string(leak.cause) == std::string("group-oom-killed"));
  CHECK(process_data(leak).steps_done == 0);  // killed while faulting in its first step
  CHECK(r.memory.oom_kills == 1);
  CHECK(r.memory.swap_out_bytes == 0);  // swap.max 0: nothing of box went to swap
  for (std::size_t i = 1; i < 3; ++i) {
    CHECK(status(r.workloads[i]) == "finished");
    CHECK(process_data(r.workloads[i]).steps_done == 5);
    CHECK(process_data(r.workloads[i]).finished);
    // 5 steps at 1/s: done at the end of the 5th period, 5 s after the start.
    CHECK(process_data(r.workloads[i]).finish_s == doctest::Approx(5.0));
  }
  // The per-group results (HostResult::groups, as memory.current/peak/events would show them).
  REQUIRE(r.groups.size() == 3);
  const analysis::GroupResult& b = r.groups[0];
  CHECK(b.name == "box");
  CHECK(b.max_bytes == std::optional<std::uint64_t>(64 * MiB));
  CHECK(b.swap_max_bytes == std::optional<std::uint64_t>(0));
  CHECK(!b.high_bytes.has_value());
  CHECK(b.peak_usage_bytes == 64 * MiB);  // filled to memory.max before the group OOM
  CHECK(b.usage_bytes == 0);              // the killed leak's memory is freed
  CHECK(b.events_oom_kill == 1);
  CHECK(b.events_oom >= 1);
  CHECK(b.swap_bytes + b.peak_swap_bytes == 0);
  for (std::size_t i = 1; i < 3; ++i) {
    const analysis::GroupResult& g = r.groups[i];
    CAPTURE(g.name);
    CHECK(!g.max_bytes.has_value());
    CHECK(g.peak_usage_bytes == 64 * MiB);  // its process's 64 MiB, all touched
    CHECK(g.anon_bytes == 0);               // finished: freed
    CHECK(g.usage_bytes == 0);
    CHECK(g.reclaim_bytes == 0);  // the host had room: nothing taken from the other groups
    CHECK(g.major_faults == 0);   // anonymous first touches are minor faults
    CHECK(g.events_max + g.events_oom + g.events_oom_kill + g.events_high == 0);
  }
}

TEST_CASE("memory.high throttling shows as a memory stall of the group's workload") {
  // 64 MiB (16,384 pages) of anonymous memory at 0 s, 65 MiB from 1 s; no swap, so none of it can
  // be reclaimed. memory.high 64 MiB: the step at 1 s charges 256 pages and leaves the group
  // 256 pages over. Kernel penalty (memcg_high_delay_s): overage = (256 << 20) / 16384 = 2^14;
  // (2^28 x 1000) >> 34 = 15 jiffies per charge batch, x 256 / 64 = 60 jiffies = 0.060 s. The
  // other steps charge nothing over high (the first ends exactly at it), and zero-filling costs no
  // I/O: the whole stall is that one throttle.
  config::Scenario sc = test_scenario(test_host(2 * GiB), 5);
  config::GroupSpec g = group("box");
  g.high_bytes = 64 * MiB;
  sc.groups = {g};
  auto p = pass_process("grow", "box", 64 * MiB, 0);
  p->steps = {{0, 64 * MiB, 0}, {1, 65 * MiB, 0}};
  p->bytes_per_step = 1 * MiB;
  sc.workloads = {p};
  const analysis::HostResult r = run(sc);
  const auto& w = r.workloads[0];
  CHECK(status(w) == "running");
  CHECK(process_data(w).steps_done == 5);
  for (const analysis::Interval& i : w.memory_stall) MESSAGE("stall " << i.begin_s << " .. " << i.end_s);
  REQUIRE(w.memory_stall.size() == 1);
  CHECK(w.memory_stall[0].begin_s == doctest::Approx(1.0));
  CHECK(stall_s(w) == doctest::Approx(0.060).epsilon(1e-9));
  // The step at 1 s ran 60 ms late; the rest kept the asked 1 step/s.
  CHECK(process_data(w).steps_done == 5);
}
