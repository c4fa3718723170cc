// The autograd tape: shared inputs, reused intermediates, broadcast gradients, accumulation on
// leaves, zero_grad, NoGrad, and the errors (consumed tape, non-scalar loss, non-differentiable
// op), with the tape emptied after every backward.
#include <gtest/gtest.h>

#include "hourglass/core/autograd.h"
#include "hourglass/hourglass.h"
#include "hourglass/ops/ops.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

class AutogradTest : public DeviceTest {
 protected:
  void SetUp() override { clear_tape(); }
  void TearDown() override { clear_tape(); }

  Tensor leaf(const std::vector<float>& v, const Shape& s) {
    Tensor t = Tensor::from_vector(v, s, device());
    t.set_requires_grad(true);
    return t;
  }
};
HG_INSTANTIATE_DEVICE_TESTS(AutogradTest);

void expect_values(const Tensor& t, const std::vector<float>& want) {
  ASSERT_TRUE(t.defined()) << "no gradient";
  const std::vector<float> got = t.to_vector();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_FLOAT_EQ(got[i], want[i]) << "element " << i;
}

TEST_P(AutogradTest, SharedInputs) {
  HG_REQUIRE_DEVICE(device());
  Tensor x = leaf({1, -2, 3}, Shape{3});
  backward(sum(x * x));
  expect_values(x.grad(), {2, -4, 6});
  EXPECT_EQ(tape_size(), 0u);
}

TEST_P(AutogradTest, ReusedIntermediates) {
  HG_REQUIRE_DEVICE(device());
  Tensor x = leaf({1, 2}, Shape{2});
  const Tensor y = x * 2.0f;        // y = 2x
  const Tensor z = sum(y * y + y);  // dz/dx = (2y + 1) * 2
  EXPECT_GT(tape_size(), 0u);
  backward(z);
  expect_values(x.grad(), {10, 18});
  EXPECT_EQ(tape_size(), 0u);
}

TEST_P(AutogradTest, BroadcastGradientsSumBack) {
  HG_REQUIRE_DEVICE(device());
  Tensor a = leaf({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  Tensor b = leaf({10, 20, 30}, Shape{3});
  Tensor s = leaf({2}, Shape{});
  Tensor w = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, Shape{2, 3}, device());
  backward(sum((a + b) * s * w));
  expect_values(a.grad(), {2, 4, 6, 8, 10, 12});  // s * w
  expect_values(b.grad(), {10, 14, 18});          // column sums of s * w
  // ds = sum((a + b) * w)
  expect_values(s.grad(), {11 * 1 + 22 * 2 + 33 * 3 + 14 * 4 + 25 * 5 + 36 * 6});
  EXPECT_EQ(b.grad().shape(), Shape{3});
  EXPECT_EQ(s.grad().shape(), Shape{});
}

TEST_P(AutogradTest, LeafGradientsAccumulateUntilZeroGrad) {
  HG_REQUIRE_DEVICE(device());
  Tensor x = leaf({1, 2}, Shape{2});
  backward(sum(x * 3.0f));
  expect_values(x.grad(), {3, 3});
  backward(sum(x * x));
  expect_values(x.grad(), {5, 7});  // 3 + 2x
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  backward(sum(x));
  expect_values(x.grad(), {1, 1});
}

TEST_P(AutogradTest, NoGradRecordsNothing) {
  HG_REQUIRE_DEVICE(device());
  Tensor x = leaf({1, 2}, Shape{2});
  {
    NoGrad no_grad;
    EXPECT_FALSE(grad_enabled());
    const Tensor y = sum(sigmoid(x) * x + 1.0f);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(tape_size(), 0u);
    { NoGrad nested; }
    EXPECT_FALSE(grad_enabled());
  }
  EXPECT_TRUE(grad_enabled());
  EXPECT_TRUE((x * 2.0f).requires_grad());
}

TEST_P(AutogradTest, DetachCutsTheGraph) {
  HG_REQUIRE_DEVICE(device());
  Tensor x = leaf({1, 2}, Shape{2});
  backward(sum(x * x.detach()));
  expect_values(x.grad(), {1, 2});
}

TEST_P(AutogradTest, GradientFlowsAcrossDevices) {
  HG_REQUIRE_DEVICE(device());
  Tensor x = leaf({1, 2}, Shape{2});
  const Tensor on_cpu = x.to(Device::cpu());
  backward(sum(on_cpu * on_cpu));
  expect_values(x.grad(), {2, 4});
  EXPECT_EQ(x.grad().device(), device());
}

TEST_P(AutogradTest, SecondBackwardThroughTheSameForwardIsAnError) {
  HG_REQUIRE_DEVICE(device());
  Tensor x = leaf({1, 2}, Shape{2});
  const Tensor loss = sum(x * x);
  backward(loss);
  expect_error([&] { backward(loss); }, {"already consumed"});
  expect_values(x.grad(), {2, 4});  // the failed call changed nothing
}

TEST_P(AutogradTest, NonScalarLossIsAnError) {
  HG_REQUIRE_DEVICE(device());
  Tensor x = leaf({1, 2}, Shape{2});
  expect_error([&] { backward(x * 2.0f); }, {"scalar", "[2]"});
  expect_error([&] { backward(sum(Tensor::ones(Shape{2}, device()))); }, {"does not require grad"});
}

TEST_P(AutogradTest, NonDifferentiableOpIsNamed) {
  HG_REQUIRE_DEVICE(device());
  Tensor x = leaf({1, 2}, Shape{2});
  const Tensor y = Tensor::zeros(Shape{2}, device());
  autograd::record("test_step_function", {x}, y, nullptr);
  const Tensor loss = sum(y * x);
  expect_error([&] { backward(loss); }, {"test_step_function", "not differentiable"});
  EXPECT_EQ(tape_size(), 0u);
}

TEST_P(AutogradTest, ClearTapeDropsNodes) {
  HG_REQUIRE_DEVICE(device());
  Tensor x = leaf({1, 2}, Shape{2});
  const Tensor loss = sum(exp(x));
  EXPECT_EQ(tape_size(), 2u);
  clear_tape();
  EXPECT_EQ(tape_size(), 0u);
  expect_error([&] { backward(loss); }, {"already consumed"});
}

}  // namespace
}  // namespace hg::testing
