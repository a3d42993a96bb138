// hr_published: published llama.cpp speeds (measurements.yaml) against the llm-server speed model
// (models/workloads/llm-server/speed_model.hpp), through the same function the simulation's steps
// call. Two commands (README.md here):
//   hr_published check --catalog DIR --rows FILE   table of every row, held-out targets asserted
//   hr_published fit   --catalog DIR --rows FILE   fits the backends' factors on the training rows
//                                                  and prints them as backends.yaml entries
// Which rows train is a fixed rule (training_rows below), never a choice per row.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "models/workloads/llm-server/speed_model.hpp"
#include "sim/config/catalog.hpp"
#include "sim/config/error.hpp"

namespace cfg = headroom::config;
namespace speed = headroom::workloads::llm_server::speed;

namespace {

struct Row {
  std::string id, host, device, backend, gpu, model, quant, test, grade;
  double tokens = 0, depth = 0, published_tps = 0;
  int gpu_count = 1;
  int threads = 0;  // CPU rows: llama-bench -t (0 = not given)
};

// A row resolved against the catalog: what the speed model needs, or why it cannot be predicted.
struct Case {
  Row row;
  std::string skip;  // non-empty: not predicted, and why
  cfg::HostSpec host;
  cfg::LlmSpec model;
  cfg::QuantSpec quant;
  double weights_bytes = 0, kv_bytes_per_token = 0;
  bool train = false;
  bool moe() const { return model.experts > 0 && model.experts_per_token > 0; }
  bool decode() const { return row.test == "tg"; }
  double context() const { return row.depth + row.tokens; }
};

std::vector<Row> load_rows(const std::string& path) {
  const YAML::Node root = cfg::load_yaml_file(path, "measurements file");
  const cfg::MapReader top(path, root, "measurements file", {"measurements", "other_hosts"});
  std::vector<Row> rows;
  for (const auto& node : top.required("measurements")) {
    const cfg::MapReader m(path, node, "measurement",
                           {"id", "host", "device", "backend", "gpu", "gpu_count", "model", "quant", "test",
                            "tokens", "depth", "threads", "tokens_per_s", "source", "build", "grade", "note"});
    Row r;
    r.id = m.string("id");
    r.host = m.string("host");
    r.device = m.string("device");
    r.backend = m.string("backend");
    r.gpu = m.string_or("gpu", "");
    r.gpu_count = static_cast<int>(m.integer_or("gpu_count", 1, 1, 64));
    r.model = m.string("model");
    r.quant = m.string("quant");
    r.test = m.string("test");
    r.tokens = static_cast<double>(m.integer("tokens", 1, 1 << 20));
    r.depth = static_cast<double>(m.integer_or("depth", 0, 0, 1 << 22));
    r.published_tps = m.number("tokens_per_s", 0);
    r.grade = m.string_or("grade", "S");
    r.threads = static_cast<int>(m.integer_or("threads", 0, 0, 4096));
    if (r.test != "pp" && r.test != "tg") m.fail(m.get("test"), "test: expected pp or tg, found '" + r.test + "'");
    rows.push_back(r);
  }
  return rows;
}

// `other_hosts:` machines (not in the catalog): spec bandwidth only, so their decode rows are
// predicted (memory-bound) and their prefill rows skipped (no FLOP/s figure).
std::map<std::string, cfg::HostSpec> load_other_hosts(const std::string& path) {
  std::map<std::string, cfg::HostSpec> hosts;
  const YAML::Node others = cfg::load_yaml_file(path, "measurements file")["other_hosts"];
  if (!others) return hosts;
  for (const auto& item : others) {
    cfg::HostSpec h;
    h.name = item.first.Scalar();
    const YAML::Node gbps = item.second["mem_bw_gbps"];  // absent: the machine is skipped
    h.mem_bw_spec_Bps = h.mem_bw_effective_Bps = gbps ? gbps.as<double>() * 1e9 : 0.0;
    h.unified_memory = true;
    // As the catalog's Apple hosts' cpu_mem_bw (hosts.yaml: what llama.cpp's CPU decode reads, derived
    // from published CPU runs: 113.7-120.7 GB/s on the Max chips of 400 GB/s spec): a CPU cluster
    // reaches about half the unified bus, at most ~120 GB/s (an Ultra, two clusters, has no such row).
    h.cpu_mem_bw_Bps = std::min(h.mem_bw_spec_Bps / 2, 120e9);
    hosts[h.name] = h;
  }
  return hosts;
}

Case resolve(const cfg::Catalog& catalog, const std::map<std::string, cfg::HostSpec>& others, const Row& r) {
  Case c;
  c.row = r;
  if (const auto h = catalog.hosts.find(r.host); h != catalog.hosts.end())
    c.host = h->second.spec;
  else if (const auto o = others.find(r.host); o != others.end())
    c.host = o->second;
  else
    c.skip = "host not in the catalog";
  if (!r.gpu.empty()) {
    if (const auto g = catalog.gpus.find(r.gpu); g != catalog.gpus.end())
      c.host.gpus = {g->second};
    else
      c.skip = "gpu not in the catalog";
  }
  if (const auto m = catalog.llms.find(r.model); m != catalog.llms.end())
    c.model = m->second;
  else
    c.skip = "model not in the catalog";
  if (const auto q = catalog.quants.find(r.quant); q != catalog.quants.end())
    c.quant = q->second;
  else
    c.skip = "quant not in the catalog";
  if (!catalog.backends.count(r.backend)) c.skip = "unknown backend";
  if (r.grade == "U") c.skip = "grade U (unverified)";
  // The llm-server runs on one GPU (a host's first): a layer split over several is not simulated.
  if (r.gpu_count > 1) c.skip = "multi-GPU split (the simulation uses one GPU)";
  if (!c.skip.empty()) return c;
  const bool on_gpu = r.device == "gpu";
  const double flops = !on_gpu ? c.host.cpu_flops : c.host.gpus.empty() ? c.host.gpu_flops : c.host.gpus.front().flops;
  if (r.test == "pp" && !(flops > 0)) c.skip = "host has no FLOP/s figure";
  const double bandwidth = !on_gpu ? c.host.cpu_bandwidth_Bps()
                           : c.host.gpus.empty() ? c.host.mem_bw_spec_Bps : c.host.gpus.front().vram_bw_spec_Bps;
  if (!(bandwidth > 0)) c.skip = "host has no bandwidth figure";
  c.weights_bytes = static_cast<double>(cfg::weights_bytes(c.model.params, cfg::effective_bits_per_weight(c.model, c.quant)));
  c.kv_bytes_per_token = 2.0 * c.model.layers * c.model.kv_heads * c.model.head_dim * 2.0;  // f16 K and V
  return c;
}

// Seconds per token the model predicts for the row, with `backends` as the factors.
double predict_s_per_token(const Case& c, const std::map<std::string, cfg::BackendSpec>& backends) {
  speed::Device d = speed::bench_device(c.host, c.row.device == "gpu", c.row.backend, backends);
  if (!(d.flops > 0)) d.flops = 1e18;  // other_hosts decode: memory-bound, compute not modelled
  if (c.decode())
    return speed::tg_seconds_per_token(d, c.model, c.quant.id, c.weights_bytes, c.kv_bytes_per_token, c.row.tokens,
                                       c.row.depth);
  const speed::StepShape shape =
      speed::prefill_shape(c.model, c.weights_bytes, c.kv_bytes_per_token, c.row.tokens, c.row.depth);
  return speed::step_cost(d, c.model, c.quant.id, shape).seconds() / c.row.tokens;
}

// ---- the training rule ------------------------------------------------------------------------

std::string config_key(const Case& c) { return c.row.host + "/" + c.row.gpu + "/" + c.row.model + "/" + c.row.quant; }

// Training rows, by a fixed rule (README.md): (1) the #4167 rows (Llama-2-7B F16/Q8_0/Q4_0 pp512 and
// tg128 on Apple GPUs: the reference sheet's rows, ids "d4167-"); (2) for a backend without them, as
// #4167 does for Apple, the short rows (depth 0, tokens <= 512) of the smallest dense model on each
// single-device machine (host + gpu; multi-GPU rows never train: the split is not modelled);
// (3) per backend, every row of the first configuration (catalog host, gpu, model, quant) in file
// order that has a row at depth (-d N > 0) with depth + tokens >= 4096, else the first with any
// long-context row (depth + tokens >= 4096), for the context terms; (4) per
// backend and test, the first mixture-of-experts row, for the routing cost. Everything else is
// held out. Rows of grade U never train.
void mark_training(std::vector<Case>& cases) {
  std::set<std::string> backends_with_4167;
  for (auto& c : cases)
    if (c.skip.empty() && c.row.id.rfind("d4167-", 0) == 0) {
      c.train = true;
      backends_with_4167.insert(c.row.backend);
    }
  // backend/host/gpu -> the smallest dense model's params on that machine
  std::map<std::string, double> smallest;
  auto machine = [](const Case& c) { return c.row.backend + "/" + c.row.host + "/" + c.row.gpu; };
  for (const auto& c : cases) {
    if (!c.skip.empty() || backends_with_4167.count(c.row.backend) || c.moe() || c.row.gpu_count > 1) continue;
    auto [it, fresh] = smallest.emplace(machine(c), c.model.params);
    if (!fresh) it->second = std::min(it->second, c.model.params);
  }
  for (auto& c : cases)
    if (c.skip.empty() && !c.moe() && c.row.gpu_count == 1 && smallest.count(machine(c)) &&
        c.model.params == smallest[machine(c)] &&
        c.row.depth == 0 && c.row.tokens <= 512)
      c.train = true;
  // backend -> configuration: one measured at depth (llama-bench -d N, the context a server's
  // prefill and decode run at) when the backend has one, else one with a long ppN / tgN.
  std::map<std::string, std::string> long_config;
  for (const bool at_depth : {true, false})
    for (const auto& c : cases)
      if (c.skip.empty() && !c.moe() && c.context() >= 4096 && c.host.catalog_id == c.row.host &&
          (!at_depth || c.row.depth > 0))
        long_config.emplace(c.row.backend, config_key(c));
  std::set<std::string> moe_seen;
  for (auto& c : cases) {
    if (!c.skip.empty()) continue;
    if (long_config.count(c.row.backend) && long_config[c.row.backend] == config_key(c)) c.train = true;
    if (c.moe() && moe_seen.insert(c.row.backend + "/" + c.row.test).second) c.train = true;
  }
}

// ---- fitting ----------------------------------------------------------------------------------

// Weighted linear least squares with a ridge toward `prior` (the rows' residuals are relative
// errors; each unknown gets a pseudo-row lambda x (x - prior) / prior so that an unknown the rows
// do not pin stays near its prior). Solved by Gaussian elimination on the normal equations.
std::vector<double> ridge_fit(const std::vector<std::vector<double>>& a, const std::vector<double>& b,
                              const std::vector<double>& prior, double lambda) {
  const std::size_t n = prior.size();
  std::vector<std::vector<double>> m(n, std::vector<double>(n + 1, 0.0));
  auto add = [&](const std::vector<double>& row, double rhs) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) m[i][j] += row[i] * row[j];
      m[i][n] += row[i] * rhs;
    }
  };
  for (std::size_t r = 0; r < a.size(); ++r) add(a[r], b[r]);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> row(n, 0.0);
    row[i] = lambda / prior[i];
    add(row, lambda);
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t p = i;
    for (std::size_t k = i + 1; k < n; ++k)
      if (std::abs(m[k][i]) > std::abs(m[p][i])) p = k;
    std::swap(m[i], m[p]);
    for (std::size_t k = 0; k < n; ++k) {
      if (k == i) continue;
      const double f = m[k][i] / m[i][i];
      for (std::size_t j = i; j <= n; ++j) m[k][j] -= f * m[i][j];
    }
  }
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = m[i][n] / m[i][i];
  return x;
}

