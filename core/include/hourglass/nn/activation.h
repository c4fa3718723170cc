// Activation modules (no parameters), named as their torch.nn counterparts.
#pragma once

#include "hourglass/nn/module.h"

namespace hg::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ReLU"; }
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(float negative_slope = 0.01f) : negative_slope_(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LeakyReLU"; }
  std::string torch_arguments() const override;
  float negative_slope() const { return negative_slope_; }

 private:
  float negative_slope_;
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sigmoid"; }
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Tanh"; }
};

class Softplus : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Softplus"; }
  std::string torch_arguments() const override;  // beta 1, threshold 20: PyTorch's defaults
};

class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
  std::string type_name() const override { return "Identity"; }
};

// "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "identity" (or "linear"); hg::Error
// listing the valid names otherwise.
std::shared_ptr<Module> make_activation(const std::string& name);

}  // namespace hg::nn
