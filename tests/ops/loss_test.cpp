// Losses through the op harness on every device: MSE, BCE on logits, BCE on probabilities and
// softmax cross-entropy (mean and sum), including extreme logits (|x| = 100), BCE at p = 0 and
// 1, bad labels and shape errors.
//
// Tolerances: forward abs 1e-5, rel 1e-5 (a sum of per-element losses in double, one float
// rounding per element); extreme logits rel 1e-5 (values ~100); gradients abs/rel 1e-3.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "hourglass/hourglass.h"
#include "hourglass/ops/ops.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

class LossOps : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(LossOps);

using LossFn = Tensor (*)(const Tensor&, const Tensor&, Reduction);

double mse_ref(double x, double t) {
  return (x - t) * (x - t);
}
double bce_logits_ref(double x, double t) {
  return std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::fabs(x)));
}
double bce_ref(double p, double t) {
  return -(t * std::max(std::log(p), -100.0) + (1 - t) * std::max(std::log(1 - p), -100.0));
}

struct PointwiseCase {
  const char* name;
  LossFn fn;
  double (*ref)(double, double);
  ValueGen x;
  ValueGen t;
};

std::vector<PointwiseCase> pointwise_cases() {
  return {
      {"mse_loss", mse_loss, mse_ref, uniform(-2, 2), uniform(-2, 2)},
      {"bce_with_logits", bce_with_logits, bce_logits_ref, uniform(-6, 6), uniform(0, 1)},
      {"bce_with_logits, binary targets", bce_with_logits, bce_logits_ref, uniform(-6, 6),
       one_of({0.0, 1.0})},
      {"bce_with_logits, |x| = 100", bce_with_logits, bce_logits_ref, signed_magnitude(99, 100),
       one_of({0.0, 0.3, 1.0})},
      {"binary_cross_entropy", binary_cross_entropy, bce_ref, uniform(0.05, 0.95), uniform(0, 1)},
  };
}

OpCase pointwise_loss_case(const PointwiseCase& pc, Reduction reduction, Rng& rng) {
  const Shape s = pick(rng, {0, 1}) ? Shape{pick(rng), pick(rng, {1, 3, 7, 37})}
                                    : Shape{pick(rng, {1, 2, 3}), 3, 5, pick(rng, {1, 4, 7})};
  const bool is_mean = reduction == Reduction::kMean;
  OpCase c;
  c.name = std::string(pc.name) + (is_mean ? " (mean)" : " (sum)");
  c.inputs = {float_input("input", s, pc.x), float_input("target", s, pc.t, false)};
  c.op = [fn = pc.fn, reduction](const std::vector<Tensor>& in) {
    return fn(in[0], in[1], reduction);
  };
  c.output_shape = Shape{};
  c.reference = [ref = pc.ref, is_mean](const HostValues& v) {
    double total = 0.0;
    for (size_t i = 0; i < v[0].size(); ++i)
      total += ref(v[0][i], v[1][i]);
    return std::vector<double>{is_mean ? total / double(v[0].size()) : total};
  };
  return c;
}

TEST_P(LossOps, Pointwise) {
  HG_REQUIRE_DEVICE(device());
  for (const PointwiseCase& pc : pointwise_cases())
    for (Reduction r : {Reduction::kMean, Reduction::kSum})
      check_op(device(), [&](Rng& rng) { return pointwise_loss_case(pc, r, rng); });
}

OpCase softmax_case(Reduction reduction, ValueGen logits, Rng& rng) {
  const int64_t rows = pick(rng, {1, 3, 7, 37}), classes = pick(rng, {1, 2, 3, 10, 37});
  const bool is_mean = reduction == Reduction::kMean;
  OpCase c;
  c.name = std::string("softmax_cross_entropy") + (is_mean ? " (mean)" : " (sum)");
  c.inputs = {float_input("logits", Shape{rows, classes}, std::move(logits)),
              int_input("labels", Shape{rows}, integers(0, classes))};
  c.op = [reduction](const std::vector<Tensor>& in) {
    return softmax_cross_entropy(in[0], in[1], reduction);
  };
  c.output_shape = Shape{};
  c.reference = [rows, classes, is_mean](const HostValues& v) {
    double total = 0.0;
    for (int64_t r = 0; r < rows; ++r) {
      const double* x = v[0].data() + r * classes;
      const double m = *std::max_element(x, x + classes);
      double s = 0.0;
      for (int64_t k = 0; k < classes; ++k)
        s += std::exp(x[k] - m);
      total += m + std::log(s) - x[int64_t(v[1][r])];
    }
    return std::vector<double>{is_mean ? total / double(rows) : total};
  };
  return c;
}

