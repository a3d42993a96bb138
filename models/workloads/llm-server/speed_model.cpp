// The llama.cpp speed model (speed_model.hpp): equations there.
#include "models/workloads/llm-server/speed_model.hpp"

#include <algorithm>
#include <stdexcept>

namespace headroom::workloads::llm_server::speed {
namespace {

const config::BackendSpec* backend_of(const std::map<std::string, config::BackendSpec>& backends,
                                      const std::string& name) {
  const auto found = backends.find(name);
  if (found == backends.end())
    throw std::logic_error("no speed factors for llama.cpp backend '" + name + "' (catalog backends.yaml)");
  return &found->second;
}

bool is_moe(const config::LlmSpec& model) { return model.experts > 0 && model.experts_per_token > 0; }

}  // namespace

Device unified_gpu(const config::HostSpec& host, const std::map<std::string, config::BackendSpec>& backends) {
  return {backend_of(backends, host.gpu_backend), host.mem_bw_spec_Bps, host.gpu_flops, host.mem_bw_effective_Bps};
}

Device host_cpu(const config::HostSpec& host, const std::map<std::string, config::BackendSpec>& backends) {
  return {backend_of(backends, "cpu"), host.cpu_bandwidth_Bps(), host.cpu_flops, host.mem_bw_effective_Bps};
}

Device discrete_gpu(const config::GpuSpec& gpu, const std::map<std::string, config::BackendSpec>& backends) {
  return {backend_of(backends, gpu.backend), gpu.vram_bw_effective_Bps, gpu.flops, gpu.vram_bw_effective_Bps};
}

Device bench_device(const config::HostSpec& host, bool on_gpu, const std::string& backend,
                    const std::map<std::string, config::BackendSpec>& backends) {
  Device d = !on_gpu ? host_cpu(host, backends)
             : host.gpus.empty() ? unified_gpu(host, backends)
                                 : discrete_gpu(host.gpus.front(), backends);
  d.backend = backend_of(backends, backend);
  return d;
}

StepCost step_cost(const Device& device, const config::LlmSpec& model, const std::string& quant_id,
                   const StepShape& shape) {
  const config::BackendSpec& b = *device.backend;
  const double layer_share = model.layers > 0 ? shape.layers / model.layers : 0.0;
  const double matmul_flops = 2.0 * model.active_params * shape.tokens * layer_share;
  const double attention_flops = 4.0 * shape.layers * model.heads * model.head_dim * shape.attention_pairs;
  StepCost c;
  const double matmul_efficiency =
      config::BackendSpec::of(b.prefill_efficiency, quant_id) * (is_moe(model) ? b.moe_prefill_efficiency : 1.0);
  c.compute_s = matmul_flops / (matmul_efficiency * device.flops) +
                attention_flops / (b.attention_efficiency * device.flops);
  c.memory_s = shape.weight_bytes / (config::BackendSpec::of(b.decode_efficiency, quant_id) * device.bandwidth_Bps) +
               shape.kv_bytes / (b.kv_efficiency * device.bandwidth_Bps);
  c.fixed_s = shape.layers * (b.layer_fixed_s + (is_moe(model) ? b.moe_layer_fixed_s : 0.0));
  c.flops = c.compute_s * device.flops;
  c.bus_bytes = c.memory_s * device.link_Bps;
  return c;
}

StepShape prefill_shape(const config::LlmSpec& model, double weights_bytes, double kv_bytes_per_token,
                        double tokens, double depth) {
  StepShape s;
  s.tokens = tokens;
  s.layers = model.layers;
  s.weight_bytes = weights_bytes * model.weight_read_fraction(tokens);
  s.kv_bytes = (depth + tokens) * kv_bytes_per_token;  // as the simulation touches it: the whole context
  s.attention_pairs = tokens * depth + tokens * (tokens + 1) / 2;
  return s;
}

StepShape decode_shape(const config::LlmSpec& model, double weights_bytes, double kv_bytes_per_token,
                       double context) {
  StepShape s;
  s.tokens = 1;
  s.layers = model.layers;
  s.weight_bytes = weights_bytes * model.weight_read_fraction(1);
  s.kv_bytes = context * kv_bytes_per_token;
  s.attention_pairs = context;
  return s;
}

double tg_seconds_per_token(const Device& device, const config::LlmSpec& model, const std::string& quant_id,
                            double weights_bytes, double kv_bytes_per_token, double tokens, double depth) {
  // Step i (0-based) reads the prompt's KV plus i generated tokens; llama-bench's tg starts from
  // one token at depth D, so the mean context is D + (tokens - 1) / 2.
  const double mean_context = depth + (tokens - 1) / 2;
  return step_cost(device, model, quant_id, decode_shape(model, weights_bytes, kv_bytes_per_token, mean_context))
      .seconds();
}

}  // namespace headroom::workloads::llm_server::speed
