// Per-page intrusive doubly-linked lists with a key index, for the page-at-a-time policies (ARC,
// MGLRU; FIFO and CLOCK work on runs, see run_queue.hpp). Every page is a node on exactly one of a
// few lists (resident queues, ghost lists, generations). In trace mode (PolicyOptions::key_space >
// 0) the node of key k is node k, so a lookup is one array access; otherwise (engine) nodes come
// from a pool indexed by a hash map: one node per resident page (about 80 bytes with the map), so
// these policies suit the engine only for memories of a few million pages.
#pragma once

#include <cstdint>
#include <limits>
#include <unordered_map>
#include <vector>

#include "sim/mm/policy.hpp"

namespace headroom::mm {

class KeyedLists {
 public:
  using Node = std::uint32_t;
  static constexpr Node kNone = std::numeric_limits<Node>::max();
  static constexpr std::uint8_t kNoList = 0xff;

  KeyedLists(int lists, std::uint64_t key_space) : heads_(static_cast<std::size_t>(lists)) {
    if (key_space > 0) {
      flat_ = true;
      nodes_.resize(key_space);
      for (std::uint64_t k = 0; k < key_space; ++k) nodes_[k].key = k;
    }
  }

  // The node holding `key`, or kNone.
  Node find(PageKey key) const {
    if (flat_) return key < nodes_.size() && nodes_[key].list != kNoList ? static_cast<Node>(key) : kNone;
    const auto it = index_.find(key);
    return it == index_.end() ? kNone : it->second;
  }

  // Adds `key` (absent) at the back of `list`.
  Node push_back(int list, PageKey key, PageKind kind) {
    Node n = 0;
    if (flat_) {
      if (key >= nodes_.size()) grow(key);
      n = static_cast<Node>(key);
    } else {
      n = allocate(key);
    }
    nodes_[n].a = nodes_[n].b = 0;
    nodes_[n].kind = kind;
    link_back(n, list);
    return n;
  }

  void move_to_back(Node n, int list) {
    unlink(n);
    link_back(n, list);
  }

  // Forgets the node and its key.
  void remove(Node n) {
    unlink(n);
    nodes_[n].list = kNoList;
    if (!flat_) {
      index_.erase(nodes_[n].key);
      free_.push_back(n);
    }
  }

  Node front(int list) const { return heads_[static_cast<std::size_t>(list)].head; }
  Node next(Node n) const { return nodes_[n].next; }
  std::uint64_t size(int list) const { return heads_[static_cast<std::size_t>(list)].size; }
  PageKey key(Node n) const { return nodes_[n].key; }
  int list_of(Node n) const { return nodes_[n].list; }
  PageKind kind(Node n) const { return nodes_[n].kind; }
  // Two words of per-page state for the policy (reference bit, generation numbers).
  std::uint32_t& a(Node n) { return nodes_[n].a; }
  std::uint32_t& b(Node n) { return nodes_[n].b; }

 private:
  struct NodeData {
    PageKey key = 0;
    Node prev = kNone, next = kNone;
    std::uint32_t a = 0, b = 0;
    std::uint8_t list = kNoList;
    PageKind kind = PageKind::file;
  };
  struct Head {
    Node head = kNone, tail = kNone;
    std::uint64_t size = 0;
  };

  void grow(PageKey key) {  // a key beyond the declared key space: still correct, just slower
    const std::uint64_t old = nodes_.size();
    nodes_.resize(key + 1);
    for (std::uint64_t k = old; k <= key; ++k) nodes_[k].key = k;
  }

  Node allocate(PageKey key) {
    Node n = 0;
    if (!free_.empty()) {
      n = free_.back();
      free_.pop_back();
    } else {
      n = static_cast<Node>(nodes_.size());
      nodes_.emplace_back();
    }
    nodes_[n] = NodeData{};
    nodes_[n].key = key;
    index_.emplace(key, n);
    return n;
  }

  void link_back(Node n, int list) {
    Head& h = heads_[static_cast<std::size_t>(list)];
    NodeData& d = nodes_[n];
    d.list = static_cast<std::uint8_t>(list);
    d.prev = h.tail;
    d.next = kNone;
    if (h.tail != kNone) nodes_[h.tail].next = n;
    else h.head = n;
    h.tail = n;
    ++h.size;
  }

  void unlink(Node n) {
    NodeData& d = nodes_[n];
    Head& h = heads_[d.list];
    if (d.prev != kNone) nodes_[d.prev].next = d.next;
    else h.head = d.next;
    if (d.next != kNone) nodes_[d.next].prev = d.prev;
    else h.tail = d.prev;
    --h.size;
  }

  bool flat_ = false;
  std::vector<NodeData> nodes_;
  std::vector<Head> heads_;
  std::vector<Node> free_;
  std::unordered_map<PageKey, Node> index_;
};

// Resident pages by kind.
struct KindCounts {
  std::uint64_t pages[2] = {0, 0};
  std::uint64_t total() const { return pages[0] + pages[1]; }
  std::uint64_t& operator[](PageKind k) { return pages[static_cast<int>(k)]; }
  std::uint64_t operator[](PageKind k) const { return pages[static_cast<int>(k)]; }
};

// Coalesces the pages a policy reports into runs of consecutive keys of one kind, so that a
// sequential touch of a million pages makes a handful of listener calls. Pending victims are
// reported before pending misses (frames are freed before they are filled).
class RunReporter {
 public:
  explicit RunReporter(PolicyListener& listener) : listener_(listener) {}
  ~RunReporter() { flush(); }
  RunReporter(const RunReporter&) = delete;
  RunReporter& operator=(const RunReporter&) = delete;

  // A page is reported missed before it is reported evicted, and evicted before it is missed
  // again, as in a page-at-a-time replay: a pending run holding the page is flushed first.
  void missed(PageKey key, PageKind kind) {
    if (holds(victim_, key)) emit(victim_, false);
    add(miss_, key, kind, true);
  }
  void evicted(PageKey key, PageKind kind) {
    if (holds(miss_, key)) emit(miss_, true);
    add(victim_, key, kind, false);
  }
  void flush() {
    emit(victim_, false);
    emit(miss_, true);
  }

 private:
  struct Pending {
    PageRun run;
    PageKind kind = PageKind::file;
  };
  static bool holds(const Pending& p, PageKey key) { return p.run.count && key >= p.run.first && key < p.run.end(); }
  void emit(Pending& p, bool is_miss) {
    if (p.run.count == 0) return;
    if (is_miss) listener_.missed(p.run, p.kind);
    else listener_.evicted(p.run, p.kind);
    p.run = {};
  }
  void add(Pending& p, PageKey key, PageKind kind, bool is_miss) {
    if (p.run.count && p.run.end() == key && p.kind == kind) {
      ++p.run.count;
      return;
    }
    emit(p, is_miss);
    p.run = PageRun{key, 1};
    p.kind = kind;
  }

  PolicyListener& listener_;
  Pending miss_, victim_;
};

}  // namespace headroom::mm
