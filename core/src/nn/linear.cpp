// Linear: PyTorch's nn.Linear initialisation (weight, then bias, uniform in +-1/sqrt(in)) and a
// forward pass through hg::linear, and its torch.nn arguments.
#include "hourglass/nn/linear.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "hourglass/core/error.h"
#include "hourglass/ops/matmul.h"

namespace hg::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, Generator* gen)
    : in_features_(in_features), out_features_(out_features) {
  HG_CHECK(in_features > 0 && out_features > 0,
           "Linear: in_features and out_features must be positive, got ", in_features, " and ",
           out_features);
  const float bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(in_features)));
  weight_ = register_parameter(
      "weight", Tensor::rand(Shape{out_features, in_features}, Device::cpu(), -bound, bound, gen));
  if (bias)
    bias_ = register_parameter(
        "bias", Tensor::rand(Shape{out_features}, Device::cpu(), -bound, bound, gen));
}

Tensor Linear::forward(const Tensor& x) {
  HG_CHECK(x.rank() == 2 && x.dim(1) == in_features_, "Linear(", in_features_, ", ", out_features_,
           "): expected input [N, ", in_features_, "], got ", x.shape());
  return linear(x, weight_, bias_);
}

std::string Linear::torch_arguments() const {
  return nlohmann::json{
      {"in_features", in_features_}, {"out_features", out_features_}, {"bias", bias_.defined()}}
      .dump();
}

}  // namespace hg::nn
