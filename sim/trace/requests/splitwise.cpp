// Splitwise simulator request traces (Mutinifni/splitwise-sim, generate_trace.py):
// `request_id,request_type,application_id,arrival_timestamp,batch_size,prompt_size,token_size`,
// arrival_timestamp in seconds from the trace start; prompt_size / token_size in tokens.
#include "sim/trace/requests/rows.hpp"

namespace headroom::reqtrace {
namespace {

HEADROOM_REGISTER_REQUEST_FORMAT({
    "splitwise",
    "splitwise-sim: arrival_timestamp (s), prompt_size, token_size",
    "a readable Splitwise trace CSV",
    false,
    [](std::string_view first, const Options&) {
      return has_columns(first, {"arrival_timestamp", "prompt_size", "token_size"});
    },
    [](std::unique_ptr<LineSource> source, const Options& options) {
      return make_csv_reader(std::move(source), options,
                             CsvSpec{"splitwise", "", "arrival_timestamp", "prompt_size", "token_size", TimeUnit::s});
    },
});

}  // namespace
}  // namespace headroom::reqtrace
