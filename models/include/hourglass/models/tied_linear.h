// TiedLinear: a decoder layer that reuses an encoder Linear's weight transposed,
// y = x W + b with W the encoder's [out, in] (so this layer maps out -> in). It owns only its bias
// (registered as "bias"); the gradient of W from both uses accumulates into the one encoder
// parameter. In a PyTorch state_dict the tied decoder therefore has "decoder.0.bias" and no
// "decoder.0.weight"; the PyTorch equivalent computes F.linear(h, encoder[0].weight.t(), bias).
#pragma once

#include "hourglass/core/rng.h"
#include "hourglass/nn/module.h"

namespace hg::models {

class TiedLinear : public nn::Module {
 public:
  // `weight` is the encoder layer's parameter [out, in] (shared, not copied). The bias [in] is
  // drawn like nn.Linear(out, in)'s: uniform in +-1/sqrt(out).
  explicit TiedLinear(Tensor weight, Generator* gen = nullptr);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "TiedLinear"; }
  // {"in_features": out of the encoder layer, "out_features": its in}; model.json adds the
  // "tied_to" name (checkpoint.h).
  std::string torch_arguments() const override;

  int64_t in_features() const { return weight_.dim(0); }
  int64_t out_features() const { return weight_.dim(1); }
  const Tensor& tied_weight() const { return weight_; }
  Tensor& bias() { return bias_; }

 private:
  Tensor weight_;
  Tensor bias_;
};

}  // namespace hg::models
