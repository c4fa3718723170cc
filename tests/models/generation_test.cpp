// Generation by a latent Gaussian: the fitted mean and variance are the codes' sample statistics
// (computed here independently, in double, from the codes of the whole set), the loader and
// tensor fits agree, samples have the code's statistics and decode to the input's shape, and a
// seeded Generator reproduces them.
#include <gtest/gtest.h>

#include <cmath>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/models/dense_autoencoder.h"
#include "hourglass/models/generation.h"
#include "support/devices.h"
#include "zoo_test_util.h"

namespace hg::models {
namespace {

class Generation : public ::testing::TestWithParam<Device> {};

TEST_P(Generation, FitsTheCodesStatisticsAndDecodesSamples) {
  HG_REQUIRE_DEVICE(GetParam());
  const Device device = GetParam();
  const data::Dataset ds = zoo_test::low_rank_dataset(50, 8, 2, 3);
  data::DataLoader loader = zoo_test::loader(ds, 16, device);  // shuffled, last batch partial
  DenseAutoencoderOptions o;
  o.sizes = {8, 3};
  o.code_activation = "tanh";
  o.seed = 4;
  DenseAutoencoder model(o);
  model.to(device);
  const LatentGaussian density = fit_latent_gaussian(model, loader);
  EXPECT_TRUE(model.is_training());  // the mode is restored
  EXPECT_EQ(tape_size(), 0u);

  Tensor codes;
  {
    NoGrad no_grad;
    model.eval();
    codes = model.encode(ds.images.to(device));
    model.train();
  }
  const std::vector<double> c = zoo_test::to_double(codes);
  ASSERT_EQ(density.samples, 50);
  ASSERT_EQ(density.code_shape, (Shape{3}));
  ASSERT_EQ(density.mean.size(), 3u);
  for (int j = 0; j < 3; ++j) {
    double mean = 0, var = 0;
    for (int n = 0; n < 50; ++n)
      mean += c[n * 3 + j] / 50;
    for (int n = 0; n < 50; ++n)
      var += (c[n * 3 + j] - mean) * (c[n * 3 + j] - mean) / 50;
    // Codes of the same sample may differ in the last bit between batch compositions.
    EXPECT_NEAR(density.mean[j], mean, 1e-6 * (std::fabs(mean) + 1)) << "unit " << j;
    EXPECT_NEAR(density.variance[j], var, 1e-6 * var) << "unit " << j;
  }
  const LatentGaussian direct = fit_latent_gaussian(codes);
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(direct.mean[j], density.mean[j], 1e-6);
    EXPECT_NEAR(direct.variance[j], density.variance[j], 1e-6 * density.variance[j]);
  }

  Generator gen(9), same(9);
  const Tensor images = generate(model, density, 5, gen);
  EXPECT_EQ(images.shape(), (Shape{5, 8}));
  EXPECT_EQ(images.device(), device);
  for (float v : images.to_vector()) {
    EXPECT_GT(v, 0.0f);
    EXPECT_LT(v, 1.0f);
  }
  EXPECT_EQ(generate(model, density, 5, same).to_vector(), images.to_vector());
  EXPECT_EQ(tape_size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Devices, Generation, ::testing::ValuesIn(hg::testing::test_devices()),
                         [](const auto& info) {
                           return hg::testing::device_test_name(info.param);
                         });

TEST(GenerationStatistics, SampledCodesFollowTheFittedGaussian) {
  LatentGaussian density;
  density.code_shape = Shape{2, 2};
  density.mean = {1.0, -2.0, 0.5, 0.0};
  density.variance = {0.25, 4.0, 1.0, 0.01};
  density.samples = 100;
  Generator gen(3);
  const int n = 20000;
  const Tensor z = sample_codes(density, n, gen);
  EXPECT_EQ(z.shape(), (Shape{n, 2, 2}));
  const std::vector<float> v = z.to_vector();
  for (int j = 0; j < 4; ++j) {
    double mean = 0, var = 0;
    for (int i = 0; i < n; ++i)
      mean += v[i * 4 + j] / n;
    for (int i = 0; i < n; ++i)
      var += (v[i * 4 + j] - mean) * (v[i * 4 + j] - mean) / n;
    // 4 standard errors: sd / sqrt(n) for the mean, var * sqrt(2 / n) for the variance.
    EXPECT_NEAR(mean, density.mean[j], 4 * std::sqrt(density.variance[j] / n)) << j;
    EXPECT_NEAR(var, density.variance[j], 4 * density.variance[j] * std::sqrt(2.0 / n)) << j;
  }
  LatentGaussian empty;
  EXPECT_THROW(sample_codes(empty, 3, gen), Error);
  EXPECT_THROW(sample_codes(density, 0, gen), Error);
}

}  // namespace
}  // namespace hg::models
