// The router kind and its replicas in the config layer: defaults, every key, the replica's
// `arrivals: {router: NAME}`, and the cross-workload check (WorkloadKind::check) run by the loader.
// The malformed side is tests/malformed/router_*.
#include <doctest/doctest.h>

#include "models/workloads/llm-server/spec.hpp"
#include "models/workloads/router/spec.hpp"
#include "sim/config/scenario_loader.hpp"
#include "sim/workload_kind.hpp"

using namespace headroom::config;
using namespace headroom::workloads;

TEST_CASE("router: the claims scenario loads, replicas name their router, the router its policy") {
  const std::string source = HEADROOM_SOURCE_DIR;
  const Scenario s = load_scenario(source + "/scenarios/claims/router-replicas.yaml", source + "/models/catalog");
  REQUIRE(s.workloads.size() == 8);
  const auto* front = dynamic_cast<const RouterSpec*>(s.workloads[0].get());
  REQUIRE(front != nullptr);
  CHECK(front->policy == RoutePolicy::least_outstanding);
  CHECK(front->retry);
  CHECK(front->arrivals.kind == ArrivalSpec::Kind::poisson);
  CHECK(front->arrivals.rate_per_s == doctest::Approx(1.0 / 60));
  CHECK(front->arrivals.prompt_tokens == 1024);
  CHECK(front->arrivals.output_tokens == 128);
  CHECK(front->name_position.line == 30);  // `  - name: front` in the file
  for (std::size_t i = 1; i < 8; ++i) {
    const auto* r = dynamic_cast<const LlmServerSpec*>(s.workloads[i].get());
    REQUIRE(r != nullptr);
    CHECK(r->arrivals.kind == ArrivalSpec::Kind::router);
    CHECK(r->arrivals.router == "front");
    CHECK(r->arrivals.router_position.line > 0);
    CHECK(r->weights_mode == WeightsMode::load);
    CHECK(r->weights_bytes == 13'829'500'000ULL);  // 13.016e9 x 8.5 / 8
  }
}

TEST_CASE("router: the kinds' check hooks are registered on the front end only where needed") {
  const auto& kinds = headroom::WorkloadKinds::instance();
  REQUIRE(kinds.find("router") != nullptr);
  const bool router_has = kinds.find("router")->check != nullptr;
  const bool server_has = kinds.find("llm-server")->check != nullptr;
  const bool process_has = kinds.find("process")->check != nullptr;
  CHECK(router_has);
  CHECK(server_has);
  CHECK_FALSE(process_has);
}
