// Workload kinds, registered by name: one folder per kind under models/workloads/<kind>/ and ONE
// registration line in its kind.cpp,
//   HEADROOM_WORKLOAD_KIND_IN("llm-server", "one line", headroom::workloads::llm_server);
// (parse, summarize and start of that namespace; HEADROOM_WORKLOAD_KIND names them one by one).
// No other file names a kind: the config layer (parse), the summariser and writers (summarize) and
// the engine (start) look the kind up here by the scenario's `kind:`.
//
// kind.cpp is compiled once per area, each copy attaching only its own function to the entry of
// that name (find-or-create, so the order of static initialisation does not matter):
//   hr_config   (no define)               name, description, parse
//   hr_analysis (HEADROOM_ANALYSIS_SIDE)  summarize
//   hr_engine   (HEADROOM_ENGINE_SIDE)    start; the engine module's static initialisers run at
//                                         dlopen and fill the executable's registry (the
//                                         executable exports its symbols, so there is one).
// So an area's tests link only that area, and the front end never links SimGrid.
#pragma once

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace headroom {
namespace config {
struct ParseContext;
struct Scenario;
struct WorkloadSpec;
}  // namespace config
namespace analysis {
struct WorkloadResult;
struct KindSummary;
}  // namespace analysis
namespace engine {
struct WorkloadContext;
}  // namespace engine

using WorkloadParseFn = std::shared_ptr<const config::WorkloadSpec> (*)(const config::ParseContext&, const YAML::Node&);
using WorkloadSummarizeFn = analysis::KindSummary (*)(const analysis::WorkloadResult&, double horizon_s);
using WorkloadStartFn = void (*)(engine::WorkloadContext&);
// Cross-workload validation (front end, hr_config): called by the scenario loader once every
// workload is parsed and the lifecycle checked, with the whole scenario and one workload of this
// kind; throws config::ConfigError at a position the spec kept (e.g. a replica's `router:` naming
// no router). Optional: most kinds have none.
using WorkloadCheckFn = void (*)(const config::Scenario&, const config::WorkloadSpec&);

struct WorkloadKind {
  std::string name;         // the scenario's `kind:`
  std::string description;  // one line
  WorkloadParseFn parse = nullptr;          // front end (hr_config)
  WorkloadSummarizeFn summarize = nullptr;  // front end (hr_analysis)
  WorkloadStartFn start = nullptr;          // engine module (hr_engine)
  WorkloadCheckFn check = nullptr;          // front end (hr_config), optional
};

class WorkloadKinds {
 public:
  static WorkloadKinds& instance() {
    static WorkloadKinds kinds;
    return kinds;
  }
  // nullptr when no area registered `name`.
  const WorkloadKind* find(const std::string& name) const {
    for (const auto& k : kinds_)
      if (k->name == name) return k.get();
    return nullptr;
  }
  // Kinds the config layer can parse, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& k : kinds_)
      if (k->parse) out.push_back(k->name);
    std::sort(out.begin(), out.end());
    return out;
  }
  WorkloadKind& entry(const std::string& name) {
    for (auto& k : kinds_)
      if (k->name == name) return *k;
    kinds_.push_back(std::make_unique<WorkloadKind>());
    kinds_.back()->name = name;
    return *kinds_.back();
  }

  struct Registration {
    Registration(const char* name, const char* description, WorkloadParseFn parse, WorkloadSummarizeFn summarize,
                 WorkloadStartFn start) {
      WorkloadKind& k = instance().entry(name);
      k.description = description;
      attach(k.parse, parse, name);
      attach(k.summarize, summarize, name);
      attach(k.start, start, name);
    }
    // A kind's check (HEADROOM_WORKLOAD_CHECK), registered beside its parse.
    Registration(const char* name, WorkloadCheckFn check) { attach(instance().entry(name).check, check, name); }
    template <class Fn>
    static void attach(Fn& slot, Fn fn, const std::string& name) {
      if (!fn) return;
      if (slot && slot != fn) throw std::logic_error("workload kind registered twice: " + name);
      slot = fn;
    }
  };

 private:
  std::vector<std::unique_ptr<WorkloadKind>> kinds_;
};

}  // namespace headroom

#define HEADROOM_KIND_CONCAT2(a, b) a##b
#define HEADROOM_KIND_CONCAT(a, b) HEADROOM_KIND_CONCAT2(a, b)
#if defined(HEADROOM_ENGINE_SIDE)
#define HEADROOM_WORKLOAD_KIND(name, description, parse_fn, summarize_fn, start_fn)            \
  static const ::headroom::WorkloadKinds::Registration HEADROOM_KIND_CONCAT(headroom_kind_, __LINE__)( \
      name, description, nullptr, nullptr, &start_fn)
#elif defined(HEADROOM_ANALYSIS_SIDE)
#define HEADROOM_WORKLOAD_KIND(name, description, parse_fn, summarize_fn, start_fn)            \
  static const ::headroom::WorkloadKinds::Registration HEADROOM_KIND_CONCAT(headroom_kind_, __LINE__)( \
      name, description, nullptr, &summarize_fn, nullptr)
#else
#define HEADROOM_WORKLOAD_KIND(name, description, parse_fn, summarize_fn, start_fn)            \
  static const ::headroom::WorkloadKinds::Registration HEADROOM_KIND_CONCAT(headroom_kind_, __LINE__)( \
      name, description, &parse_fn, nullptr, nullptr)
#endif

// A kind's cross-workload check (WorkloadCheckFn), a second line in its kind.cpp:
//   HEADROOM_WORKLOAD_CHECK("router", headroom::workloads::router::check);
// declared here, defined in the kind's front end (parse.cpp or common/*_parse.cpp); only hr_config
// registers it.
#if defined(HEADROOM_ENGINE_SIDE) || defined(HEADROOM_ANALYSIS_SIDE)
#define HEADROOM_WORKLOAD_CHECK(name, check_fn)
#else
#define HEADROOM_WORKLOAD_CHECK(name, check_fn)                                                                 \
  static const ::headroom::WorkloadKinds::Registration HEADROOM_KIND_CONCAT(headroom_kind_check_, __LINE__)( \
      name, &check_fn)
#endif

// The usual form in a kind.cpp: declares the kind's parse, summarize and start in namespace `ns`
// (defined in its parse.cpp, summary.cpp and run.cpp) and registers them, e.g.
//   HEADROOM_WORKLOAD_KIND_IN("process", "one line", headroom::workloads::process);
#define HEADROOM_WORKLOAD_KIND_IN(name, description, ns)                                                         \
  namespace ns {                                                                                                   \
  std::shared_ptr<const ::headroom::config::WorkloadSpec> parse(const ::headroom::config::ParseContext& ctx,       \
                                                                const ::YAML::Node& node);                         \
  ::headroom::analysis::KindSummary summarize(const ::headroom::analysis::WorkloadResult& result, double horizon_s); \
  void start(::headroom::engine::WorkloadContext& ctx);                                                            \
  }                                                                                                                \
  HEADROOM_WORKLOAD_KIND(name, description, ns::parse, ns::summarize, ns::start)
