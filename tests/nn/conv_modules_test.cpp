// The convolutional modules: parameter names and shapes as torch.nn's state_dict (Conv2d weight
// [out, in, kh, kw], ConvTranspose2d [in, out, kh, kw]), PyTorch's init bounds and draw order,
// forward equal to the op on every device, the pooling / upsampling wrappers, Flatten /
// Unflatten, and input checks that name the module.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "hourglass/core/autograd.h"
#include "hourglass/core/rng.h"
#include "hourglass/nn/conv.h"
#include "hourglass/nn/sequential.h"
#include "hourglass/ops/reduce.h"
#include "nn/nn_test_util.h"
#include "support/devices.h"

namespace hg::testing {
namespace {

// Every value in [-bound, bound], and (for enough values) most of the range used.
void expect_uniform_in(const std::vector<float>& v, double bound, const std::string& what) {
  ASSERT_FALSE(v.empty()) << what;
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  EXPECT_GE(*lo, -bound) << what;
  EXPECT_LE(*hi, bound) << what;
  if (v.size() >= 1000) {
    EXPECT_LT(*lo, -0.99 * bound) << what;
    EXPECT_GT(*hi, 0.99 * bound) << what;
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
    EXPECT_LT(std::fabs(mean), 5.0 * bound / std::sqrt(3.0 * double(v.size()))) << what;
  }
}

TEST(ConvModules, Conv2dParametersAsTorch) {
  Generator gen(3);
  nn::Conv2d conv(3, 16, {5, 3}, {}, true, &gen);
  const auto params = conv.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[0].second.shape(), (Shape{16, 3, 5, 3}));
  EXPECT_EQ(params[1].first, "bias");
  EXPECT_EQ(params[1].second.shape(), (Shape{16}));
  EXPECT_TRUE(conv.weight().requires_grad());
  EXPECT_EQ(conv.type_name(), "Conv2d");
  // fan_in = in * kh * kw = 45.
  const double bound = 1.0 / std::sqrt(45.0);
  expect_uniform_in(conv.weight().to_vector(), bound, "Conv2d weight");
  expect_uniform_in(conv.bias().to_vector(), bound, "Conv2d bias");

  nn::Conv2d no_bias(2, 4, 3, {}, false, &gen);
  EXPECT_FALSE(no_bias.bias().defined());
  EXPECT_EQ(no_bias.named_parameters().size(), 1u);
  EXPECT_EQ(no_bias.kernel(), (std::array<int64_t, 2>{3, 3}));
}

TEST(ConvModules, ConvTranspose2dParametersAsTorch) {
  Generator gen(4);
  nn::ConvTranspose2d deconv(8, 32, 4, {}, true, &gen);
  const auto params = deconv.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[0].second.shape(), (Shape{8, 32, 4, 4}));
  EXPECT_EQ(params[1].first, "bias");
  EXPECT_EQ(params[1].second.shape(), (Shape{32}));
  EXPECT_EQ(deconv.type_name(), "ConvTranspose2d");
  // PyTorch's fan_in is weight.size(1) * kh * kw = out * 16 = 512.
  const double bound = 1.0 / std::sqrt(512.0);
  expect_uniform_in(deconv.weight().to_vector(), bound, "ConvTranspose2d weight");
  expect_uniform_in(deconv.bias().to_vector(), bound, "ConvTranspose2d bias");
}

TEST(ConvModules, DrawsWeightThenBiasFromTheGenerator) {
  Generator gen(91);
  nn::Conv2d conv(2, 3, {2, 3}, {}, true, &gen);
  nn::ConvTranspose2d deconv(3, 5, 2, {}, true, &gen);
  Generator replay(91);
  const float b1 = float(1.0 / std::sqrt(12.0)), b2 = float(1.0 / std::sqrt(20.0));
  EXPECT_EQ(conv.weight().to_vector(),
            Tensor::rand(Shape{3, 2, 2, 3}, Device::cpu(), -b1, b1, &replay).to_vector());
  EXPECT_EQ(conv.bias().to_vector(),
            Tensor::rand(Shape{3}, Device::cpu(), -b1, b1, &replay).to_vector());
  EXPECT_EQ(deconv.weight().to_vector(),
            Tensor::rand(Shape{3, 5, 2, 2}, Device::cpu(), -b2, b2, &replay).to_vector());
  EXPECT_EQ(deconv.bias().to_vector(),
            Tensor::rand(Shape{5}, Device::cpu(), -b2, b2, &replay).to_vector());
  EXPECT_EQ(gen.offset(), replay.offset());
}

TEST(ConvModules, NamesInsideASequential) {
  Generator gen(1);
  nn::Sequential net;
  net.add(std::make_shared<nn::Conv2d>(1, 4, 3, Conv2dOptions{}, true, &gen));
  net.add(std::make_shared<nn::MaxPool2d>());
  net.add(std::make_shared<nn::Flatten>());
  net.add(std::make_shared<nn::Unflatten>(std::vector<int64_t>{4, 3, 3}));
  net.add(std::make_shared<nn::ConvTranspose2d>(4, 2, 2, ConvTranspose2dOptions{}, false, &gen));
  std::vector<std::string> names;
  for (const auto& [name, t] : net.named_parameters())
    names.push_back(name + t.shape().str());
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight[4, 1, 3, 3]", "0.bias[4]",
                                             "4.weight[4, 2, 2, 2]"}));
}

