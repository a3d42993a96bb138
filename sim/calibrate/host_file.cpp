// The output: one host in the catalog's format. Fields the model reads get a `source:` line with
// the date, the repetitions and the spread; everything else measured goes under `measured:`.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "sim/calibrate/calibrate.hpp"

namespace headroom::calibrate {
namespace {

// A JSON string is a valid YAML double-quoted scalar: every byte escaped as YAML expects.
std::string quoted(const std::string& text) { return nlohmann::json(text).dump(); }

// The largest binary unit that states the size exactly.
std::string size_text(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (unit < 4 && bytes != 0 && bytes % 1024 == 0) bytes /= 1024, ++unit;
  return fmt::format("{}{}", bytes, kUnits[unit]);
}
std::string rate_text(double Bps) { return fmt::format("{:.1f}MB/s", Bps / 1e6); }
std::string flops_text(double flops) { return fmt::format("{:.2f}GFLOP/s", flops / 1e9); }
std::string time_text(double s) { return fmt::format("{:.3f}us", s * 1e6); }

class Writer {
 public:
  explicit Writer(const Measurements& m) : m_(m) {}
  void field(const std::string& key, const std::string& value, const std::string& source) {
    fields_ += fmt::format("    {}: {}\n", key, value);
    sources_ += fmt::format("      {}: {}\n", key, quoted(source));
  }
  void measured(const std::string& key, const std::string& value) {
    measured_ += fmt::format("      {}: {}\n", key, quoted(value));
  }
  void measured(const std::string& key, const Figure& figure, const std::string& value) {
    measured(key, fmt::format("{} (median of {}, spread +-{:.1f}%)", value, figure.samples.size(),
                              figure.spread_percent()));
  }
  std::string repeated(const Figure& figure, const std::string& how) const {
    return fmt::format("measured by headroom calibrate on {} (median of {}, spread +-{:.1f}%): {}", m_.date,
                       figure.samples.size(), figure.spread_percent(), how);
  }
  std::string read_once(const std::string& how) const {
    return fmt::format("read by headroom calibrate on {}: {}", m_.date, how);
  }
  std::string text(const std::string& name, const std::string& description) const {
    return fmt::format("  {}:\n    description: {}\n{}    source:\n{}    measured:\n{}", quoted(name),
                       quoted(description), fields_, sources_, measured_);
  }