TEST_P(LossOps, SoftmaxCrossEntropy) {
  HG_REQUIRE_DEVICE(device());
  for (Reduction r : {Reduction::kMean, Reduction::kSum})
    check_op(device(), [&](Rng& rng) { return softmax_case(r, uniform(-5, 5), rng); });
}

TEST_P(LossOps, SoftmaxCrossEntropyExtremeLogits) {
  HG_REQUIRE_DEVICE(device());
  for (Reduction r : {Reduction::kMean, Reduction::kSum})
    check_op(device(), [&](Rng& rng) {
      OpCase c = softmax_case(r, signed_magnitude(99, 100), rng);
      c.forward = {1e-4, 1e-5};
      return c;
    });
}

TEST_P(LossOps, BceAtProbabilityZeroAndOneIsClampedAndFinite) {
  HG_REQUIRE_DEVICE(device());
  Tensor p = Tensor::from_vector(std::vector<float>{0, 1, 0, 1}, Shape{4}, device());
  p.set_requires_grad(true);
  const Tensor t = Tensor::from_vector(std::vector<float>{0, 1, 1, 0}, Shape{4}, device());
  const Tensor loss = binary_cross_entropy(p, t, Reduction::kSum);
  // Right answers cost 0; wrong ones hit the log clamp at -100.
  EXPECT_FLOAT_EQ(loss.item(), 200.0f);
  EXPECT_FLOAT_EQ(binary_cross_entropy(p.detach(), t).item(), 50.0f);
  backward(loss);
  for (float g : p.grad().to_vector())
    EXPECT_TRUE(std::isfinite(g)) << g;
}

TEST_P(LossOps, ExtremeLogitsGiveFiniteGradients) {
  HG_REQUIRE_DEVICE(device());
  Tensor x = Tensor::from_vector(std::vector<float>{-100, 100, -100, 100}, Shape{2, 2}, device());
  x.set_requires_grad(true);
  const Tensor t = Tensor::from_vector(std::vector<float>{1, 0, 0, 1}, Shape{2, 2}, device());
  const Tensor labels = Tensor::from_vector(std::vector<int32_t>{0, 1}, Shape{2}, device());
  const Tensor loss = bce_with_logits(x, t) + softmax_cross_entropy(x, labels);
  EXPECT_TRUE(std::isfinite(loss.item()));
  backward(loss);
  for (float g : x.grad().to_vector())
    EXPECT_TRUE(std::isfinite(g)) << g;
}

TEST_P(LossOps, BadLabelsAreRejectedBeforeAnyKernelRuns) {
  HG_REQUIRE_DEVICE(device());
  const Tensor logits = Tensor::zeros(Shape{4, 3}, device());
  expect_error(
      [&] {
        softmax_cross_entropy(
            logits, Tensor::from_vector(std::vector<int32_t>{0, 2, 3, 7}, Shape{4}, device()));
      },
      {"softmax_cross_entropy", "label 3", "row 2", "[0, 3)"});
  expect_error(
      [&] {
        softmax_cross_entropy(
            logits, Tensor::from_vector(std::vector<int32_t>{-1, 0, 0, 0}, Shape{4}, device()));
      },
      {"softmax_cross_entropy", "label -1", "row 0"});
}

TEST(LossErrors, MessagesNameOpAndShapes) {
  const Tensor x = Tensor::zeros(Shape{2, 3});
  const Tensor t = Tensor::zeros(Shape{3, 2});
  expect_error([&] { mse_loss(x, t); }, {"mse_loss", "[2, 3]", "[3, 2]"});
  expect_error([&] { bce_with_logits(x, t); }, {"bce_with_logits", "[2, 3]", "[3, 2]"});
  expect_error([&] { binary_cross_entropy(x, t); }, {"binary_cross_entropy", "[2, 3]", "[3, 2]"});
  expect_error([&] { softmax_cross_entropy(x, Tensor::zeros(Shape{2})); },
               {"softmax_cross_entropy", "int32", "float32"});
  expect_error(
      [&] { softmax_cross_entropy(x, Tensor::zeros(Shape{3}, Device::cpu(), DType::kInt32)); },
      {"softmax_cross_entropy", "[2, 3]", "[3]"});
}

}  // namespace
}  // namespace hg::testing
