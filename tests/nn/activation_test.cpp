// Activation modules against their formulas on every device, Sequential composition, and
// make_activation's names and error.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>

#include "hourglass/nn/activation.h"
#include "hourglass/nn/linear.h"
#include "hourglass/nn/sequential.h"
#include "nn/nn_test_util.h"
#include "support/devices.h"

namespace hg::testing {
namespace {

class ActivationTest : public ::testing::TestWithParam<Device> {};

void check_activation(nn::Module& module, const std::function<double(double)>& f, Device device) {
  const std::vector<float> x = random_floats(64, 21, 5.0f);
  const Tensor y = module(Tensor::from_vector(x, Shape{4, 16}, device));
  EXPECT_EQ(y.shape(), (Shape{4, 16}));
  EXPECT_EQ(y.device(), device);
  std::vector<double> expected(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    expected[i] = f(x[i]);
  expect_near_all(y.to_vector(), expected, 2e-6, module.type_name());
  EXPECT_TRUE(module.parameters().empty());
}

TEST_P(ActivationTest, ModulesMatchFormulas) {
  const Device d = GetParam();
  HG_REQUIRE_DEVICE(d);
  nn::ReLU relu;
  check_activation(
      relu, [](double x) { return x > 0 ? x : 0.0; }, d);
  nn::LeakyReLU leaky(0.2f);
  EXPECT_FLOAT_EQ(leaky.negative_slope(), 0.2f);
  check_activation(
      leaky, [](double x) { return x > 0 ? x : double(0.2f) * x; }, d);
  nn::Sigmoid sigmoid;
  check_activation(
      sigmoid, [](double x) { return 1.0 / (1.0 + std::exp(-x)); }, d);
  nn::Tanh tanh_module;
  check_activation(
      tanh_module, [](double x) { return std::tanh(x); }, d);
  nn::Softplus softplus;
  check_activation(
      softplus, [](double x) { return std::log1p(std::exp(x)); }, d);
  nn::Identity identity;
  check_activation(
      identity, [](double x) { return x; }, d);
  const Tensor x = Tensor::zeros(Shape{2}, d);
  EXPECT_TRUE(identity(x).same_storage(x));
}

TEST_P(ActivationTest, SequentialComposesInOrder) {
  const Device d = GetParam();
  HG_REQUIRE_DEVICE(d);
  Generator gen(3);
  auto first = std::make_shared<nn::Linear>(5, 4, true, &gen);
  auto second = std::make_shared<nn::Linear>(4, 2, true, &gen);
  nn::Sequential model({first, std::make_shared<nn::Tanh>(), second});
  const std::vector<float> w1 = first->weight().to_vector(), b1 = first->bias().to_vector();
  const std::vector<float> w2 = second->weight().to_vector(), b2 = second->bias().to_vector();
  model.to(d);
  const std::vector<float> x = random_floats(3 * 5, 4);
  const Tensor y = model(Tensor::from_vector(x, Shape{3, 5}, d));
  std::vector<double> h = linear_reference(x, w1, b1, 3, 5, 4);
  std::vector<float> hf(h.size());
  for (size_t i = 0; i < h.size(); ++i)
    hf[i] = static_cast<float>(std::tanh(h[i]));
  expect_near_all(y.to_vector(), linear_reference(hf, w2, b2, 3, 4, 2), 1e-5, "sequential");

  nn::Sequential empty;
  const Tensor x2 = Tensor::ones(Shape{2, 2}, d);
  EXPECT_TRUE(empty(x2).same_storage(x2));
}

INSTANTIATE_TEST_SUITE_P(Devices, ActivationTest, ::testing::ValuesIn(test_devices()),
                         [](const auto& info) { return device_test_name(info.param); });

TEST(MakeActivation, ByName) {
  const std::pair<const char*, const char*> cases[] = {
      {"relu", "ReLU"},      {"leaky_relu", "LeakyReLU"}, {"sigmoid", "Sigmoid"},
      {"tanh", "Tanh"},      {"softplus", "Softplus"},    {"identity", "Identity"},
      {"linear", "Identity"}};
  for (const auto& [name, type] : cases) {
    auto module = nn::make_activation(name);
    ASSERT_NE(module, nullptr) << name;
    EXPECT_EQ(module->type_name(), type) << name;
  }
  auto leaky = std::dynamic_pointer_cast<nn::LeakyReLU>(nn::make_activation("leaky_relu"));
  ASSERT_NE(leaky, nullptr);
  EXPECT_FLOAT_EQ(leaky->negative_slope(), 0.01f);  // PyTorch's default
}

TEST(MakeActivation, UnknownNameListsValidOnes) {
  expect_error(
      [] { nn::make_activation("gelu"); },
      {"unknown activation 'gelu'", "relu, leaky_relu, sigmoid, tanh, softplus, identity, linear"});
  expect_error([] { nn::make_activation("ReLU"); }, {"'ReLU'"});
}

}  // namespace
}  // namespace hg::testing
