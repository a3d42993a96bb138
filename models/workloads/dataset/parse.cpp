// kind: dataset: the scenario parser (front end, compiled into hr_config). Every key is checked
// here, with its location; the engine (run.cpp) trusts the DatasetSpec it gets.
#include <cstdint>
#include <memory>
#include <string>

#include "models/workloads/common/access_spec.hpp"
#include "models/workloads/common/model_quant.hpp"
#include "models/workloads/dataset/spec.hpp"
#include "sim/checked.hpp"
#include "sim/config/units.hpp"
#include "sim/config/workload_parsers.hpp"
#include "sim/text.hpp"

namespace headroom::config {
namespace {

// A chunk is a few SimGrid activities: bound the chunks of a run (size x epochs / chunk) so that a
// unit slip (chunk: 4KiB over 1TiB) is an error, not a run that never ends.
constexpr std::uint64_t kMaxChunksPerRun = 10'000'000;
constexpr std::uint64_t kDefaultChunkBytes = 64ull << 20;
constexpr std::uint64_t kDefaultRecordBytes = 4096;

DatasetMode parse_mode(const MapReader& map) {
  if (!map.has("mode")) return DatasetMode::stream;
  const std::string text = map.scalar("mode", "stream, load or random");
  for (DatasetMode mode : {DatasetMode::stream, DatasetMode::load, DatasetMode::random})
    if (text == to_string(mode)) return mode;
  map.fail(map.get("mode"), "mode: expected one of stream | load | random, found '" + shown(text) + "'");
}

// record: (random only) and dedup_bytes_per_gb: (stream and load only).
void parse_mode_keys(const MapReader& map, DatasetSpec& spec) {
  if (spec.mode == DatasetMode::random) {
    if (map.has("dedup_bytes_per_gb"))
      map.fail(map.get("dedup_bytes_per_gb"), "dedup_bytes_per_gb applies to modes stream and load only, found mode random");
    spec.record_bytes = map.has("record") ? map.bytes("record", true) : kDefaultRecordBytes;
    if (spec.record_bytes > spec.chunk_bytes)
      map.fail(map.has("record") ? map.get("record") : map.node(),
               "record: expected at most the chunk " + format_exact_bytes(spec.chunk_bytes) + ", found " +
                   format_exact_bytes(spec.record_bytes));
    if (spec.record_bytes > spec.size_bytes)
      map.fail(map.has("record") ? map.get("record") : map.node(),
               "record: expected at most the corpus size " + format_exact_bytes(spec.size_bytes) + ", found " +
                   format_exact_bytes(spec.record_bytes));
    const std::uint64_t records = (spec.chunk_bytes + spec.record_bytes - 1) / spec.record_bytes;
    if (records > kMaxTouchesPerStep)
      map.fail(map.has("chunk") ? map.get("chunk") : map.node(),
               "chunk: expected at most " + std::to_string(kMaxTouchesPerStep) + " records per chunk (chunk / record), found " +
                   std::to_string(records));
    return;
  }
  if (map.has("record")) map.fail(map.get("record"), "record applies to mode random only, found mode " + std::string(to_string(spec.mode)));
  if (map.has("dedup_bytes_per_gb")) spec.dedup_bytes_per_gb = map.bytes("dedup_bytes_per_gb", false, 1ull << 30);
}

std::shared_ptr<const WorkloadSpec> parse_dataset(const ParseContext& ctx, const YAML::Node& node) {
  const MapReader map(ctx.file, node, "dataset workload",
                      workloads::with_keys(common_workload_keys(), {"size", "mode", "epochs", "process_rate", "chunk",
                                                                    "record", "dedup_bytes_per_gb", "file"}));
  auto spec = std::make_shared<DatasetSpec>();
  read_common_workload_fields(map, *spec);
  spec->size_bytes = map.bytes("size", true);
  spec->mode = parse_mode(map);
  spec->epochs = static_cast<std::uint64_t>(map.integer_or("epochs", 1, 1, 1 << 20));
  spec->process_rate_Bps = map.rate_Bps("process_rate", true);
  spec->chunk_bytes = map.has("chunk") ? map.bytes("chunk", true) : kDefaultChunkBytes;
  parse_mode_keys(map, *spec);
  const auto chunks = checked_mul(spec->chunks(), spec->epochs);
  if (!chunks || *chunks > kMaxChunksPerRun)
    map.fail(map.has("chunk") ? map.get("chunk") : map.get("size"),
             "chunk: expected at most " + std::to_string(kMaxChunksPerRun) +
                 " chunks over the run (size / chunk x epochs), found " +
                 (chunks ? std::to_string(*chunks) : std::string("2^64 or more")) + "; use a larger chunk");
  spec->file = map.has("file") ? map.string("file") : spec->name + ".corpus";
  if (spec->file.empty()) map.fail(map.get("file"), "file: expected a file name, found an empty string");
  spec->files.push_back({spec->file, spec->size_bytes, position_of(map.get("size"))});
  return spec;
}

}  // namespace
}  // namespace headroom::config

namespace headroom::workloads::dataset {

std::shared_ptr<const config::WorkloadSpec> parse(const config::ParseContext& ctx, const YAML::Node& node) {
  return config::parse_dataset(ctx, node);
}

}  // namespace headroom::workloads::dataset
