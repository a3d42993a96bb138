// router's parser and cross-workload check (front end, hr_config). See spec.hpp.
#include "models/workloads/common/arrivals.hpp"
#include "models/workloads/common/model_quant.hpp"
#include "models/workloads/llm-server/spec.hpp"
#include "models/workloads/router/spec.hpp"
#include "sim/config/error.hpp"
#include "sim/text.hpp"

namespace headroom::workloads {
void check_replica(const config::Scenario& sc, const config::WorkloadSpec& workload);  // common/router_parse.cpp
}

namespace headroom::workloads::router {

using config::MapReader;
using config::ParseContext;
using config::WorkloadSpec;

std::shared_ptr<const WorkloadSpec> parse(const ParseContext& ctx, const YAML::Node& node) {
  const MapReader map(ctx.file, node, "router workload",
                      with_keys(config::common_workload_keys(), {"arrivals", "policy", "retry"}));
  auto spec = std::make_shared<RouterSpec>();
  config::read_common_workload_fields(map, *spec);
  spec->name_position = config::position_of(map.get("name"));
  // The replicas' context bounds the requests; checked against each replica in check().
  spec->arrivals = parse_arrivals(ctx, map, 1u << 31);
  const YAML::Node arrivals = map.get("arrivals");
  if (arrivals["output_tokens"].IsDefined()) spec->tokens_position = config::position_of(arrivals["output_tokens"]);
  spec->policy = choose<RoutePolicy>(map, "policy", "round-robin",
                                     {{"round-robin", RoutePolicy::round_robin},
                                      {"least-outstanding", RoutePolicy::least_outstanding},
                                      {"shortest-queue", RoutePolicy::shortest_queue}});
  spec->retry = map.boolean_or("retry", true);
  return spec;
}

namespace {

[[noreturn]] void fail_at(const config::Scenario& sc, const config::SourcePosition& at, const std::string& message) {
  throw config::ConfigError(sc.path, at.line, at.column, message);
}

std::string model_text(const LlmServerSpec& s) { return "'" + shown(s.model.id) + "' at " + shown(s.quant.id); }

}  // namespace

// A router needs replicas, all serving one model at one quant, each with a context that holds the
// router's Poisson requests (a trace's too-long requests fail at arrival, as at a lone server).
void check(const config::Scenario& sc, const WorkloadSpec& workload) {
  const auto& router = dynamic_cast<const RouterSpec&>(workload);
  const LlmServerSpec* first = nullptr;
  for (const auto& w : sc.workloads) {
    const auto* replica = dynamic_cast<const LlmServerSpec*>(w.get());
    if (!replica || replica->arrivals.kind != ArrivalSpec::Kind::router || replica->arrivals.router != router.name)
      continue;
    if (!first) first = replica;
    if (replica->model.id != first->model.id || replica->quant.id != first->quant.id)
      fail_at(sc, replica->arrivals.router_position,
              "replica '" + shown(replica->name) + "' of router '" + shown(router.name) + "' serves " +
                  model_text(*replica) + ", but replica '" + shown(first->name) + "' serves " + model_text(*first) +
                  ": expected every replica of a router to serve one model at one quant");
    const std::string found = arrivals_without_prefix_ids(router.arrivals);
    if (replica->prefix_cache && !found.empty())
      fail_at(sc, replica->prefix_cache_position,
              prefix_ids_expected(found + " at router '" + shown(router.name) + "'"));
    const std::uint64_t tokens = std::uint64_t{router.arrivals.prompt_tokens} + router.arrivals.output_tokens;
    if (router.arrivals.kind == ArrivalSpec::Kind::poisson && tokens > replica->context_tokens)
      fail_at(sc, router.tokens_position,
              "prompt_tokens + output_tokens = " + std::to_string(tokens) + " does not fit in context " +
                  std::to_string(replica->context_tokens) + " of replica '" + shown(replica->name) + "'");
  }
  if (!first) {
    // A replica that misspelt this router's name is the likelier mistake: say that first.
    for (const auto& w : sc.workloads) check_replica(sc, *w);
    fail_at(sc, router.name_position,
            "router '" + shown(router.name) + "' has no replicas: expected at least one llm-server with "
            "arrivals: {router: " + shown(router.name) + "}");
  }
}

}  // namespace headroom::workloads::router
