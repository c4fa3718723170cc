// TiedLinear: the transposed product through the shared encoder weight, plus its own bias, and
// its torch arguments.
#include "hourglass/models/tied_linear.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "hourglass/core/error.h"
#include "hourglass/ops/elementwise.h"
#include "hourglass/ops/matmul.h"

namespace hg::models {

TiedLinear::TiedLinear(Tensor weight, Generator* gen) : weight_(std::move(weight)) {
  HG_CHECK(weight_.defined() && weight_.rank() == 2,
           "TiedLinear: expected the encoder's weight [out, in], got ",
           weight_.defined() ? weight_.shape() : Shape{});
  const float bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(weight_.dim(0))));
  bias_ = register_parameter(
      "bias", Tensor::rand(Shape{weight_.dim(1)}, weight_.device(), -bound, bound, gen));
}

Tensor TiedLinear::forward(const Tensor& x) {
  HG_CHECK(x.rank() == 2 && x.dim(1) == in_features(), "TiedLinear(", in_features(), ", ",
           out_features(), "): expected input [N, ", in_features(), "], got ", x.shape());
  return add(matmul(x, weight_), bias_);
}

std::string TiedLinear::torch_arguments() const {
  return nlohmann::json{{"in_features", in_features()}, {"out_features", out_features()}}.dump();
}

}  // namespace hg::models
