// Trace arrivals through the request-trace readers (arrivals_parse.cpp): Mooncake prefix ids into
// the requests' shared pool, today's Azure keys giving exactly today's arrivals, window / sample /
// rate transforms, failed and skipped rows counted, the horizon cut, and the prefix cache's
// derived KV budget.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "models/workloads/common/azure_trace.hpp"
#include "models/workloads/llm-server/spec.hpp"
#include "sim/config/scenario_loader.hpp"

using namespace headroom;
using namespace headroom::workloads;
namespace fs = std::filesystem;

namespace {

const std::string kSource = HEADROOM_SOURCE_DIR;
const std::string kCatalog = kSource + "/models/catalog";

fs::path scratch_dir() {
  const fs::path dir = fs::temp_directory_path() / ("headroom-arrivals-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// A one-server scenario (llama-3.1-8b, context 4096) with `extra` server keys and `arrivals`.
const LlmServerSpec& load(config::Scenario& holder, const std::string& arrivals, const std::string& extra = "",
                          const std::string& duration = "10min") {
  const fs::path dir = scratch_dir();
  write(dir / "s.yaml", "name: t\nduration: " + duration + "\nhosts: [m3-max-128]\nworkloads:\n"
                        "  - name: chat\n    kind: llm-server\n    model: llama-3.1-8b\n    quant: Q4_K_M\n"
                        "    context: 4096\n    max_batch: 2\n" + extra + "    arrivals: " + arrivals + "\n");
  holder = config::load_scenario((dir / "s.yaml").string(), kCatalog);
  const auto* spec = dynamic_cast<const LlmServerSpec*>(holder.workloads.at(0).get());
  REQUIRE(spec != nullptr);
  return *spec;
}

std::string error_of(const std::string& arrivals, const std::string& extra = "") {
  try {
    config::Scenario s;
    load(s, arrivals, extra);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

const std::string kMooncake =
    "{\"timestamp\": 0, \"input_length\": 1100, \"output_length\": 5, \"hash_ids\": [7, 8, 9]}\n"
    "{\"timestamp\": 1500, \"input_length\": 600, \"output_length\": 6, \"hash_ids\": [7, 10]}\n"
    "{\"timestamp\": 4000, \"input_length\": 10, \"output_length\": 7, \"hash_ids\": [11]}\n";

}  // namespace

TEST_CASE("trace arrivals: Mooncake hash_ids reach each request as a view into one pool") {
  write(scratch_dir() / "m.jsonl", kMooncake);
  config::Scenario s;
  const ArrivalSpec& a = load(s, "{trace: m.jsonl, time_scale: 2}").arrivals;
  CHECK(a.trace_format == "mooncake");
  REQUIRE(a.trace_requests);
  const std::vector<Request>& r = *a.trace_requests;
  REQUIRE(r.size() == 3);
  CHECK(r[1].arrival_s == 3.0);  // 1500 ms x 2
  CHECK(r[2].arrival_s == 8.0);
  CHECK(r[0].prompt_tokens == 1100);
  CHECK(r[2].output_tokens == 7);
  REQUIRE(a.prefix_pool);
  CHECK(*a.prefix_pool == std::vector<std::uint64_t>{7, 8, 9, 7, 10, 11});
  CHECK(std::vector<std::uint64_t>(r[1].prefix_hashes.begin(), r[1].prefix_hashes.end()) ==
        std::vector<std::uint64_t>{7, 10});
  // One pool, no copies: each view points into it, back to back.
  CHECK(r[0].prefix_hashes.data() == a.prefix_pool->data());
  CHECK(r[1].prefix_hashes.data() == a.prefix_pool->data() + 3);
  CHECK(r[2].prefix_hashes.data() == a.prefix_pool->data() + 5);
}

TEST_CASE("trace arrivals: today's keys on an Azure trace give exactly today's arrivals") {
  const std::string path = kSource + "/scenarios/traces/azure_code_2023.csv";
  config::Scenario s;
  const ArrivalSpec& a = load(s, "{trace: " + path + ", time_scale: 0.37, max_requests: 500}", "", "1h").arrivals;
  CHECK(a.trace_format == "azure");
  const std::vector<models::TraceRequest> rows = models::read_azure_trace(path, 500);
  REQUIRE(a.trace_requests->size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK((*a.trace_requests)[i].arrival_s == rows[i].offset_s * 0.37);  // bit for bit
    CHECK((*a.trace_requests)[i].prompt_tokens == rows[i].context_tokens);
    CHECK((*a.trace_requests)[i].prefix_hashes.empty());
  }
  CHECK(a.trace_failed_rows == 0);
  CHECK(a.trace_skipped_rows == 0);
}

TEST_CASE("trace arrivals: window, sample and rate choose and space the rows") {
  write(scratch_dir() / "m.jsonl", kMooncake);
  config::Scenario s;
  // Window [1 s, 5 s) of the recorded clock: rows 2 and 3, times from the window's start.
  const ArrivalSpec& w = load(s, "{trace: m.jsonl, window: {start: 1s, end: 5s}}").arrivals;
  REQUIRE(w.trace_requests->size() == 2);
  CHECK((*w.trace_requests)[0].arrival_s == doctest::Approx(0.5).epsilon(1e-12));
  CHECK((*w.trace_requests)[1].arrival_s == doctest::Approx(3.0).epsilon(1e-12));
  // Rate 1/s: 3 rows over a 4 s span (recorded rate 2 / 4 = 0.5/s) are compressed 2x.
  config::Scenario s2;
  const ArrivalSpec& r = load(s2, "{trace: m.jsonl, rate: 1/s}").arrivals;
  REQUIRE(r.trace_requests->size() == 3);
  CHECK((*r.trace_requests)[2].arrival_s == doctest::Approx(2.0).epsilon(1e-12));
  // Sample 1 keeps every row; the same seed keeps the same rows.
  config::Scenario s3, s4;
  CHECK(load(s3, "{trace: m.jsonl, sample: 1}").arrivals.trace_requests->size() == 3);
  const auto& x = *load(s3, "{trace: m.jsonl, sample: 0.5, seed: 9}").arrivals.trace_requests;
  const auto& y = *load(s4, "{trace: m.jsonl, sample: 0.5, seed: 9}").arrivals.trace_requests;
  REQUIRE(x.size() == y.size());
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(x[i].prompt_tokens == y[i].prompt_tokens);
}

TEST_CASE("trace arrivals: failed rows and skipped bad rows are counted, requests past the horizon dropped") {
  write(scratch_dir() / "b.csv",
        "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
        "0,ChatGPT,100,20,120,Conversation log\n"
        "1,ChatGPT,100,0,100,Conversation log\n"   // 0 response tokens: a failed request
        "2,ChatGPT,abc,20,120,Conversation log\n"  // bad row
        "3,ChatGPT,300,30,330,Conversation log\n"
        "700,ChatGPT,300,30,330,Conversation log\n");  // past the 10 min horizon
  config::Scenario s;
  const ArrivalSpec& a = load(s, "{trace: b.csv, on_bad_row: skip}").arrivals;
  CHECK(a.trace_format == "burstgpt");
  REQUIRE(a.trace_requests->size() == 2);
  CHECK((*a.trace_requests)[1].arrival_s == 3.0);
  CHECK(a.trace_failed_rows == 1);
  CHECK(a.trace_skipped_rows == 1);
  CHECK(a.trace_skips_bad_rows);
  // Under the default on_bad_row: fail the bad row is an error at its line and column.
  const std::string e = error_of("{trace: b.csv}");
  CHECK(e.find("b.csv:4:") != std::string::npos);
  CHECK(e.find("error: expected Request tokens") != std::string::npos);
}

TEST_CASE("prefix cache: the default KV budget is max_batch x whole blocks of the context") {
  write(scratch_dir() / "m.jsonl", kMooncake);
  config::Scenario s;
  // context 4096 = 8 blocks of 512; with blocks of 1000 tokens, ceil(4096 / 1000) = 5 blocks.
  const LlmServerSpec& a = load(s, "{trace: m.jsonl}", "    prefix_cache: true\n");
  CHECK(a.prefix_cache);
  CHECK(a.prefix_block_tokens == 512);
  CHECK(a.kv_budget_bytes == 2ULL * 4096 * a.kv_bytes_per_token());
  config::Scenario s2;
  const LlmServerSpec& b = load(s2, "{trace: m.jsonl}", "    prefix_cache: true\n    prefix_block_tokens: 1000\n");
  CHECK(b.kv_budget_bytes == 2ULL * 5 * 1000 * b.kv_bytes_per_token());
  config::Scenario s3;
  CHECK_FALSE(load(s3, "{trace: m.jsonl}").prefix_cache);
}

namespace {

// A router "front" with `arrivals` and one replica with prefix_cache: true; the error, or "(no error)".
std::string routed_prefix_error(const std::string& arrivals) {
  const fs::path dir = scratch_dir();
  write(dir / "r.yaml", "name: t\nduration: 10min\nhosts: [m3-max-128]\nworkloads:\n"
                        "  - name: front\n    kind: router\n    arrivals: " + arrivals + "\n"
                        "  - name: a\n    kind: llm-server\n    model: llama-3.1-8b\n    quant: Q4_K_M\n"
                        "    context: 4096\n    prefix_cache: true\n    arrivals: {router: front}\n");
  try {
    config::load_scenario((dir / "r.yaml").string(), kCatalog);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("prefix cache: arrivals without prefix ids are refused at prefix_cache, a router's too") {
  write(scratch_dir() / "m.jsonl", kMooncake);
  write(scratch_dir() / "a.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n");
  const std::string expected = "expected arrivals with prefix ids (a Mooncake trace with hash_ids, or a column "
                               "mapping with hash_ids), found ";
  // The server's own arrivals: line 11 is `prefix_cache: true`, its value at column 19.
  CHECK(error_of("{poisson: 1/s, prompt_tokens: 10, output_tokens: 5}", "    prefix_cache: true\n")
            .ends_with(":11:19: error: " + expected + "poisson arrivals"));
  CHECK(error_of("{trace: a.csv}", "    prefix_cache: true\n")
            .ends_with(":11:19: error: " + expected + "a trace without prefix ids (format azure)"));
  CHECK(error_of("{trace: m.jsonl}", "    prefix_cache: true\n") == "(no error)");
  // A replica's arrivals are its router's: line 13 is the replica's `prefix_cache: true`.
  CHECK(routed_prefix_error("{poisson: 1/s, prompt_tokens: 10, output_tokens: 5}")
            .ends_with(":13:19: error: " + expected + "poisson arrivals at router 'front'"));
  CHECK(routed_prefix_error("{trace: a.csv}")
            .ends_with(":13:19: error: " + expected + "a trace without prefix ids (format azure) at router 'front'"));
  CHECK(routed_prefix_error("{trace: m.jsonl}") == "(no error)");
}
