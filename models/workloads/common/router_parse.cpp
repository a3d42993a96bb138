// A replica's side of the router check (front end, hr_config): an llm-server with
// `arrivals: {router: NAME}` must name a workload of kind router. Registered by llm-server's
// kind.cpp; the router's own check (models/workloads/router/parse.cpp) checks the replicas.
#include <vector>

#include "models/workloads/llm-server/spec.hpp"
#include "sim/config/error.hpp"
#include "sim/text.hpp"

namespace headroom::workloads {

void check_replica(const config::Scenario& sc, const config::WorkloadSpec& workload) {
  const auto* replica = dynamic_cast<const LlmServerSpec*>(&workload);
  if (!replica || replica->arrivals.kind != ArrivalSpec::Kind::router) return;
  const std::string& name = replica->arrivals.router;
  const config::SourcePosition at = replica->arrivals.router_position;
  std::vector<std::string> routers;
  for (const auto& w : sc.workloads) {
    if (w->name == name && w->kind != "router")
      throw config::ConfigError(sc.path, at.line, at.column,
                                "router: '" + shown(name) + "' is a workload of kind " + shown(w->kind) +
                                    "; expected the name of a workload of kind router");
    if (w->name == name) return;
    if (w->kind == "router") routers.push_back(w->name);
  }
  const std::string near = nearest_name(name, routers);
  std::string known;
  for (const auto& r : routers) known += (known.empty() ? "" : ", ") + r;
  throw config::ConfigError(sc.path, at.line, at.column,
                            "router: no workload named '" + shown(name) + "'" +
                                (near.empty() ? "" : " (did you mean '" + near + "'?)") + "; routers: " +
                                (known.empty() ? "none" : known));
}

}  // namespace headroom::workloads
