// Things registered by name from the file that defines them (eviction policies, workload kinds and
// their parsers), so that adding one is one new file plus one registration line, and nothing else
// names it. Entries register from static objects; the registry is a function-local static, safe
// from static-initialisation order.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace headroom {

// `Entry` has a `std::string name`.
template <class Entry>
class NamedRegistry {
 public:
  static NamedRegistry& instance() {
    static NamedRegistry registry;
    return registry;
  }

  void add(Entry entry) {
    if (find(entry.name) != nullptr) throw std::logic_error("registered twice: " + entry.name);
    entries_.push_back(std::move(entry));
  }

  // nullptr when unknown.
  const Entry* find(const std::string& name) const {
    for (const Entry& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }

  std::vector<std::string> names() const {  // sorted
    std::vector<std::string> out;
    for (const Entry& e : entries_) out.push_back(e.name);
    std::sort(out.begin(), out.end());
    return out;
  }

  // A static object of this type registers `entry` before main().
  struct Registration {
    explicit Registration(Entry entry) { instance().add(std::move(entry)); }
  };

 private:
  std::vector<Entry> entries_;
};

}  // namespace headroom

#define HEADROOM_REGISTRY_CONCAT2(a, b) a##b
#define HEADROOM_REGISTRY_CONCAT(a, b) HEADROOM_REGISTRY_CONCAT2(a, b)
// Defines a uniquely named static Registration of `registry_type` for the entry in the braces.
#define HEADROOM_REGISTER(registry_type, ...)                                                        \
  static const registry_type::Registration HEADROOM_REGISTRY_CONCAT(headroom_registration_, __LINE__)( \
      __VA_ARGS__)
