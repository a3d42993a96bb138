// Vidur's request traces (microsoft/vidur, data/processed_traces/*.csv, e.g. splitwise_conv.csv):
// `arrived_at,num_prefill_tokens,num_decode_tokens`, arrived_at in seconds from the trace start
// (Python floats, up to 17 significant digits: rounded to the nearest ns).
#include "sim/trace/requests/rows.hpp"

namespace headroom::reqtrace {
namespace {

HEADROOM_REGISTER_REQUEST_FORMAT({
    "vidur",
    "Vidur: arrived_at (s), num_prefill_tokens, num_decode_tokens",
    "a readable Vidur trace CSV",
    false,
    [](std::string_view first, const Options&) {
      return has_columns(first, {"arrived_at", "num_prefill_tokens", "num_decode_tokens"});
    },
    [](std::unique_ptr<LineSource> source, const Options& options) {
      return make_csv_reader(std::move(source), options,
                             CsvSpec{"vidur", "", "arrived_at", "num_prefill_tokens", "num_decode_tokens", TimeUnit::s});
    },
});

}  // namespace
}  // namespace headroom::reqtrace
