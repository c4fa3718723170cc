// Linear: forward against a double reference on every device, PyTorch's initialisation (range,
// mean and variance of U(-1/sqrt(in), 1/sqrt(in)), draw order from the generator), gradients
// reaching weight and bias, and input checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "hourglass/core/autograd.h"
#include "hourglass/core/rng.h"
#include "hourglass/nn/linear.h"
#include "hourglass/ops/reduce.h"
#include "nn/nn_test_util.h"
#include "support/devices.h"

namespace hg::testing {
namespace {

class LinearTest : public ::testing::TestWithParam<Device> {};

TEST_P(LinearTest, ForwardMatchesDoubleReference) {
  HG_REQUIRE_DEVICE(GetParam());
  for (bool bias : {true, false}) {
    Generator gen(11);
    nn::Linear layer(7, 4, bias, &gen);
    const std::vector<float> w = layer.weight().to_vector();
    const std::vector<float> b = bias ? layer.bias().to_vector() : std::vector<float>{};
    EXPECT_EQ(layer.bias().defined(), bias);
    layer.to(GetParam());
    const std::vector<float> x = random_floats(5 * 7, 3, 2.0f);
    const Tensor y = layer(Tensor::from_vector(x, Shape{5, 7}, GetParam()));
    EXPECT_EQ(y.shape(), (Shape{5, 4}));
    EXPECT_EQ(y.device(), GetParam());
    expect_near_all(y.to_vector(), linear_reference(x, w, b, 5, 7, 4), 1e-5,
                    bias ? "with bias" : "without bias");
  }
}

TEST_P(LinearTest, GradientsReachWeightAndBias) {
  HG_REQUIRE_DEVICE(GetParam());
  Generator gen(5);
  nn::Linear layer(3, 2, true, &gen);
  layer.to(GetParam());
  const std::vector<float> x = random_floats(4 * 3, 8);
  // d/dW sum(x W^T + b) = column sums of x for every output row; d/db = the batch size.
  backward(sum(layer(Tensor::from_vector(x, Shape{4, 3}, GetParam()))));
  ASSERT_TRUE(layer.weight().grad().defined());
  ASSERT_TRUE(layer.bias().grad().defined());
  std::vector<double> expected_w(6);
  for (int o = 0; o < 2; ++o)
    for (int i = 0; i < 3; ++i)
      for (int n = 0; n < 4; ++n)
        expected_w[o * 3 + i] += x[n * 3 + i];
  expect_near_all(layer.weight().grad().to_vector(), expected_w, 1e-5, "weight grad");
  expect_near_all(layer.bias().grad().to_vector(), {4.0, 4.0}, 1e-6, "bias grad");
}

INSTANTIATE_TEST_SUITE_P(Devices, LinearTest, ::testing::ValuesIn(test_devices()),
                         [](const auto& info) { return device_test_name(info.param); });

TEST(LinearInit, UniformWithPyTorchBound) {
  Generator gen(2024);
  const int64_t in = 400, out = 320;
  nn::Linear layer(in, out, true, &gen);
  const double bound = 1.0 / std::sqrt(double(in));
  const std::vector<float> w = layer.weight().to_vector();
  ASSERT_EQ(w.size(), size_t(in * out));
  EXPECT_EQ(layer.weight().shape(), (Shape{out, in}));
  EXPECT_EQ(layer.bias().shape(), (Shape{out}));
  const auto [lo, hi] = std::minmax_element(w.begin(), w.end());
  EXPECT_GE(*lo, -bound);
  EXPECT_LE(*hi, bound);
  EXPECT_LT(*lo, -0.999 * bound);  // the whole range is used
  EXPECT_GT(*hi, 0.999 * bound);
  // U(-b, b): mean 0, variance b^2/3. With n = 128000 the standard error of the mean is
  // b / sqrt(3n) and that of the variance about 0.3 b^2 / sqrt(n): bounds are ~5 of those.
  const double n = double(w.size());
  const double mean = std::accumulate(w.begin(), w.end(), 0.0) / n;
  double var = 0.0;
  for (float v : w)
    var += (v - mean) * (v - mean);
  var /= n;
  EXPECT_LT(std::fabs(mean), 5.0 * bound / std::sqrt(3.0 * n));
  EXPECT_NEAR(var / (bound * bound / 3.0), 1.0, 5.0 * 0.3 * 3.0 / std::sqrt(n));
  for (float v : layer.bias().to_vector()) {
    EXPECT_GE(v, -bound);
    EXPECT_LE(v, bound);
  }
}

TEST(LinearInit, DrawsWeightThenBiasFromTheGenerator) {
  Generator gen(77);
  nn::Linear layer(6, 5, true, &gen);
  const float b = static_cast<float>(1.0 / std::sqrt(6.0));
  Generator replay(77);
  const Tensor w = Tensor::rand(Shape{5, 6}, Device::cpu(), -b, b, &replay);
  const Tensor bias = Tensor::rand(Shape{5}, Device::cpu(), -b, b, &replay);
  EXPECT_EQ(layer.weight().to_vector(), w.to_vector());
  EXPECT_EQ(layer.bias().to_vector(), bias.to_vector());
  EXPECT_EQ(gen.offset(), replay.offset());
  EXPECT_TRUE(layer.weight().requires_grad());
  EXPECT_TRUE(layer.bias().requires_grad());
}

TEST(LinearInit, DefaultGeneratorWhenNoneGiven) {
  manual_seed(123);
  nn::Linear a(4, 3);
  manual_seed(123);
  nn::Linear b(4, 3);
  EXPECT_EQ(a.weight().to_vector(), b.weight().to_vector());
  EXPECT_EQ(a.bias().to_vector(), b.bias().to_vector());
  nn::Linear c(4, 3);  // the default stream has moved on
  EXPECT_NE(a.weight().to_vector(), c.weight().to_vector());
}

TEST(LinearErrors, BadSizesAndInputs) {
  expect_error([] { nn::Linear(0, 3); }, {"in_features and out_features must be positive"});
  expect_error([] { nn::Linear(3, -1); }, {"-1"});
  nn::Linear layer(3, 2);
  expect_error(
      [&] {
        layer(Tensor::zeros(Shape{4, 5}));
      },
      {"Linear(3, 2)", "expected input [N, 3]", "[4, 5]"});
  expect_error([&] { layer(Tensor::zeros(Shape{3})); }, {"[3]"});
}

}  // namespace
}  // namespace hg::testing
