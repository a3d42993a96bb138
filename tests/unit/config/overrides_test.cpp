// --set PATH=VALUE overrides (sim/config/overrides.hpp): path steps, promotion of bare catalog
// hosts, added keys, and every message, exactly.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "models/workloads/llm-server/spec.hpp"
#include "sim/config/scenario_loader.hpp"

using namespace headroom::config;
namespace fs = std::filesystem;

namespace {

const std::string kCatalog = std::string(HEADROOM_SOURCE_DIR) + "/models/catalog";
constexpr std::uint64_t kGiB = 1ULL << 30;

const char* const kScenario = R"(name: sweepable
duration: 10min
seed: 5
hosts:
  - m2-max-96
  - {use: m3-max-128, name: m3-128}
workloads:
  - name: chat
    kind: llm-server
    model: llama-3.1-8b
    quant: Q4_K_M
    context: 4096
    max_batch: 2
    arrivals: {poisson: 1/min, prompt_tokens: 256, output_tokens: 64}
  - name: batch
    kind: llm-server
    model: llama-3.1-8b
    quant: Q4_K_M
    context: 2048
    max_batch: 1
    arrivals: {poisson: 2/min, prompt_tokens: 128, output_tokens: 32}
)";

// The scenario in a scratch file of its own for each test process (ctest runs cases in parallel).
std::string scenario_file() {
  const fs::path dir = fs::temp_directory_path() / ("headroom-overrides-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / "sweepable.yaml";
  std::ofstream(path) << kScenario;
  return path.string();
}

Scenario load(const std::vector<Override>& overrides) { return load_scenario(scenario_file(), kCatalog, overrides); }

std::string error_of(const std::vector<Override>& overrides) {
  try {
    load(overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

const headroom::workloads::LlmServerSpec& llm(const Scenario& s, std::size_t i) {
  const auto* spec = dynamic_cast<const headroom::workloads::LlmServerSpec*>(s.workloads.at(i).get());
  REQUIRE(spec != nullptr);
  return *spec;
}

}  // namespace

TEST_CASE("overrides: a list element by name, by index and every element") {
  const Scenario base = load({});
  CHECK(llm(base, 0).max_batch == 2);
  CHECK(llm(load({{"workloads.chat.max_batch", "4"}}), 0).max_batch == 4);
  const Scenario by_index = load({{"workloads.1.max_batch", "3"}});
  CHECK(llm(by_index, 0).max_batch == 2);
  CHECK(llm(by_index, 1).max_batch == 3);
  const Scenario every = load({{"workloads.*.context", "1024"}});
  CHECK(llm(every, 0).context_tokens == 1024);
  CHECK(llm(every, 1).context_tokens == 1024);
  // Later overrides win over earlier ones.
  CHECK(llm(load({{"workloads.*.max_batch", "3"}, {"workloads.chat.max_batch", "5"}}), 0).max_batch == 5);
  CHECK(load({{"seed", "9"}}).seed == 9);
  CHECK(load({{"duration", "2min"}}).duration_s == 120);
}

TEST_CASE("overrides: a bare catalog host becomes {use: NAME, field: value}") {
  const Scenario base = load({});
  const Scenario s = load({{"hosts.*.ram", "112GiB"}});
  REQUIRE(s.hosts.size() == 2);
  CHECK(s.hosts[0].name == "m2-max-96");
  CHECK(s.hosts[0].ram_bytes == 112 * kGiB);
  CHECK(s.hosts[1].name == "m3-128");
  CHECK(s.hosts[1].ram_bytes == 112 * kGiB);
  CHECK(s.hosts[0].cpu_mem_bw_Bps == base.hosts[0].cpu_mem_bw_Bps);  // the rest from the catalog
  // A bare host is matched by its catalog name; an entry with use: and name: by its name.
  CHECK(load({{"hosts.m2-max-96.ram", "100GiB"}}).hosts[0].ram_bytes == 100 * kGiB);
  CHECK(load({{"hosts.m3-128.ram", "100GiB"}}).hosts[1].ram_bytes == 100 * kGiB);
  // A whole element replaced, and one appended.
  CHECK(load({{"hosts.0", "m3-max-128"}}).hosts[0].name == "m3-max-128");
  const Scenario appended = load({{"hosts.+", "m3-max-128"}});
  REQUIRE(appended.hosts.size() == 3);
  CHECK(appended.hosts[2].name == "m3-max-128");
}

TEST_CASE("overrides: a missing key or section is added, a value is parsed as YAML") {
  const Scenario s = load({{"memory.swappiness", "10"}});
  CHECK(s.memory.swappiness == 10);
  CHECK(load({{"workloads.chat.kv_budget", "1GiB"}}).workloads.size() == 2);
  CHECK(llm(load({{"workloads.chat.kv_budget", "1GiB"}}), 0).kv_budget_bytes == kGiB);
  const Scenario flow = load({{"workloads.chat.arrivals", "{poisson: 3/min, prompt_tokens: 100, output_tokens: 10}"}});
  CHECK(llm(flow, 0).name == "chat");
}

TEST_CASE("overrides: path errors name the step and what exists") {
  const std::string file = scenario_file();
  CHECK(error_of({{"workloads.chats.max_batch", "4"}}) ==
        "error: --set workloads.chats.max_batch=4: no workload named 'chats' in " + file + " (workloads: chat, batch)");
  CHECK(error_of({{"hosts.m9.ram", "1GiB"}}) ==
        "error: --set hosts.m9.ram=1GiB: no host named 'm9' in " + file + " (hosts: m2-max-96, m3-128)");
  CHECK(error_of({{"workloads.7.max_batch", "4"}}) ==
        "error: --set workloads.7.max_batch=4: no workload at index 7 in " + file + " (workloads has 2, indexed from 0)");
  // A scalar reached into becomes {use: SCALAR, ...}, which the validation then refuses.
  CHECK(error_of({{"name.first", "x"}}) == "error: --set name.first=x: name: expected a string, found a mapping");
  CHECK(error_of({{"*.x", "1"}}) == "error: --set *.x=1: '*' selects elements of a list, but the scenario is a mapping");
  CHECK(error_of({{"hosts.+.ram", "1GiB"}}) ==
        "error: --set hosts.+.ram=1GiB: '+' (append to a list) must be the last step of the path");
  CHECK(error_of({{"seed", "[1"}}).rfind("error: --set seed=[1: invalid YAML value: ", 0) == 0);
  CHECK(error_of({{"seed", " "}}) == "error: --set seed= : expected a value after '=', found nothing");
}

TEST_CASE("overrides: a value the validation refuses is reported at the --set argument") {
  CHECK(error_of({{"workloads.chat.arrivals.poisson", "fast"}}) ==
        "error: --set workloads.chat.arrivals.poisson=fast: poisson: expected an arrival rate such as 2/s or "
        "120/min, found 'fast' (no number)");
  CHECK(error_of({{"workloads.chat.max_bath", "4"}}).rfind(
            "error: --set workloads.chat.max_bath=4: unknown key 'max_bath' in llm-server workload; allowed keys: name, ",
            0) == 0);
  CHECK(error_of({{"hosts.*.ram", "96G"}}) ==
        "error: --set hosts.*.ram=96G: ram: expected a size such as 96GiB or 512MB, found '96G' ('G' is ambiguous: "
        "write GB (10^9 bytes) or GiB (2^30 bytes))");
  CHECK(error_of({{"seed", "-1"}}) ==
        "error: --set seed=-1: seed: expected a whole number from 0 to 9223372036854775807, found -1");
  CHECK(error_of({{"hosts.+", "m3-max-12"}}).rfind(
            "error: --set hosts.+=m3-max-12: unknown host 'm3-max-12' (did you mean 'm3-max-128'?)", 0) == 0);
  CHECK(error_of({{"seed", "!!str 3"}}) ==
        "error: --set seed=!!str 3: expected a plain YAML value, found the tag 'tag:yaml.org,2002:str' (tags are not "
        "supported)");
}

TEST_CASE("overrides: errors elsewhere in the file keep FILE:LINE:COL") {
  // A duplicate name made by an override is blamed on it (the check points at the new name); a
  // problem an override does not touch keeps its place in the file.
  const std::string dup = error_of({{"workloads.batch.name", "chat"}});
  CHECK(dup == "error: --set workloads.batch.name=chat: duplicate workload name 'chat'");
  const std::string file = scenario_file();
  CHECK(error_of({{"workloads.chat.quant", "Q4_K_M"}, {"seed", "3"}}) == "(no error)");
  CHECK(error_of({{"hosts.0", "{use: m2-max-96, ram: 1GiB}"}}).rfind("error: --set hosts.0={use: m2-max-96, ram: 1GiB}: ", 0) == 0);
}

TEST_CASE("overrides: --set text is split at its first '='") {
  const Override o = parse_override("workloads.chat.arrivals={poisson: 1/min}");
  CHECK(o.path == "workloads.chat.arrivals");
  CHECK(o.value == "{poisson: 1/min}");
  CHECK(parse_override("a.b==c").value == "=c");
  const auto error = [](const std::string& text) {
    try {
      parse_override(text);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(error("workloads.chat.max_batch") ==
        "error: --set workloads.chat.max_batch: expected PATH=VALUE (e.g. workloads.chat.max_batch=4), found no '='");
  CHECK(error("=4") ==
        "error: --set =4: expected a dotted path before '=' (e.g. workloads.chat.max_batch), found nothing");
  CHECK(error("a..b=4") ==
        "error: --set a..b=4: expected a dotted path (steps separated by single dots), found an empty step in 'a..b'");
  CHECK(error("a.=4") ==
        "error: --set a.=4: expected a dotted path (steps separated by single dots), found an empty step in 'a.'");
  CHECK(error("a=") == "error: --set a=: expected a value after '=', found nothing");
}
