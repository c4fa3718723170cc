// pictures: the PCA projection finds a known principal plane (exact Jacobi path and the subspace
// iteration for wide codes), interpolation's ends are the two inputs' reconstructions, and the
// generated batches and pictures have the expected shapes.
#include "pictures.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hourglass/core/autograd.h"
#include "hourglass/core/rng.h"
#include "hourglass/models/presets.h"
#include "hourglass/ops/elementwise.h"
#include "support/expect_error.h"

namespace {

const std::vector<int64_t> kSample{1, 28, 28};

std::unique_ptr<hg::models::Autoencoder> preset_model(const std::string& name) {
  const hg::models::Preset& p = hg::models::find_preset(name);
  auto model = hg::models::build_preset(p, p.recipe, kSample, 3);
  model->eval();
  return model;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i)
    ma += a[i], mb += b[i];
  ma /= a.size(), mb /= b.size();
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

// Codes t * u + s * w + small noise in d dimensions, u and w orthonormal (not axis-aligned),
// var(t) = 9 var(s) >> the noise's: PC1 follows t, PC2 follows s.
void check_known_plane(int64_t d) {
  // t and s on a 20 x 20 grid of centred values: their sample covariance is exactly 0, so the
  // sample's principal axes are u and w themselves.
  const int64_t side = 20, n = side * side;
  hg::Generator gen(17);
  std::vector<double> u(d), w(d);
  for (int64_t k = 0; k < d; ++k) {
    u[k] = 1.0 / std::sqrt(static_cast<double>(d));
    w[k] = (k % 2 == 0 ? 1.0 : -1.0) / std::sqrt(static_cast<double>(d));
  }
  if (d % 2 == 1) {  // keep w orthogonal to u with an odd count: drop the last entry of w
    w[d - 1] = 0;
    double norm = 0;
    for (double x : w)
      norm += x * x;
    for (double& x : w)
      x /= std::sqrt(norm);
  }
  std::vector<float> codes(n * d);
  std::vector<double> t(n), s(n);
  for (int64_t i = 0; i < n; ++i) {
    t[i] = 3.0 * (static_cast<double>(i / side) - (side - 1) / 2.0) / side;
    s[i] = (static_cast<double>(i % side) - (side - 1) / 2.0) / side;
    for (int64_t k = 0; k < d; ++k)
      codes[i * d + k] =
          static_cast<float>(2.0 + t[i] * u[k] + s[i] * w[k] + 1e-3 * (gen.next_uniform() - 0.5));
  }
  const hg::cli::Projection2d p =
      hg::cli::project_codes_2d(hg::Tensor::from_vector(codes, hg::Shape{n, d}));
  EXPECT_TRUE(p.is_pca);
  ASSERT_EQ(p.x.size(), static_cast<size_t>(n));
  EXPECT_GT(std::fabs(correlation(p.x, t)), 0.9999);
  EXPECT_GT(std::fabs(correlation(p.y, s)), 0.999);
  EXPECT_GT(p.explained_variance, 0.999);
  EXPECT_LE(p.explained_variance, 1.0);
}

TEST(Pictures, PcaFindsTheKnownPlane) {
  check_known_plane(5);
}
TEST(Pictures, PcaOfWideCodesFindsTheKnownPlane) {
  check_known_plane(300);
}

TEST(Pictures, TwoValueCodesAreTheirOwnMap) {
  const hg::Tensor codes = hg::Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {3, 2});
  const hg::cli::Projection2d p = hg::cli::project_codes_2d(codes);
  EXPECT_FALSE(p.is_pca);
  EXPECT_EQ(p.x, (std::vector<double>{1, 3, 5}));
  EXPECT_EQ(p.y, (std::vector<double>{2, 4, 6}));
  EXPECT_EQ(p.explained_variance, 1.0);
}

TEST(Pictures, InterpolationEndsAreTheReconstructions) {
  auto model = preset_model("keras-dense");
  const hg::Tensor a = hg::Tensor::rand({2, 1, 28, 28}, hg::Device::cpu(), 0, 1);
  const hg::Tensor b = hg::Tensor::rand({2, 1, 28, 28}, hg::Device::cpu(), 0, 1);
  const int64_t steps = 5;
  const hg::Tensor strip = hg::cli::interpolate(*model, a, b, steps);
  ASSERT_EQ(strip.shape(), (hg::Shape{2 * steps, 1, 28, 28}));
  hg::NoGrad no_grad;
  const std::vector<float> ra = model->forward(a).to_vector(), rb = model->forward(b).to_vector();
  const std::vector<float> s = strip.to_vector();
  const int64_t pixels = 784;
  for (int64_t pair = 0; pair < 2; ++pair) {
    for (int64_t k = 0; k < pixels; ++k) {
      EXPECT_NEAR(s[(pair * steps) * pixels + k], ra[pair * pixels + k], 1e-6);
      EXPECT_NEAR(s[(pair * steps + steps - 1) * pixels + k], rb[pair * pixels + k], 1e-6);
    }
  }
  // The middle step decodes the mean of the two codes.
  const hg::Tensor mid = model->decode((model->encode(a) + model->encode(b)) * 0.5f);
  const std::vector<float> m = mid.to_vector();
  for (int64_t k = 0; k < pixels; ++k)
    EXPECT_NEAR(s[2 * pixels + k], m[k], 1e-5);
  hg::testing::expect_error([&] { hg::cli::interpolate(*model, a, b, 1); }, {"at least 2 steps"});
}

TEST(Pictures, EncodeAllAndSamplesHaveTheirShapes) {
  auto conv = preset_model("keras-conv");
  const hg::Tensor x = hg::Tensor::rand({5, 1, 28, 28}, hg::Device::cpu(), 0, 1);
  EXPECT_EQ(hg::cli::encode_all(*conv, x, 2).shape(), (hg::Shape{5, 8 * 4 * 4}));
  hg::Generator gen(1);
  EXPECT_EQ(hg::cli::generate_samples(*conv, x, 3, gen).shape().numel(), 3 * 784);
  auto vae = preset_model("vae");
  const hg::Tensor prior = hg::cli::generate_samples(*vae, hg::Tensor(), 4, gen);
  EXPECT_EQ(prior.shape().numel(), 4 * 784);
  const hg::io::Image picture = hg::cli::reconstruction_picture(*conv, x);
  EXPECT_GT(picture.height, picture.width / 5);  // two rows of 5 cells
  EXPECT_TRUE(conv->is_training() == false);
}

TEST(Pictures, LossCurveReadsMetricsLines) {
  const std::string metrics =
      "{\"phase\":\"train\",\"epoch\":1,\"train_loss\":0.5,\"test_loss\":0.4,"
      "\"train_terms\":{\"reconstruction\":0.45,\"l1\":0.05}}\n"
      "{\"phase\":\"train\",\"epoch\":2,\"train_loss\":0.3,\"test_loss\":null}\n";
  const hg::io::Image chart = hg::cli::loss_curve_picture(metrics);
  EXPECT_GT(chart.width, 0);
  hg::testing::expect_error([] { hg::cli::loss_curve_picture("{\"epoch\":1}\nnot json\n"); },
                            {"metrics.jsonl line 2"});
}

}  // namespace
