// Conv2d and ConvTranspose2d with PyTorch's initialisation (weight, then bias, each uniform in
// +-1/sqrt(fan_in) with fan_in = weight.size(1) * kh * kw), and Flatten / Unflatten.
#include "hourglass/nn/conv.h"

#include <cmath>

#include "hourglass/core/error.h"
#include "hourglass/ops/shape_ops.h"

namespace hg::nn {

namespace {

void check_sizes(const char* module, int64_t in, int64_t out, std::array<int64_t, 2> kernel) {
  HG_CHECK(in > 0 && out > 0, module, ": in_channels and out_channels must be positive, got ", in,
           " and ", out);
  HG_CHECK(kernel[0] > 0 && kernel[1] > 0, module, ": kernel size must be positive, got (",
           kernel[0], ", ", kernel[1], ")");
}

float init_bound(int64_t fan_in) {
  return static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in)));
}

// Checks x [N, channels, H, W] before the op, so the message names the module.
void check_input(const std::string& module, const Tensor& x, int64_t channels) {
  HG_CHECK(x.defined(), module, ": input is undefined");
  HG_CHECK(x.rank() == 4 && x.dim(1) == channels, module, ": expected input [N, ", channels,
           ", H, W], got ", x.shape());
}

}  // namespace

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel,
               Conv2dOptions options, bool bias, Generator* gen)
    : in_channels_(in_channels), out_channels_(out_channels), kernel_(kernel), options_(options) {
  check_sizes("Conv2d", in_channels, out_channels, kernel);
  const float bound = init_bound(in_channels * kernel[0] * kernel[1]);
  weight_ = register_parameter(
      "weight", Tensor::rand(Shape{out_channels, in_channels, kernel[0], kernel[1]}, Device::cpu(),
                             -bound, bound, gen));
  if (bias)
    bias_ = register_parameter(
        "bias", Tensor::rand(Shape{out_channels}, Device::cpu(), -bound, bound, gen));
}

Tensor Conv2d::forward(const Tensor& x) {
  check_input("Conv2d(" + std::to_string(in_channels_) + ", " + std::to_string(out_channels_) + ")",
              x, in_channels_);
  return conv2d(x, weight_, bias_, options_);
}

ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels,
                                 std::array<int64_t, 2> kernel, ConvTranspose2dOptions options,
                                 bool bias, Generator* gen)
    : in_channels_(in_channels), out_channels_(out_channels), kernel_(kernel), options_(options) {
  check_sizes("ConvTranspose2d", in_channels, out_channels, kernel);
  // PyTorch's fan_in is weight.size(1) * kh * kw, and the weight is [in, out, kh, kw].
  const float bound = init_bound(out_channels * kernel[0] * kernel[1]);
  weight_ = register_parameter(
      "weight", Tensor::rand(Shape{in_channels, out_channels, kernel[0], kernel[1]}, Device::cpu(),
                             -bound, bound, gen));
  if (bias)
    bias_ = register_parameter(
        "bias", Tensor::rand(Shape{out_channels}, Device::cpu(), -bound, bound, gen));
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  check_input("ConvTranspose2d(" + std::to_string(in_channels_) + ", " +
                  std::to_string(out_channels_) + ")",
              x, in_channels_);
  return conv_transpose2d(x, weight_, bias_, options_);
}

Tensor Flatten::forward(const Tensor& x) {
  HG_CHECK(x.defined(), "Flatten: input is undefined");
  HG_CHECK(x.rank() >= 2, "Flatten: expected an input [N, ...] of rank >= 2, got ", x.shape());
  return flatten(x, 1, -1);
}

Tensor Unflatten::forward(const Tensor& x) {
  HG_CHECK(x.defined(), "Unflatten: input is undefined");
  int64_t features = 1;
  for (int64_t d : shape_) {
    HG_CHECK(d >= 1, "Unflatten: target dimensions must be positive, got ", Shape(shape_));
    features *= d;
  }
  HG_CHECK(x.rank() == 2 && x.dim(1) == features, "Unflatten", Shape(shape_),
           ": expected an input [N, ", features, "], got ", x.shape());
  std::vector<int64_t> out{x.dim(0)};
  out.insert(out.end(), shape_.begin(), shape_.end());
  return x.reshape(out);
}

}  // namespace hg::nn
