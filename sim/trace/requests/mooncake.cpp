// Mooncake traces (kvcache-ai/Mooncake, FAST'25): JSON lines
// `{"timestamp": ms, "input_length": N, "output_length": M, "hash_ids": [...]}`, timestamp in ms from
// the trace start, hash_ids one id per 512-token prefix block (equal leading ids = shared prefix).
#include "sim/trace/requests/rows.hpp"

namespace headroom::reqtrace {
namespace {

HEADROOM_REGISTER_REQUEST_FORMAT({
    "mooncake",
    "Mooncake JSONL: timestamp (ms), input_length, output_length, hash_ids (512-token blocks)",
    "a readable Mooncake trace (JSON lines)",
    false,
    [](std::string_view first, const Options&) {
      return json_has_keys(first, {"timestamp", "input_length", "output_length"});
    },
    [](std::unique_ptr<LineSource> source, const Options& options) {
      return make_json_reader(std::move(source), options,
                              JsonSpec{"mooncake", "timestamp", "input_length", "output_length", "hash_ids", TimeUnit::ms});
    },
});

}  // namespace
}  // namespace headroom::reqtrace
