// Matrix products through the op harness on every device: matmul with every transpose
// combination on odd sizes (37x53x29 and random ones), linear with and without bias, empty
// dimensions, and the error messages.
//
// Tolerances: forward abs 1e-4, rel 1e-4 (53-term float dot products of values in [-1, 1]);
// gradients abs/rel 1e-3.
#include <gtest/gtest.h>

#include "hourglass/hourglass.h"
#include "hourglass/ops/ops.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

class MatmulOps : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(MatmulOps);

OpCase matmul_case(int64_t m, int64_t k, int64_t n, bool ta, bool tb) {
  const Shape sa = ta ? Shape{k, m} : Shape{m, k};
  const Shape sb = tb ? Shape{n, k} : Shape{k, n};
  OpCase c;
  c.name = std::string("matmul") + (ta ? " A^T" : " A") + (tb ? " B^T" : " B");
  c.inputs = {float_input("a", sa, uniform(-1, 1)), float_input("b", sb, uniform(-1, 1))};
  c.op = [ta, tb](const std::vector<Tensor>& in) { return matmul(in[0], in[1], ta, tb); };
  c.output_shape = Shape{m, n};
  c.reference = [=](const HostValues& v) {
    return ref_matmul(v[0], sa[0], sa[1], ta, v[1], sb[0], sb[1], tb);
  };
  c.forward = {1e-4, 1e-4};
  return c;
}

TEST_P(MatmulOps, EveryTransposeOn37x53x29) {
  HG_REQUIRE_DEVICE(device());
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      check_op(device(), [&](Rng&) { return matmul_case(37, 53, 29, ta, tb); });
}

TEST_P(MatmulOps, RandomOddSizes) {
  HG_REQUIRE_DEVICE(device());
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      check_op(device(), [&](Rng& rng) {
        return matmul_case(pick(rng, {1, 3, 7, 37}), pick(rng, {1, 3, 7, 37}),
                           pick(rng, {1, 3, 7, 37}), ta, tb);
      });
}

TEST_P(MatmulOps, Linear) {
  HG_REQUIRE_DEVICE(device());
  for (bool with_bias : {true, false}) {
    check_op(device(), [&](Rng& rng) {
      const int64_t rows = pick(rng, {1, 3, 7, 37}), in = pick(rng, {1, 3, 7, 37}),
                    out = pick(rng, {1, 3, 7, 37});
      OpCase c;
      c.name = with_bias ? "linear(x, W, b)" : "linear(x, W)";
      c.inputs = {float_input("x", Shape{rows, in}, uniform(-1, 1)),
                  float_input("weight", Shape{out, in}, uniform(-1, 1))};
      if (with_bias) c.inputs.push_back(float_input("bias", Shape{out}, uniform(-1, 1)));
      c.op = [with_bias](const std::vector<Tensor>& v) {
        return with_bias ? linear(v[0], v[1], v[2]) : linear(v[0], v[1]);
      };
      c.output_shape = Shape{rows, out};
      c.reference = [=](const HostValues& v) {
        std::vector<double> y = ref_matmul(v[0], rows, in, false, v[1], out, in, true);
        if (with_bias)
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < out; ++j)
              y[r * out + j] += v[2][j];
        return y;
      };
      c.forward = {1e-4, 1e-4};
      return c;
    });
  }
}

TEST_P(MatmulOps, EmptyInnerDimensionGivesZeros) {
  HG_REQUIRE_DEVICE(device());
  const Tensor a = Tensor::zeros(Shape{3, 0}, device());
  const Tensor b = Tensor::zeros(Shape{0, 4}, device());
  const Tensor c = matmul(a, b);
  EXPECT_EQ(c.shape(), (Shape{3, 4}));
  EXPECT_EQ(c.to_vector(), std::vector<float>(12, 0.0f));
  EXPECT_EQ(
      matmul(Tensor::zeros(Shape{0, 5}, device()), Tensor::zeros(Shape{5, 2}, device())).shape(),
      (Shape{0, 2}));
  // A bias still applies when there are no input features.
  const Tensor y =
      linear(Tensor::zeros(Shape{2, 0}, device()), Tensor::zeros(Shape{3, 0}, device()),
             Tensor::full(Shape{3}, 1.5f, device()));
  EXPECT_EQ(y.to_vector(), std::vector<float>(6, 1.5f));
}

TEST(MatmulErrors, MessagesNameOpAndShapes) {
  const Tensor a = Tensor::zeros(Shape{2, 3});
  const Tensor b = Tensor::zeros(Shape{4, 5});
  expect_error([&] { matmul(a, b); }, {"matmul", "[2, 3]", "[4, 5]"});
  expect_error([&] { matmul(a, a, true, true); }, {"matmul", "[2, 3]", "transposed"});
  expect_error([&] { matmul(Tensor::zeros(Shape{3}), b); }, {"matmul", "2-D", "[3]", "[4, 5]"});
  expect_error([&] { linear(a, b); }, {"linear", "[2, 3]", "[4, 5]"});
  expect_error(
      [&] {
        linear(a, Tensor::zeros(Shape{4, 3}), Tensor::zeros(Shape{5}));
      },
      {"linear", "bias", "[5]", "[4, 3]"});
}

}  // namespace
}  // namespace hg::testing
