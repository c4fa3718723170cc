// torch_arguments(): every module's keyword arguments for its torch.nn class, checked key by key
// (the names torch.nn's constructors take, torch's [h, w] pairs, Keras 'same' padding mapped to
// what torch can express).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hourglass/nn/activation.h"
#include "hourglass/nn/conv.h"
#include "hourglass/nn/linear.h"
#include "hourglass/nn/sequential.h"

namespace hg::nn {
namespace {

using nlohmann::json;

json args(const Module& m) {
  return json::parse(m.torch_arguments());
}

TEST(TorchArguments, Linear) {
  EXPECT_EQ(args(Linear(784, 64)),
            json({{"in_features", 784}, {"out_features", 64}, {"bias", true}}));
  EXPECT_EQ(args(Linear(3, 2, false)),
            json({{"in_features", 3}, {"out_features", 2}, {"bias", false}}));
}

TEST(TorchArguments, Activations) {
  EXPECT_EQ(args(ReLU()), json::object());
  EXPECT_EQ(args(Sigmoid()), json::object());
  EXPECT_EQ(args(Tanh()), json::object());
  EXPECT_EQ(args(Identity()), json::object());
  EXPECT_FLOAT_EQ(args(LeakyReLU(0.2f)).at("negative_slope").get<float>(), 0.2f);
  EXPECT_EQ(args(Softplus()), json({{"beta", 1.0}, {"threshold", 20.0}}));
  EXPECT_EQ(args(Sequential()), json::object());
}

TEST(TorchArguments, Conv2dExplicitAndValid) {
  Conv2dOptions o;
  o.stride = {2, 1};
  o.padding = Padding2d::explicit_(1, 2);
  o.dilation = {1, 2};
  EXPECT_EQ(args(Conv2d(3, 8, {4, 5}, o, false)), json({{"in_channels", 3},
                                                        {"out_channels", 8},
                                                        {"kernel_size", {4, 5}},
                                                        {"stride", {2, 1}},
                                                        {"padding", {1, 2}},
                                                        {"dilation", {1, 2}},
                                                        {"bias", false}}));
  o = {};
  o.padding = Padding2d::valid();
  EXPECT_EQ(args(Conv2d(1, 1, 3, o)).at("padding"), json({0, 0}));
}

TEST(TorchArguments, Conv2dSame) {
  Conv2dOptions o;
  o.padding = Padding2d::same();
  // Stride 1, odd kernel: symmetric, an integer pair.
  EXPECT_EQ(args(Conv2d(1, 1, 3, o)).at("padding"), json({1, 1}));
  o.dilation = {2, 3};
  EXPECT_EQ(args(Conv2d(1, 1, 3, o)).at("padding"), json({2, 3}));
  // Stride 1, even kernel: one extra row bottom / right, torch's "same".
  o.dilation = {1, 1};
  EXPECT_EQ(args(Conv2d(1, 1, {2, 3}, o)).at("padding"), json("same"));
  // Stride 2: depends on the input size; model.json carries it beside the arguments.
  o.stride = {2, 2};
  EXPECT_EQ(args(Conv2d(1, 1, 3, o)).at("padding"), json({0, 0}));
}

TEST(TorchArguments, ConvTranspose2d) {
  ConvTranspose2dOptions o;
  o.stride = {2, 2};
  o.padding = {1, 1};
  o.output_padding = {1, 0};
  EXPECT_EQ(args(ConvTranspose2d(32, 16, 3, o)), json({{"in_channels", 32},
                                                       {"out_channels", 16},
                                                       {"kernel_size", {3, 3}},
                                                       {"stride", {2, 2}},
                                                       {"padding", {1, 1}},
                                                       {"output_padding", {1, 0}},
                                                       {"dilation", {1, 1}},
                                                       {"bias", true}}));
}

TEST(TorchArguments, Pools) {
  Pool2dOptions o;  // stride 0 means the kernel size, which torch must be told explicitly
  o.ceil_mode = true;
  EXPECT_EQ(
      args(MaxPool2d(o)),
      json(
          {{"kernel_size", {2, 2}}, {"stride", {2, 2}}, {"padding", {0, 0}}, {"ceil_mode", true}}));
  o.kernel = {3, 3};
  o.stride = {1, 2};
  o.padding = {1, 1};
  o.ceil_mode = false;
  o.count_include_pad = false;
  EXPECT_EQ(args(AvgPool2d(o)), json({{"kernel_size", {3, 3}},
                                      {"stride", {1, 2}},
                                      {"padding", {1, 1}},
                                      {"ceil_mode", false},
                                      {"count_include_pad", false}}));
}

TEST(TorchArguments, UpsampleFlattenUnflatten) {
  EXPECT_EQ(args(Upsample(2)), json({{"scale_factor", 2.0}, {"mode", "nearest"}}));
  EXPECT_EQ(args(Upsample(3, UpsampleMode::kBilinear)),
            json({{"scale_factor", 3.0}, {"mode", "bilinear"}, {"align_corners", false}}));
  EXPECT_EQ(args(Flatten()), json({{"start_dim", 1}, {"end_dim", -1}}));
  EXPECT_EQ(args(Unflatten({64, 7, 7})), json({{"dim", 1}, {"unflattened_size", {64, 7, 7}}}));
}

}  // namespace
}  // namespace hg::nn
