// The engine's exception boundary: an exception an actor lets out must not cross its stack
// (SimGrid would abort the process with SIGABRT); it stops the run and comes back from
// simulate_host as one InternalError line naming the host and the actor.
#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include <simgrid/s4u.hpp>

#include "engine_fixtures.hpp"
#include "sim/config/error.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/simulate.hpp"
#include "sim/engine/workload_registry.hpp"

namespace sg4 = simgrid::s4u;
using namespace headroom;
using namespace headroom::test;

namespace {

// Test-only workload kinds: one actor that fails after `delay` simulated seconds in the way its
// kind says, and one that would sleep past the horizon.
struct ThrowingSpec : config::WorkloadSpec {};

void start_throwing(engine::WorkloadContext& ctx) {
  engine::create_actor(ctx.platform, ctx.spec.name, ctx.platform.cpu, [] {
    sg4::this_actor::sleep_for(2.0);
    throw std::logic_error("broken\ninvariant");
  });
}

void start_throwing_config_error(engine::WorkloadContext& ctx) {
  engine::create_actor(ctx.platform, ctx.spec.name, ctx.platform.cpu, [] {
    throw config::ConfigError("trace.csv", 3, 1, "expected a number, found 'x'");
  });
}

void start_throwing_int(engine::WorkloadContext& ctx) {
  engine::create_actor(ctx.platform, ctx.spec.name, ctx.platform.cpu, [] { throw 42; });
}

void start_sleeper(engine::WorkloadContext& ctx) {
  engine::create_actor(ctx.platform, ctx.spec.name, ctx.platform.cpu, [] { sg4::this_actor::sleep_for(1e6); });
}

}  // namespace

static const WorkloadKinds::Registration register_start_throwing("test-throws", "throws std::logic_error after 2 s", nullptr, nullptr, &start_throwing);
static const WorkloadKinds::Registration register_start_throwing_config_error("test-throws-config", "throws a ConfigError", nullptr, nullptr, &start_throwing_config_error);
static const WorkloadKinds::Registration register_start_throwing_int("test-throws-int", "throws an int", nullptr, nullptr, &start_throwing_int);
static const WorkloadKinds::Registration register_start_sleeper("test-sleeps", "sleeps past the horizon", nullptr, nullptr, &start_sleeper);

namespace {

config::Scenario scenario_with(const std::string& kind) {
  config::Scenario s = test_scenario(test_host(1 * GiB), 100.0);
  for (const std::string& k : {kind, std::string("test-sleeps")}) {
    auto spec = std::make_shared<ThrowingSpec>();
    spec->name = k == kind ? "boom" : "sleeper";
    spec->kind = k;
    s.workloads.push_back(spec);
  }
  return s;
}

std::string internal_error_of(const config::Scenario& s) {
  try {
    engine::simulate_host(s, s.hosts.front());
  } catch (const engine::InternalError& e) {
    return e.what();
  }
  return "(no InternalError)";
}

}  // namespace

TEST_CASE("an exception escaping an actor becomes one InternalError line, not SIGABRT") {
  CHECK(internal_error_of(scenario_with("test-throws")) ==
        "internal: simulation of host 'test' failed: actor 'boom': broken invariant");
}

TEST_CASE("a non-std exception escaping an actor is reported too") {
  CHECK(internal_error_of(scenario_with("test-throws-int")) ==
        "internal: simulation of host 'test' failed: actor 'boom': an exception that is not a std::exception");
}

TEST_CASE("a ConfigError met inside an actor stays bad input") {
  const config::Scenario s = scenario_with("test-throws-config");
  std::string message = "(no ConfigError)";
  try {
    engine::simulate_host(s, s.hosts.front());
  } catch (const config::ConfigError& e) {
    message = e.what();
  }
  CHECK(message == "trace.csv:3:1: error: expected a number, found 'x'");
}
