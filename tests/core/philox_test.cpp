// Philox-4x32-10: the published known-answer vector, stream statistics of the uniform and
// normal draws (1e5 samples), reproducibility from (seed, offset), the stream layout, and the
// same numbers on every device.
//
// philox.h comes first: it calls log/sqrt unqualified, which hg::log / hg::sqrt (Tensor ops)
// would otherwise hide inside namespace hg.
#include "hourglass/kernels/common/philox.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "hourglass/core/rng.h"
#include "hourglass/hourglass.h"
#include "hourglass/kernels/backend.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

class PhiloxTest : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(PhiloxTest);

TEST(Philox, KnownAnswerForZeroCounterAndKey) {
  // Random123's kat_vectors: philox4x32_10 with ctr = {0, 0, 0, 0} and key = {0, 0}.
  const kernels::Philox4 r = kernels::philox4x32_10(0, 0);
  EXPECT_EQ(r.v[0], 0x6627e8d5u);
  EXPECT_EQ(r.v[1], 0xe169c58du);
  EXPECT_EQ(r.v[2], 0xbc57ac4cu);
  EXPECT_EQ(r.v[3], 0x9b00dbd8u);
}

struct Moments {
  double mean, variance, min, max;
};

Moments moments(const std::vector<float>& v) {
  double s = 0.0, s2 = 0.0, lo = v[0], hi = v[0];
  for (float x : v) {
    s += x;
    s2 += double(x) * x;
    lo = std::min(lo, double(x));
    hi = std::max(hi, double(x));
  }
  const double n = double(v.size()), mean = s / n;
  return {mean, s2 / n - mean * mean, lo, hi};
}

constexpr int64_t kSamples = 100000;

TEST_P(PhiloxTest, NormalStatistics) {
  HG_REQUIRE_DEVICE(device());
  Generator gen(1234);
  const Moments m = moments(Tensor::randn(Shape{kSamples}, device(), 0.0f, 1.0f, &gen).to_vector());
  // Six standard errors: sd(mean) = 1/sqrt(n) ~ 0.0032, sd(var) = sqrt(2/n) ~ 0.0045.
  EXPECT_NEAR(m.mean, 0.0, 0.02);
  EXPECT_NEAR(m.variance, 1.0, 0.027);
  EXPECT_LT(m.min, -3.5);  // tails are there: P(all > -3.5) = (1 - 2.3e-4)^1e5 ~ 1e-10
  EXPECT_GT(m.max, 3.5);
  const Moments shifted =
      moments(Tensor::randn(Shape{kSamples}, device(), 3.0f, 0.5f, &gen).to_vector());
  EXPECT_NEAR(shifted.mean, 3.0, 0.01);
  EXPECT_NEAR(shifted.variance, 0.25, 0.0068);
}

TEST_P(PhiloxTest, UniformStatistics) {
  HG_REQUIRE_DEVICE(device());
  Generator gen(99);
  const Moments m = moments(Tensor::rand(Shape{kSamples}, device(), 0.0f, 1.0f, &gen).to_vector());
  // sd(mean) = sqrt(1/12 / n) ~ 0.00091; sd(var) ~ 0.00024.
  EXPECT_NEAR(m.mean, 0.5, 0.0055);
  EXPECT_NEAR(m.variance, 1.0 / 12.0, 0.0015);
  EXPECT_GE(m.min, 0.0);
  EXPECT_LT(m.max, 1.0);
  const Moments ranged =
      moments(Tensor::rand(Shape{kSamples}, device(), -2.0f, 6.0f, &gen).to_vector());
  EXPECT_GE(ranged.min, -2.0);
  EXPECT_LT(ranged.max, 6.0);
  EXPECT_NEAR(ranged.mean, 2.0, 0.044);
}

TEST_P(PhiloxTest, SameSeedAndOffsetGiveSameNumbers) {
  HG_REQUIRE_DEVICE(device());
  kernels::Backend& backend = backend_for(device());
  auto draw = [&](uint64_t seed, uint64_t offset, int64_t n, bool normal) {
    Tensor t = Tensor::empty(Shape{n}, DType::kFloat32, device());
    if (normal)
      backend.random_normal(t.data<float>(), n, seed, offset, 0.0f, 1.0f);
    else
      backend.random_uniform(t.data<float>(), n, seed, offset, 0.0f, 1.0f);
    return t.to_vector();
  };
  for (bool normal : {false, true}) {
    EXPECT_EQ(draw(42, 7, 1001, normal), draw(42, 7, 1001, normal));
    EXPECT_NE(draw(42, 7, 64, normal), draw(43, 7, 64, normal));
    EXPECT_NE(draw(42, 7, 64, normal), draw(42, 8, 64, normal));
    // Stream layout: element i uses counter offset + i / 4, so offset + 1 skips 4 elements.
    const std::vector<float> base = draw(5, 10, 40, normal);
    const std::vector<float> later = draw(5, 11, 36, normal);
    EXPECT_EQ(std::vector<float>(base.begin() + 4, base.end()), later);
  }
}

TEST_P(PhiloxTest, GeneratorAdvancesAndResumes) {
  HG_REQUIRE_DEVICE(device());
  Generator gen(3);
  const std::vector<float> first = Tensor::randn(Shape{10}, device(), 0, 1, &gen).to_vector();
  EXPECT_EQ(gen.offset(), 3u);  // ceil(10 / 4) counters
  const std::vector<float> second = Tensor::randn(Shape{10}, device(), 0, 1, &gen).to_vector();
  EXPECT_NE(first, second);
  gen.set_state(3, 0);
  EXPECT_EQ(Tensor::randn(Shape{10}, device(), 0, 1, &gen).to_vector(), first);
}

TEST_P(PhiloxTest, EveryDeviceDrawsTheCpuNumbers) {
  HG_REQUIRE_DEVICE(device());
  Generator a(77), b(77);
  EXPECT_EQ(Tensor::rand(Shape{1003}, device(), -1, 1, &a).to_vector(),
            Tensor::rand(Shape{1003}, Device::cpu(), -1, 1, &b).to_vector());
  const std::vector<float> dn = Tensor::randn(Shape{1003}, device(), 0, 1, &a).to_vector();
  const std::vector<float> cn = Tensor::randn(Shape{1003}, Device::cpu(), 0, 1, &b).to_vector();
  for (size_t i = 0; i < dn.size(); ++i)
    EXPECT_NEAR(dn[i], cn[i], 1e-6f) << "element " << i;
}

TEST(Philox, HostDrawsFollowTheSameStream) {
  Generator gen(11);
  const float u = gen.next_uniform();
  EXPECT_EQ(u, kernels::philox_uniform01(kernels::philox4x32_10(0, 11).v[0]));
  EXPECT_EQ(gen.offset(), 1u);
  std::vector<int> counts(5, 0);
  for (int i = 0; i < 5000; ++i)
    ++counts[gen.next_below(5)];
  for (int c : counts)
    EXPECT_NEAR(c, 1000, 150);
}

}  // namespace
}  // namespace hg::testing
