// Activation modules, each a thin wrapper over its elementwise op, their torch.nn arguments, and
// make_activation by name.
#include "hourglass/nn/activation.h"

#include <nlohmann/json.hpp>

#include "hourglass/core/error.h"
#include "hourglass/ops/elementwise.h"

namespace hg::nn {

Tensor ReLU::forward(const Tensor& x) {
  return relu(x);
}
Tensor LeakyReLU::forward(const Tensor& x) {
  return leaky_relu(x, negative_slope_);
}
std::string LeakyReLU::torch_arguments() const {
  return nlohmann::json{{"negative_slope", negative_slope_}}.dump();
}
// Our softplus is PyTorch's default one: beta 1, linear above 20 (unary_math.h).
std::string Softplus::torch_arguments() const {
  return nlohmann::json{{"beta", 1.0}, {"threshold", 20.0}}.dump();
}

Tensor Sigmoid::forward(const Tensor& x) {
  return sigmoid(x);
}
Tensor Tanh::forward(const Tensor& x) {
  return tanh(x);
}
Tensor Softplus::forward(const Tensor& x) {
  return softplus(x);
}

std::shared_ptr<Module> make_activation(const std::string& name) {
  if (name == "relu") return std::make_shared<ReLU>();
  if (name == "leaky_relu") return std::make_shared<LeakyReLU>();
  if (name == "sigmoid") return std::make_shared<Sigmoid>();
  if (name == "tanh") return std::make_shared<Tanh>();
  if (name == "softplus") return std::make_shared<Softplus>();
  if (name == "identity" || name == "linear") return std::make_shared<Identity>();
  HG_FAIL("unknown activation '", name,
          "': expected one of relu, leaky_relu, sigmoid, tanh, softplus, identity, linear");
}

}  // namespace hg::nn
