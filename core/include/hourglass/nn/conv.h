// Convolutional modules, named and laid out as their torch.nn counterparts so state_dict names
// and shapes match: Conv2d (weight [out, in, kh, kw]), ConvTranspose2d (weight [in, out, kh, kw]),
// MaxPool2d, AvgPool2d, Upsample, Flatten, Unflatten. Weights are initialised as PyTorch does
// (kaiming_uniform with a = sqrt(5): uniform in +-1/sqrt(fan_in), the bias likewise, where
// fan_in = in * kh * kw for Conv2d and out * kh * kw for ConvTranspose2d, PyTorch's fan of
// weight.size(1)), drawn from `gen` (default_generator() if null) weight first, then bias.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/nn/module.h"
#include "hourglass/ops/conv.h"

namespace hg::nn {

// torch_arguments(): padding as torch's [h, w] pair where it can say it (explicit, 'valid', and
// Keras 'same' whose total padding per axis is even); 'same' with an odd total at stride 1 as
// torch's "same" (which also puts the extra row bottom / right); at stride > 1 Keras 'same'
// depends on the input size, so the arguments say [0, 0] and model.json adds "pad": "same"
// beside them (models/checkpoint.h).
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel,
         Conv2dOptions options = {}, bool bias = true, Generator* gen = nullptr);
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, Conv2dOptions options = {},
         bool bias = true, Generator* gen = nullptr)
      : Conv2d(in_channels, out_channels, {kernel, kernel}, options, bias, gen) {}

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Conv2d"; }
  std::string torch_arguments() const override;

  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  std::array<int64_t, 2> kernel() const { return kernel_; }
  const Conv2dOptions& options() const { return options_; }
  Tensor& weight() { return weight_; }
  Tensor& bias() { return bias_; }  // undefined when built without bias

 private:
  int64_t in_channels_, out_channels_;
  std::array<int64_t, 2> kernel_;
  Conv2dOptions options_;
  Tensor weight_, bias_;
};

class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel,
                  ConvTranspose2dOptions options = {}, bool bias = true, Generator* gen = nullptr);
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, int64_t kernel,
                  ConvTranspose2dOptions options = {}, bool bias = true, Generator* gen = nullptr)
      : ConvTranspose2d(in_channels, out_channels, {kernel, kernel}, options, bias, gen) {}

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ConvTranspose2d"; }
  std::string torch_arguments() const override;

  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  std::array<int64_t, 2> kernel() const { return kernel_; }
  const ConvTranspose2dOptions& options() const { return options_; }
  Tensor& weight() { return weight_; }
  Tensor& bias() { return bias_; }

 private:
  int64_t in_channels_, out_channels_;
  std::array<int64_t, 2> kernel_;
  ConvTranspose2dOptions options_;
  Tensor weight_, bias_;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Pool2dOptions options = {}) : options_(options) {}
  Tensor forward(const Tensor& x) override { return max_pool2d(x, options_); }
  std::string type_name() const override { return "MaxPool2d"; }
  std::string torch_arguments() const override;
  const Pool2dOptions& options() const { return options_; }

 private:
  Pool2dOptions options_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Pool2dOptions options = {}) : options_(options) {}
  Tensor forward(const Tensor& x) override { return avg_pool2d(x, options_); }
  std::string type_name() const override { return "AvgPool2d"; }
  std::string torch_arguments() const override;
  const Pool2dOptions& options() const { return options_; }

 private:
  Pool2dOptions options_;
};

class Upsample : public Module {
 public:
  explicit Upsample(int64_t scale, UpsampleMode mode = UpsampleMode::kNearest)
      : scale_(scale), mode_(mode) {}
  Tensor forward(const Tensor& x) override { return upsample2d(x, scale_, scale_, mode_); }
  std::string type_name() const override { return "Upsample"; }
  std::string torch_arguments() const override;
  int64_t scale() const { return scale_; }
  UpsampleMode mode() const { return mode_; }

 private:
  int64_t scale_;
  UpsampleMode mode_;
};

// [N, d1, d2, ...] -> [N, d1 * d2 * ...] (torch.nn.Flatten with its defaults).
class Flatten : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Flatten"; }
  std::string torch_arguments() const override;
};

// [N, prod(shape)] -> [N, shape...] (torch.nn.Unflatten(1, shape)).
class Unflatten : public Module {
 public:
  explicit Unflatten(std::vector<int64_t> shape) : shape_(std::move(shape)) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Unflatten"; }
  std::string torch_arguments() const override;
  const std::vector<int64_t>& shape() const { return shape_; }

 private:
  std::vector<int64_t> shape_;
};

}  // namespace hg::nn
