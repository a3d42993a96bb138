#include "sim/config/lifecycle.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <queue>

#include "sim/config/error.hpp"
#include "sim/text.hpp"

namespace headroom::config {
namespace {

// Edge w -> p: workload w waits for p (p is in w's `after:`). Bidirectional for the in-edges the
// ordering walks.
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
using Vertex = Graph::vertex_descriptor;
using Workloads = std::vector<std::shared_ptr<const WorkloadSpec>>;

[[noreturn]] void fail_at_after(const std::string& file, const WorkloadSpec& spec, std::size_t entry,
                                const std::string& message) {
  const SourcePosition at = entry < spec.after_positions.size() ? spec.after_positions[entry] : SourcePosition{};
  throw ConfigError(file, at.line, at.column, message);
}

// "unknown workload 'x' (did you mean 'y'?); known: a, b" over the other workloads, in file order.
std::string unknown_workload(const std::string& name, const Workloads& workloads, const WorkloadSpec& self) {
  std::vector<std::string> others;
  std::string known;
  for (const auto& w : workloads) {
    if (w.get() == &self) continue;
    others.push_back(w->name);
    known += (known.empty() ? "" : ", ") + shown(w->name);
  }
  const std::string near = nearest_name(name, others);
  return "after: unknown workload '" + shown(name) + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)") +
         "; known: " + (known.empty() ? "none (it is the only workload)" : known);
}

Graph build_graph(const std::string& file, const Workloads& workloads) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < workloads.size(); ++i) index.emplace(workloads[i]->name, i);
  Graph graph(workloads.size());
  for (std::size_t i = 0; i < workloads.size(); ++i) {
    const WorkloadSpec& spec = *workloads[i];
    for (std::size_t k = 0; k < spec.after.size(); ++k) {
      const auto found = index.find(spec.after[k]);
      if (found == index.end()) fail_at_after(file, spec, k, unknown_workload(spec.after[k], workloads, spec));
      if (found->second == i)
        fail_at_after(file, spec, k, "after: expected another workload's name, found '" + shown(spec.after[k]) +
                                         "' (the workload's own name: it cannot wait for itself)");
      boost::add_edge(i, found->second, graph);
    }
  }
  return graph;
}

// Depth-first search (roots and edges in file order) that stops at the first back edge: the tree
// path from its target down to its source, closed by the edge, is a cycle.
struct CycleFound {
  std::vector<Vertex> cycle;  // each waits for the next; the last waits for the first
};

class CycleVisitor : public boost::default_dfs_visitor {
 public:
  explicit CycleVisitor(std::vector<Vertex>& parent) : parent_(parent) {}
  void tree_edge(Graph::edge_descriptor e, const Graph& g) const { parent_[boost::target(e, g)] = boost::source(e, g); }
  void back_edge(Graph::edge_descriptor e, const Graph& g) const {
    std::vector<Vertex> cycle;
    for (Vertex v = boost::source(e, g); v != boost::target(e, g); v = parent_[v]) cycle.push_back(v);
    cycle.push_back(boost::target(e, g));
    std::reverse(cycle.begin(), cycle.end());
    throw CycleFound{cycle};
  }

 private:
  std::vector<Vertex>& parent_;
};

// "a -> b -> c -> a (each workload waits for the next)"; a long cycle keeps its first six
// members and its last, so that the message stays one readable line.
std::string cycle_text(const Workloads& workloads, const std::vector<Vertex>& cycle) {
  constexpr std::size_t kShownWhole = 8, kShownHead = 6;
  const auto name = [&](Vertex v) { return shown(workloads[v]->name); };
  std::string text;
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    if (cycle.size() > kShownWhole && i == kShownHead) {
      text += "... -> ";
      i = cycle.size() - 1;
    }
    text += name(cycle[i]) + " -> ";
  }
  text += name(cycle.front());
  if (cycle.size() > kShownWhole)
    return text + " (" + std::to_string(cycle.size()) + " workloads; each waits for the next)";
  return text + " (each workload waits for the next)";
}

void check_acyclic(const std::string& file, const Workloads& workloads, const Graph& graph) {
  std::vector<Vertex> parent(boost::num_vertices(graph));
  try {
    boost::depth_first_search(graph, boost::visitor(CycleVisitor(parent)));
  } catch (const CycleFound& found) {
    // Named from the member earliest in the file, so the text does not depend on the search.
    std::vector<Vertex> cycle = found.cycle;
    std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
    const WorkloadSpec& first = *workloads[cycle.front()];
    const std::string& next = workloads[cycle.size() > 1 ? cycle[1] : cycle[0]]->name;
    const auto entry = static_cast<std::size_t>(std::find(first.after.begin(), first.after.end(), next) - first.after.begin());
    fail_at_after(file, first, entry, "after: cycle " + cycle_text(workloads, cycle));
  }
}

// Kahn's algorithm with the ready workloads in a min-heap of file indices.
std::vector<std::size_t> smallest_topological_order(const Graph& graph) {
  const std::size_t n = boost::num_vertices(graph);
  std::vector<std::size_t> waiting(n);  // predecessors not yet placed
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t v = 0; v < n; ++v)
    if ((waiting[v] = boost::out_degree(v, graph)) == 0) ready.push(v);
  std::vector<std::size_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    const std::size_t placed = ready.top();
    ready.pop();
    order.push_back(placed);
    for (const auto e : boost::make_iterator_range(boost::in_edges(placed, graph)))
      if (--waiting[boost::source(e, graph)] == 0) ready.push(boost::source(e, graph));
  }
  return order;  // all n: the graph was checked acyclic
}

}  // namespace

std::vector<std::size_t> start_order(const std::string& file, const Workloads& workloads) {
  const Graph graph = build_graph(file, workloads);
  check_acyclic(file, workloads, graph);
  return smallest_topological_order(graph);
}

}  // namespace headroom::config