// The quant a backend's table has that is nearest in bits per weight (for quants without rows).
std::string nearest_quant(const std::map<std::string, double>& table, const cfg::Catalog& catalog, double bpw) {
  std::string best;
  double gap = 1e9;
  for (const auto& [q, unused] : table) {
    if (q == "default") continue;
    const double d = std::abs(catalog.quants.at(q).bits_per_weight - bpw);
    if (d < gap) gap = d, best = q;
  }
  return best;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Fits one backend's factors on its training rows (decode, then prefill with the decode's fixed
// cost), starting from (and falling back to) `prior`.
cfg::BackendSpec fit_backend(const std::vector<const Case*>& rows, const cfg::BackendSpec& prior,
                             const cfg::Catalog& catalog, const std::map<std::string, cfg::BackendSpec>& all) {
  cfg::BackendSpec fitted = prior;
  auto device_of = [&](const Case& c) { return speed::bench_device(c.host, c.row.device == "gpu", c.row.backend, all); };
  // Decode: t = L x (a + m [MoE]) + sum_q [q] c_q W / B + c_kv KV / B, c = 1 / efficiency.
  std::vector<std::string> quants;
  for (const Case* c : rows)
    if (c->decode() && std::find(quants.begin(), quants.end(), c->quant.id) == quants.end()) quants.push_back(c->quant.id);
  std::vector<std::vector<double>> a;
  std::vector<double> b;
  for (const Case* c : rows) {
    if (!c->decode()) continue;
    const speed::Device d = device_of(*c);
    const double t = 1.0 / c->row.published_tps;
    const double ctx = c->row.depth + (c->row.tokens - 1) / 2;
    std::vector<double> x(3 + quants.size(), 0.0);
    x[0] = c->model.layers;
    x[1] = c->moe() ? c->model.layers : 0.0;
    x[2] = ctx * c->kv_bytes_per_token / d.bandwidth_Bps;
    const std::size_t q = std::find(quants.begin(), quants.end(), c->quant.id) - quants.begin();
    x[3 + q] = c->weights_bytes * c->model.weight_read_fraction(1) / d.bandwidth_Bps;
    for (double& v : x) v /= t;
    a.push_back(x);
    b.push_back(1.0);
  }
  if (!a.empty()) {
    std::vector<double> p{std::max(prior.layer_fixed_s, 1e-6), std::max(prior.moe_layer_fixed_s, 1e-6),
                          1.0 / prior.kv_efficiency};
    for (const auto& q : quants) p.push_back(1.0 / cfg::BackendSpec::of(prior.decode_efficiency, q));
    const std::vector<double> x = ridge_fit(a, b, p, 0.05);
    fitted.layer_fixed_s = std::max(0.0, x[0]);
    fitted.moe_layer_fixed_s = std::max(0.0, x[1]);
    fitted.kv_efficiency = std::clamp(1.0 / std::max(x[2], 1e-9), 0.01, 1.0);
    fitted.decode_efficiency.clear();
    for (std::size_t i = 0; i < quants.size(); ++i)
      fitted.decode_efficiency[quants[i]] = std::clamp(1.0 / x[3 + i], 0.05, 1.0);
  }
  // Prefill: t - fixed = d_q matmul / F + d_att attention / F.
  std::vector<std::string> pquants;
  for (const Case* c : rows)
    if (!c->decode() && std::find(pquants.begin(), pquants.end(), c->quant.id) == pquants.end())
      pquants.push_back(c->quant.id);
  a.clear();
  b.clear();
  for (const Case* c : rows) {
    if (c->decode() || c->moe()) continue;
    const speed::Device d = device_of(*c);
    const speed::StepShape s = speed::prefill_shape(c->model, c->weights_bytes, c->kv_bytes_per_token, c->row.tokens, c->row.depth);
    const double t = c->row.tokens / c->row.published_tps;
    const double fixed = s.layers * (fitted.layer_fixed_s + (c->moe() ? fitted.moe_layer_fixed_s : 0.0));
    std::vector<double> x(1 + pquants.size(), 0.0);
    x[0] = 4.0 * s.layers * c->model.heads * c->model.head_dim * s.attention_pairs / d.flops;
    const std::size_t q = std::find(pquants.begin(), pquants.end(), c->quant.id) - pquants.begin();
    x[1 + q] = 2.0 * c->model.active_params * s.tokens / d.flops;
    for (double& v : x) v /= t;
    a.push_back(x);
    b.push_back((t - fixed) / t);
  }
  if (!a.empty()) {
    std::vector<double> p{1.0 / prior.attention_efficiency};
    for (const auto& q : pquants) p.push_back(1.0 / cfg::BackendSpec::of(prior.prefill_efficiency, q));
    const std::vector<double> x = ridge_fit(a, b, p, 0.05);
    fitted.attention_efficiency = std::clamp(1.0 / std::max(x[0], 1e-9), 0.005, 1.0);
    fitted.prefill_efficiency.clear();
    for (std::size_t i = 0; i < pquants.size(); ++i)
      fitted.prefill_efficiency[pquants[i]] = std::clamp(1.0 / x[1 + i], 0.01, 4.0);
  }
  // MoE prefill: the median share of the dense prediction's speed its MoE training rows reach.
  std::vector<double> moe_shares;
  std::map<std::string, cfg::BackendSpec> with_fit = all;
  fitted.moe_prefill_efficiency = 1.0;
  with_fit[fitted.id] = fitted;
  for (const Case* c : rows)
    if (!c->decode() && c->moe()) {
      const double measured_s = 1.0 / c->row.published_tps;
      moe_shares.push_back(std::clamp(predict_s_per_token(*c, with_fit) / measured_s, 0.01, 1.0));
    }
  if (!moe_shares.empty()) fitted.moe_prefill_efficiency = median(moe_shares);
  // Quants without rows: the nearest fitted quant in bits per weight; `default` the median.
  for (auto* table : {&fitted.decode_efficiency, &fitted.prefill_efficiency}) {
    if (table->empty() || (table->size() == 1 && table->count("default"))) continue;
    std::vector<double> values;
    for (const auto& [q, v] : *table)
      if (q != "default") values.push_back(v);
    const auto known = *table;
    for (const auto& [q, spec] : catalog.quants)
      if (!known.count(q)) (*table)[q] = known.at(nearest_quant(known, catalog, spec.bits_per_weight));
    (*table)["default"] = median(values);
  }
  return fitted;
}

std::string share_table(const std::map<std::string, double>& t) {
  std::string out = "{default: " + fmt::format("{:.3f}", t.at("default"));
  for (const auto& [q, v] : t)
    if (q != "default") out += fmt::format(", {}: {:.3f}", q, v);
  return out + "}";
}

int fit(const cfg::Catalog& catalog, const std::vector<Case>& cases) {
  std::cout << "backends:\n";
  for (const auto& name : cfg::backend_names()) {
    std::vector<const Case*> rows;
    std::set<std::string> machines;
    for (const Case& c : cases)
      if (c.skip.empty() && c.train && c.row.backend == name) {
        rows.push_back(&c);
        machines.insert(c.row.host + (c.row.gpu.empty() ? "" : "+" + c.row.gpu));
      }
    // The ridge's prior: fixed round values, not the catalog's current factors, so that a refit
    // on the same rows gives the same factors. A backend without rows keeps its catalog entry.
    cfg::BackendSpec prior;
    prior.id = name;
    prior.decode_efficiency = {{"default", 0.9}};
    prior.prefill_efficiency = {{"default", 0.5}};
    prior.kv_efficiency = 0.5;
    prior.attention_efficiency = 0.3;
    prior.layer_fixed_s = 100e-6;
    prior.moe_layer_fixed_s = 100e-6;
    const cfg::BackendSpec f = rows.empty() ? catalog.backends.at(name) : fit_backend(rows, prior, catalog, catalog.backends);
    std::string label = catalog.backends.at(name).calibration;
    if (!rows.empty()) {
      label = fmt::format("fitted by hr_published fit on {} training rows of tests/validation/published/"
                          "measurements.yaml (rule in its README) on ",
                          rows.size());
      std::string list;
      for (const auto& m : machines) list += (list.empty() ? "" : ", ") + m;
      label += list;
    }
    std::cout << "  " << name << ":\n"
              << "    decode_efficiency: " << share_table(f.decode_efficiency) << "\n"
              << "    prefill_efficiency: " << share_table(f.prefill_efficiency) << "\n"
              << fmt::format("    kv_efficiency: {:.3f}\n", f.kv_efficiency)
              << fmt::format("    attention_efficiency: {:.3f}\n", f.attention_efficiency)
              << fmt::format("    layer_fixed: {:.1f}us\n", f.layer_fixed_s * 1e6)
              << fmt::format("    moe_layer_fixed: {:.1f}us\n", f.moe_layer_fixed_s * 1e6)
              << fmt::format("    moe_prefill_efficiency: {:.3f}\n", f.moe_prefill_efficiency)
              << "    calibration: \"" << label << "\"\n";
  }
  return 0;
}

// ---- check ------------------------------------------------------------------------------------

// Held-out targets: the medians of |predicted / published - 1| per test, and a stated
// worst factor max(predicted / published, published / predicted) (symmetric: 9x too slow counts
// as 9, not as -89%).
constexpr double kDecodeMedian = 0.15, kPrefillMedian = 0.25;
constexpr double kDecodeWorstFactor = 2.0, kPrefillWorstFactor = 2.0;
constexpr std::size_t kMinHeldOut = 5;

int check(const cfg::Catalog& catalog, const std::vector<Case>& cases) {
  std::cout << fmt::format("{:<48} {:<16} {:<16} {:<7} {:<6} {:<6} {:>5} {:>10} {:>10} {:>7}  {}\n", "row", "host",
                           "model", "quant", "backend", "test", "depth", "published", "predicted", "error", "set");
  std::map<std::string, std::vector<double>> errors;  // "test backend set" -> |error|
  std::map<std::string, std::vector<double>> factors;  // the same -> worst-way factor
  std::map<std::string, std::size_t> skipped;
  for (const Case& c : cases) {
    if (!c.skip.empty()) {
      ++skipped[c.skip];
      continue;
    }
    const double predicted = 1.0 / predict_s_per_token(c, catalog.backends);
    const double error = predicted / c.row.published_tps - 1.0;
    const std::string set = c.train ? "train" : "held-out";
    std::cout << fmt::format("{:<48} {:<16} {:<16} {:<7} {:<6} {:<6} {:>5} {:>10.2f} {:>10.2f} {:>+6.1f}%  {}\n",
                             c.row.id, c.row.host + (c.row.gpu.empty() ? "" : "+" + c.row.gpu), c.row.model,
                             c.row.quant, c.row.backend, c.row.test + fmt::format("{:g}", c.row.tokens), c.row.depth,
                             c.row.published_tps, predicted, 100 * error, set);
    errors[c.row.test + " " + c.row.backend + " " + set].push_back(std::abs(error));
    errors[c.row.test + " all " + set].push_back(std::abs(error));
    const double factor = std::max(predicted / c.row.published_tps, c.row.published_tps / predicted);
    factors[c.row.test + " " + c.row.backend + " " + set].push_back(factor);
    factors[c.row.test + " all " + set].push_back(factor);
  }
  for (const auto& [why, n] : skipped) std::cout << fmt::format("skipped {} rows: {}\n", n, why);
  std::cout << "\nsummary: test backend set: rows, median |error|, max |error|, worst factor\n";
  for (const auto& [key, v] : errors)
    std::cout << fmt::format("  {:<28} {:>4}  {:>6.1f}%  {:>6.1f}%  {:>5.2f}x\n", key, v.size(), 100 * median(v),
                             100 * *std::max_element(v.begin(), v.end()),
                             *std::max_element(factors[key].begin(), factors[key].end()));
  int failures = 0;
  for (const auto& [test, med, max] :
       {std::tuple{"tg", kDecodeMedian, kDecodeWorstFactor}, {"pp", kPrefillMedian, kPrefillWorstFactor}}) {
    const std::string key = std::string(test) + " all held-out";
    const auto& v = errors[key];
    const auto& f = factors[key];
    const double m = median(v), worst = f.empty() ? 0 : *std::max_element(f.begin(), f.end());
    const bool ok = v.size() >= kMinHeldOut && m <= med && worst <= max;
    std::cout << fmt::format("{} {} held-out: {} rows, median {:.1f}% (target <= {:.0f}%), worst {:.2f}x (target <= {:.0f}x)\n",
                             ok ? "PASS" : "FAIL", test, v.size(), 100 * m, 100 * med, worst, max);
    failures += ok ? 0 : 1;
  }
  // Every backend with enough held-out rows meets the median targets on its own (the overall
  // median could hide one backend far off behind a well-covered other).
  for (const auto& [key, v] : errors) {
    const bool decode = key.rfind("tg ", 0) == 0;
    if (key.find(" all ") != std::string::npos || key.find(" held-out") == std::string::npos || v.size() < kMinHeldOut)
      continue;
    const double m = median(v), target = decode ? kDecodeMedian : kPrefillMedian;
    const bool ok = m <= target;
    std::cout << fmt::format("{} {}: {} rows, median {:.1f}% (target <= {:.0f}%)\n", ok ? "PASS" : "FAIL", key, v.size(),
                             100 * m, 100 * target);
    failures += ok ? 0 : 1;
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string command = argc > 1 ? argv[1] : "";
  std::string catalog_dir = cfg::default_catalog_dir(), rows_path;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--catalog") catalog_dir = argv[i + 1];
    else if (key == "--rows") rows_path = argv[i + 1];
  }
  if ((command != "check" && command != "fit") || rows_path.empty()) {
    std::cerr << "usage: hr_published check|fit [--catalog DIR] --rows measurements.yaml\n";
    return 2;
  }
  try {
    const cfg::Catalog catalog = cfg::load_catalog(catalog_dir);
    const auto others = load_other_hosts(rows_path);
    std::vector<Case> cases;
    for (const Row& r : load_rows(rows_path)) cases.push_back(resolve(catalog, others, r));
    // The simulation's CPU path uses the whole CPU (llama.cpp's default thread count): a CPU row run
    // with fewer threads than the most any row of its host uses is not what it simulates.
    std::map<std::string, int> most_threads;
    for (const Case& c : cases)
      if (c.row.device == "cpu") most_threads[c.row.host] = std::max(most_threads[c.row.host], c.row.threads);
    for (Case& c : cases)
      if (c.skip.empty() && c.row.device == "cpu" && c.row.threads < most_threads[c.row.host])
        c.skip = "CPU row with fewer threads than its host's most (threads are not simulated)";
    mark_training(cases);
    return command == "fit" ? fit(catalog, cases) : check(catalog, cases);
  } catch (const cfg::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
}
