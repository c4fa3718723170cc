// keras_init (nn/init.h): Keras's glorot_uniform bound from each weight's fans, zero biases, the
// uniform distribution's moments, and determinism per generator.
#include <gtest/gtest.h>

#include <cmath>

#include "hourglass/nn/conv.h"
#include "hourglass/nn/init.h"
#include "hourglass/nn/linear.h"
#include "hourglass/nn/sequential.h"

namespace hg::testing {
namespace {

// Every weight lies in [-a, a] with a = sqrt(6 / (fan_in + fan_out)); its mean is 0 and its
// variance a^2 / 3 within 5 standard errors of the sample moments; biases are exactly zero.
void expect_glorot(const Tensor& weight, double fan_sum, const char* what) {
  const double a = std::sqrt(6.0 / fan_sum);
  const std::vector<float> w = weight.to_vector();
  double sum = 0, sum2 = 0;
  for (float v : w) {
    ASSERT_LE(std::abs(v), a) << what;
    sum += v, sum2 += double(v) * v;
  }
  const double n = double(w.size()), mean = sum / n, var = sum2 / n - mean * mean;
  // U(-a, a): variance a^2/3; the sample mean's standard error is a/sqrt(3n), the variance's
  // about a^2 * sqrt(4/45) / sqrt(n).
  EXPECT_NEAR(mean, 0.0, 5 * a / std::sqrt(3 * n)) << what;
  EXPECT_NEAR(var, a * a / 3, 5 * a * a * std::sqrt(4.0 / 45.0) / std::sqrt(n)) << what;
}

void expect_zero(const Tensor& bias, const char* what) {
  for (float v : bias.to_vector())
    ASSERT_EQ(v, 0.0f) << what;
}

TEST(KerasInit, LinearAndConvWeightsUseTheirFans) {
  nn::Sequential model;
  model.add(std::make_shared<nn::Linear>(301, 17));
  model.add(std::make_shared<nn::Conv2d>(3, 5, 3));
  model.add(std::make_shared<nn::ConvTranspose2d>(6, 4, 5));
  Generator gen(12);
  nn::keras_init(model, gen);
  const auto p = model.named_parameters();
  ASSERT_EQ(p.size(), 6u);
  expect_glorot(p[0].second, 301 + 17, "linear weight [17, 301]");
  expect_zero(p[1].second, "linear bias");
  expect_glorot(p[2].second, (3 + 5) * 9, "conv weight [5, 3, 3, 3]");
  expect_zero(p[3].second, "conv bias");
  expect_glorot(p[4].second, (6 + 4) * 25, "transposed conv weight [6, 4, 5, 5]");
  expect_zero(p[5].second, "transposed conv bias");
}

TEST(KerasInit, SameGeneratorSameWeightsOtherSeedOtherWeights) {
  nn::Linear a(40, 30), b(40, 30), c(40, 30);
  Generator ga(5), gb(5), gc(6);
  nn::keras_init(a, ga);
  nn::keras_init(b, gb);
  nn::keras_init(c, gc);
  EXPECT_EQ(a.named_parameters()[0].second.to_vector(), b.named_parameters()[0].second.to_vector());
  EXPECT_NE(a.named_parameters()[0].second.to_vector(), c.named_parameters()[0].second.to_vector());
}

}  // namespace
}  // namespace hg::testing