class ConvModulesOnDevice : public ::testing::TestWithParam<Device> {};

TEST_P(ConvModulesOnDevice, ForwardEqualsTheOp) {
  HG_REQUIRE_DEVICE(GetParam());
  const Device d = GetParam();
  Generator gen(17);
  Conv2dOptions co;
  co.stride = {2, 1};
  co.padding = Padding2d::same();
  nn::Conv2d conv(3, 4, {3, 2}, co, true, &gen);
  ConvTranspose2dOptions to;
  to.stride = {2, 2};
  to.padding = {1, 1};
  to.output_padding = {1, 0};
  nn::ConvTranspose2d deconv(4, 2, 3, to, true, &gen);
  conv.to(d);
  deconv.to(d);
  const Tensor x = Tensor::rand(Shape{2, 3, 6, 5}, d, -1, 1, &gen);
  const Tensor y = conv(x);
  EXPECT_EQ(y.shape(), (Shape{2, 4, 3, 5}));
  EXPECT_EQ(y.to_vector(), conv2d(x, conv.weight(), conv.bias(), co).to_vector());
  const Tensor z = deconv(y);
  EXPECT_EQ(z.shape(), (Shape{2, 2, 6, 9}));
  EXPECT_EQ(z.to_vector(), conv_transpose2d(y, deconv.weight(), deconv.bias(), to).to_vector());

  Pool2dOptions po;
  po.kernel = {3, 3};
  po.stride = {2, 2};
  po.padding = {1, 1};
  po.ceil_mode = true;
  EXPECT_EQ(nn::MaxPool2d(po)(z).to_vector(), max_pool2d(z, po).to_vector());
  EXPECT_EQ(nn::AvgPool2d(po)(z).to_vector(), avg_pool2d(z, po).to_vector());
  EXPECT_EQ(nn::Upsample(2, UpsampleMode::kBilinear)(z).to_vector(),
            upsample2d(z, 2, 2, UpsampleMode::kBilinear).to_vector());

  // Gradients reach both modules' parameters.
  backward(sum(deconv(conv(x))));
  for (Tensor* p : {&conv.weight(), &conv.bias(), &deconv.weight(), &deconv.bias()}) {
    ASSERT_TRUE(p->grad().defined());
    EXPECT_EQ(p->grad().shape(), p->shape());
    EXPECT_EQ(p->grad().device(), d);
  }
}

TEST_P(ConvModulesOnDevice, FlattenAndUnflatten) {
  HG_REQUIRE_DEVICE(GetParam());
  const Device d = GetParam();
  const std::vector<float> values = random_floats(2 * 3 * 2 * 2, 5);
  Tensor x = Tensor::from_vector(values, Shape{2, 3, 2, 2}, d);
  x.set_requires_grad(true);
  const Tensor flat = nn::Flatten()(x);
  EXPECT_EQ(flat.shape(), (Shape{2, 12}));
  EXPECT_EQ(flat.to_vector(), values);
  nn::Unflatten unflatten({3, 4});
  const Tensor back = unflatten(flat);
  EXPECT_EQ(back.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(back.to_vector(), values);
  backward(sum(back));
  EXPECT_EQ(x.grad().to_vector(), std::vector<float>(values.size(), 1.0f));
}

INSTANTIATE_TEST_SUITE_P(Devices, ConvModulesOnDevice, ::testing::ValuesIn(test_devices()),
                         [](const auto& info) { return device_test_name(info.param); });

TEST(ConvModulesErrors, BadSizesAndInputs) {
  expect_error([] { nn::Conv2d(0, 3, 3); }, {"Conv2d", "must be positive"});
  expect_error(
      [] {
        nn::ConvTranspose2d(2, 3, {3, 0});
      },
      {"ConvTranspose2d", "kernel size must be positive", "(3, 0)"});
  nn::Conv2d conv(3, 2, 3);
  expect_error(
      [&] {
        conv(Tensor::zeros(Shape{1, 2, 5, 5}));
      },
      {"Conv2d(3, 2)", "expected input [N, 3, H, W]", "[1, 2, 5, 5]"});
  nn::ConvTranspose2d deconv(4, 2, 3);
  expect_error(
      [&] {
        deconv(Tensor::zeros(Shape{4, 5, 5}));
      },
      {"ConvTranspose2d(4, 2)", "[N, 4, H, W]", "[4, 5, 5]"});
  expect_error([] { nn::Flatten()(Tensor::zeros(Shape{5})); }, {"Flatten", "rank >= 2", "[5]"});
  nn::Unflatten unflatten({2, 3});
  expect_error(
      [&] {
        unflatten(Tensor::zeros(Shape{4, 5}));
      },
      {"Unflatten", "expected an input [N, 6]", "[4, 5]"});
  expect_error([] { nn::Unflatten({2, 0})(Tensor::zeros(Shape{1, 0})); }, {"must be positive"});
}

}  // namespace
}  // namespace hg::testing
