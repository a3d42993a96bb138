// BurstGPT (HPMLL/BurstGPT, arXiv:2401.17644): `Timestamp` in seconds from the trace start, `Model`,
// `Request tokens`, `Response tokens`, `Total tokens`, `Log Type`; the later variant adds
// `Session ID` and `Elapsed time`. Columns are found by name, so either variant (and any order)
// reads. A row with 0 response tokens is a failed request (BurstGPT_1.csv keeps them; the
// `without_fails` files drop them): counted as failed, never hidden.
#include "sim/trace/requests/rows.hpp"

namespace headroom::reqtrace {
namespace {

HEADROOM_REGISTER_REQUEST_FORMAT({
    "burstgpt",
    "BurstGPT: Timestamp (s), Request tokens, Response tokens (0 = failed), by column name",
    "a readable BurstGPT trace CSV",
    false,
    [](std::string_view first, const Options&) {
      return has_columns(first, {"Timestamp", "Request tokens", "Response tokens"});
    },
    [](std::unique_ptr<LineSource> source, const Options& options) {
      return make_csv_reader(std::move(source), options,
                             CsvSpec{"burstgpt", "", "Timestamp", "Request tokens", "Response tokens", TimeUnit::s, true});
    },
});

}  // namespace
}  // namespace headroom::reqtrace
