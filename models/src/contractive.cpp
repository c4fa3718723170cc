// The contractive penalty: the first layer's closed form, and the forward-mode random-projection
// estimate of the whole dense encoder's squared Frobenius Jacobian norm.
#include "hourglass/models/contractive.h"

#include <cmath>

#include "hourglass/core/error.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/ops/elementwise.h"
#include "hourglass/ops/matmul.h"
#include "hourglass/ops/reduce.h"
#include "hourglass/ops/regularizers.h"

namespace hg::models {
namespace {

bool is_identity(const std::string& activation) {
  return activation == "identity" || activation == "linear";
}

// act'(pre) for a piecewise-linear activation, as a constant (its own derivative is 0 almost
// everywhere, so the tape needs nothing from it): the activation's backward kernel applied to
// an upstream gradient of ones.
Tensor piecewise_slope(const DenseLayerTrace& layer) {
  const bool leaky = layer.activation == "leaky_relu";
  const Tensor pre = layer.pre.detach(), post = layer.post.detach();
  const Tensor ones = Tensor::ones(pre.shape(), pre.device());
  Tensor slope = Tensor::empty(pre.shape(), DType::kFloat32, pre.device());
  backend_for(pre.device())
      .unary_backward(leaky ? kernels::UnaryOp::kLeakyRelu : kernels::UnaryOp::kRelu,
                      leaky ? layer.negative_slope : 0.0f, pre.data<float>(), post.data<float>(),
                      ones.data<float>(), slope.data<float>(), pre.numel());
  return slope;
}

// u * act'(pre), written with differentiable ops of the layer's output where act' depends on
// the parameters (so the estimate's gradient includes the curvature terms).
Tensor apply_slope(const DenseLayerTrace& layer, const Tensor& u) {
  const std::string& act = layer.activation;
  if (is_identity(act)) return u;
  if (act == "sigmoid") return mul(u, mul(layer.post, 1.0f - layer.post));
  if (act == "tanh") return mul(u, 1.0f - square(layer.post));
  if (act == "softplus") return mul(u, sigmoid(layer.pre));
  if (act == "relu" || act == "leaky_relu") return mul(u, piecewise_slope(layer));
  HG_FAIL("contractive penalty: no derivative for activation '", act, "'");
}

}  // namespace

const char* contractive_mode_name(ContractiveMode mode) {
  return mode == ContractiveMode::kFirstLayer ? "first_layer" : "stochastic";
}

void validate_contractive(const ContractiveOptions& options, const std::string& first_activation) {
  HG_CHECK(options.weight >= 0 && std::isfinite(options.weight),
           "contractive penalty: lambda must be finite and >= 0, got ", options.weight);
  if (options.weight == 0) return;
  if (options.mode == ContractiveMode::kStochastic) {
    HG_CHECK(options.probes >= 1, "contractive penalty: probes must be >= 1, got ", options.probes);
    return;
  }
  HG_CHECK(first_activation == "sigmoid" || first_activation == "tanh" ||
               first_activation == "relu" || is_identity(first_activation),
           "contractive penalty (first_layer): the closed form needs a sigmoid, tanh, relu or "
           "identity first layer, got '",
           first_activation, "' (the stochastic mode handles any activation)");
}

Tensor first_layer_contractive(const DenseLayerTrace& layer) {
  if (is_identity(layer.activation)) {
    // J = W for every sample: the mean over rows is ||W||_F^2 itself.
    return sum(square(layer.weight));
  }
  return contractive_penalty(layer.post, layer.weight, layer.activation);
}

Tensor encoder_jvp(const std::vector<DenseLayerTrace>& layers, const Tensor& v) {
  HG_CHECK(!layers.empty(), "encoder_jvp: the encoder has no layers");
  HG_CHECK(v.rank() == 2 && v.dim(1) == layers.front().weight.dim(1),
           "encoder_jvp: expected directions [N, ", layers.front().weight.dim(1), "], got ",
           v.shape());
  Tensor u = v;
  for (const DenseLayerTrace& layer : layers)
    u = apply_slope(layer, matmul(u, layer.weight, false, true));
  return u;
}

Tensor stochastic_contractive(const std::vector<DenseLayerTrace>& layers, int64_t probes,
                              Generator& gen) {
  HG_CHECK(probes >= 1, "stochastic contractive penalty: probes must be >= 1, got ", probes);
  HG_CHECK(!layers.empty(), "stochastic contractive penalty: the encoder has no layers");
  const Tensor& first = layers.front().pre;
  const int64_t rows = first.dim(0), in = layers.front().weight.dim(1);
  Tensor total;
  for (int64_t p = 0; p < probes; ++p) {
    const Tensor v = Tensor::randn(Shape{rows, in}, first.device(), 0.0f, 1.0f, &gen);
    const Tensor s = sum(square(encoder_jvp(layers, v)));
    total = total.defined() ? add(total, s) : s;
  }
  return mul(total, 1.0f / static_cast<float>(rows * probes));
}

}  // namespace hg::models
