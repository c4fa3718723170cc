// Linear: y = x W^T + b with W [out, in], initialised as PyTorch's nn.Linear
// (W and b uniform in +-1/sqrt(in)).
#pragma once

#include "hourglass/core/rng.h"
#include "hourglass/nn/module.h"

namespace hg::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, Generator* gen = nullptr);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Linear"; }
  std::string torch_arguments() const override;

  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  Tensor& weight() { return weight_; }
  Tensor& bias() { return bias_; }  // undefined when built without bias

 private:
  int64_t in_features_, out_features_;
  Tensor weight_, bias_;
};

}  // namespace hg::nn
