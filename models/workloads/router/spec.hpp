// kind: router: one request source in front of several llm-server replicas (workloads with
// `arrivals: {router: NAME}`), each request sent to one replica by a policy; on a replica's OOM
// kill its unfinished requests are sent again to the others (retry). Validated config only (no
// yaml-cpp, no SimGrid): parse.cpp fills and checks it, run.cpp routes, summary.cpp reports. The
// YAML schema is in sim/config/README.md ("kind: router").
#pragma once

#include <string>

#include "models/workloads/common/arrivals.hpp"
#include "sim/config/scenario.hpp"

namespace headroom::workloads {

// round-robin: the next live replica in file order, cycling; least-outstanding: the live replica
// with the fewest requests sent and not yet completed or failed (queued + in a batch);
// shortest-queue: the fewest requests waiting for a batch slot (sent, not yet admitted). Ties go
// round in turn from the replica after the last pick (nginx least_conn's rule), so equal replicas
// split evenly.
enum class RoutePolicy { round_robin, least_outstanding, shortest_queue };
inline const char* to_string(RoutePolicy policy) {
  switch (policy) {
    case RoutePolicy::round_robin: return "round-robin";
    case RoutePolicy::least_outstanding: return "least-outstanding";
    case RoutePolicy::shortest_queue: return "shortest-queue";
  }
  return "?";
}

struct RouterSpec : config::WorkloadSpec {
  bool serves_requests() const override { return true; }  // slo: request targets
  const ArrivalSpec* request_arrivals() const override { return &arrivals; }

  ArrivalSpec arrivals;  // poisson or trace (never router)
  RoutePolicy policy = RoutePolicy::round_robin;
  // On a replica's OOM kill (or a replica that failed to start), its unfinished requests go to
  // another live replica, keeping their arrival time; false: they fail. Default true, as
  // nginx's proxy_next_upstream (error) and most gateways retry on a dead upstream.
  bool retry = true;
  config::SourcePosition name_position;    // `name:` (a router without replicas)
  config::SourcePosition tokens_position;  // poisson `output_tokens:` (a replica's context too small)
};

}  // namespace headroom::workloads