 private:
  const Measurements& m_;
  std::string fields_, sources_, measured_;
};

void model_fields(Writer& w, const Measurements& m) {
  const std::string file = fmt::format("{} file in {}", size_text(m.file_bytes), m.dir);
  w.field("ram", size_text(m.ram_bytes), w.read_once("MemTotal of /proc/meminfo, whole pages"));
  w.field("page_size", size_text(m.page_bytes), w.read_once("sysconf(_SC_PAGESIZE)"));
  w.field("os_reserve", size_text(m.os_reserve_bytes), w.read_once("MemTotal - MemAvailable of /proc/meminfo (what is in use now)"));
  w.field("swap", size_text(m.swap_bytes), w.read_once("SwapTotal of /proc/meminfo (before any temporary swap)"));
  const std::string copy = "memcpy of 64MiB buffers, bytes read + written per second";
  w.field("mem_bw", rate_text(m.mem_bw_Bps.median()), w.repeated(m.mem_bw_Bps, copy + " (measured, not the spec sheet)"));
  w.field("mem_bw_effective", rate_text(m.mem_bw_Bps.median()), w.repeated(m.mem_bw_Bps, copy));
  w.field("cpu_flops", flops_text(m.cpu_flops.median()),
          w.repeated(m.cpu_flops, "scalar multiply-add loop on every core (a lower bound: no SIMD tuning)"));
  // ssd_read is the buffered sequential read (after the file's pages are dropped from the page
  // cache): the path the model's file faults, reads and swap-ins stand for, with the kernel's
  // readahead keeping requests in flight. A single O_DIRECT stream at queue depth 1 ran 25-60%
  // slower on this project's VM and is kept under measured: as ssd_read_direct.
  w.field("ssd_read", rate_text(m.seq_read_buffered_Bps.median()),
          w.repeated(m.seq_read_buffered_Bps, "sequential buffered reads (1MiB read() calls, the kernel's readahead, "
                                              "the file's cache dropped first) over a " + file));
  w.field("ssd_write", rate_text(m.write_Bps.median()),
          w.repeated(m.write_Bps, "sequential O_DIRECT writes of 1MiB + fsync, " + file));
  w.field("ssd_latency", time_text(m.rand_read_latency_s.median()),
          w.repeated(m.rand_read_latency_s, "random 4KiB O_DIRECT reads at queue depth 1 over a " + file));
  if (m.readahead_bytes)
    w.field("readahead", size_text(*m.readahead_bytes), w.read_once("read_ahead_kb of the disk holding " + m.dir));
  if (m.swap_page_cost_s)
    w.field("swap_page_cost", time_text(m.swap_page_cost_s->median()),
            w.repeated(*m.swap_page_cost_s, "(wall time of an anonymous sweep through swap in a memory cgroup - "
                                            "the disk time its pswpin/pswpout predict) / pages moved"));
  w.field("zero_fill_cost", time_text(m.zero_fill_s.median()),
          w.repeated(m.zero_fill_s, "first write to each page of a fresh 128MiB anonymous mapping"));
}

void measured_fields(Writer& w, const Measurements& m) {
  w.measured("ssd_read_direct", m.seq_read_direct_Bps,
             rate_text(m.seq_read_direct_Bps.median()) + " (O_DIRECT, " + size_text(m.read_request_bytes) +
                 " requests at queue depth 1)");
  w.measured("ssd_random_read_iops", m.rand_read_iops, fmt::format("{:.0f}/s", m.rand_read_iops.median()));
  w.measured("minor_fault_cost", m.minor_fault_s, time_text(m.minor_fault_s.median()) + " per fault");
  w.measured("minor_fault_cost_per_page", m.minor_fault_per_page_s,
             time_text(m.minor_fault_per_page_s.median()) + " per page (fault-around maps several per fault)");
  w.measured("major_fault_cost", m.major_fault_s,
             time_text(m.major_fault_s.median()) + " per fault (MADV_RANDOM, disk read included)");
  if (!m.readahead_bytes) w.measured("read_ahead_kb", "unknown: " + m.dir + " is not on a block device");
  const std::uint64_t kib_per_page = m.page_bytes / 1024;
  w.measured("watermark_min", size_text(m.watermarks.min_pages * kib_per_page * 1024));
  w.measured("watermark_low", size_text(m.watermarks.low_pages * kib_per_page * 1024));
  w.measured("watermark_high", size_text(m.watermarks.high_pages * kib_per_page * 1024));
  w.measured("swappiness", std::to_string(m.swappiness));
  w.measured("page_cluster", std::to_string(m.page_cluster));
  w.measured("min_free_kbytes", std::to_string(m.min_free_kbytes));
  w.measured("watermark_scale_factor", std::to_string(m.watermark_scale_factor));
  w.measured("transparent_hugepage", m.transparent_hugepage);
  if (m.swap_raw_per_page_s) {
    w.measured("swap_time_per_page_moved", *m.swap_raw_per_page_s,
               time_text(m.swap_raw_per_page_s->median()) + " (wall time / pages moved, disk time included)");
    w.measured("swap_pages_moved", *m.swap_pages_moved, fmt::format("{:.0f}", m.swap_pages_moved->median()));
    if (m.other_swap_change_kib > 0)
      w.measured("swap_others_active", fmt::format("another swap area's use changed by up to {}KiB during the sweeps: "
                                                   "the pages moved include other processes' pages", m.other_swap_change_kib));
    w.measured("swap_sweep", fmt::format("{} anonymous array, 3 passes, in a cgroup limited to {}",
                                         size_text(m.swap_array_bytes), size_text(m.swap_limit_bytes)));
  }
  w.measured("cpu_pressure_some_avg10_max", fmt::format("{:.1f}%", m.cpu_pressure_max_percent));
  w.measured("cpu_steal", fmt::format("{:.1f}%", m.steal_percent));
  w.measured("run_time", fmt::format("{:.1f}s", m.duration_s));
}

}  // namespace

std::string host_yaml(const Measurements& m, const std::string& name) {
  Writer w(m);
  model_fields(w, m);
  measured_fields(w, m);
  const std::string header = fmt::format(
      "# Written by `headroom calibrate` on {}. Name it in a scenario with `host_files: [THIS FILE]`\n"
      "# and `hosts: [{}]` (sim/config/README.md). `measured:` holds figures the model does not read.\n",
      m.date, name);
  return header + "hosts:\n" + w.text(name, "this host, measured by headroom calibrate on " + m.date);
}

}  // namespace headroom::calibrate
