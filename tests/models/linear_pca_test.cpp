// Baldi & Hornik: a linear autoencoder trained with MSE learns the principal subspace. Data: 20-d
// Gaussian samples with a known spectrum (three large eigenvalues, then a gap), shifted by a
// non-zero mean that the biases must learn. After training a 20-3-20 identity-activation
// autoencoder with Adam, the decoder weight's column space is compared with the top-3 PCA subspace
// of the centred data (principal angles from the singular values of Q_dec^T U_pca, in double via
// Jacobi), and the reconstruction error with the PCA residual (the trailing eigenvalues' sum over
// the dimension).
#include <gtest/gtest.h>

#include <cmath>

#include "hourglass/models/dense_autoencoder.h"
#include "hourglass/models/trainer.h"
#include "zoo_test_util.h"

namespace hg::models {
namespace {

constexpr int kDim = 20, kCode = 3;
constexpr int64_t kSamples = 2000;

// Orthonormalises the columns of a row-major [rows, cols] matrix (modified Gram-Schmidt).
std::vector<double> orthonormal_columns(std::vector<double> m, int rows, int cols) {
  for (int j = 0; j < cols; ++j) {
    for (int p = 0; p < j; ++p) {
      double dot = 0;
      for (int i = 0; i < rows; ++i)
        dot += m[i * cols + p] * m[i * cols + j];
      for (int i = 0; i < rows; ++i)
        m[i * cols + j] -= dot * m[i * cols + p];
    }
    double norm = 0;
    for (int i = 0; i < rows; ++i)
      norm += m[i * cols + j] * m[i * cols + j];
    norm = std::sqrt(norm);
    for (int i = 0; i < rows; ++i)
      m[i * cols + j] /= norm;
  }
  return m;
}

// Principal angles (degrees, largest first) between the column spaces of orthonormal [rows, k]
// matrices a and b: the arccosines of the singular values of a^T b.
std::vector<double> principal_angles(const std::vector<double>& a, const std::vector<double>& b,
                                     int rows, int k) {
  std::vector<double> m(static_cast<size_t>(k * k), 0.0);  // a^T b
  for (int p = 0; p < k; ++p)
    for (int q = 0; q < k; ++q)
      for (int i = 0; i < rows; ++i)
        m[p * k + q] += a[i * k + p] * b[i * k + q];
  std::vector<double> gram(static_cast<size_t>(k * k), 0.0);  // m^T m
  for (int p = 0; p < k; ++p)
    for (int q = 0; q < k; ++q)
      for (int i = 0; i < k; ++i)
        gram[p * k + q] += m[i * k + p] * m[i * k + q];
  const std::vector<double> sigma2 = zoo_test::symmetric_eigen(gram, k).first;
  std::vector<double> angles;
  for (int i = k - 1; i >= 0; --i) {
    const double s = std::sqrt(std::max(0.0, std::min(1.0, sigma2[i])));
    angles.push_back(std::acos(s) * 180.0 / M_PI);
  }
  return angles;
}

TEST(LinearAutoencoder, LearnsThePrincipalSubspace) {
  // x = mu + U diag(sqrt(lambda)) z with a random orthonormal U.
  Generator gen(21);
  const std::vector<double> basis = orthonormal_columns(
      zoo_test::to_double(Tensor::randn(Shape{kDim, kDim}, Device::cpu(), 0, 1, &gen)), kDim, kDim);
  std::vector<double> lambda{9.0, 6.0, 4.0};
  for (int i = 3; i < kDim; ++i)
    lambda.push_back(0.5 - 0.02 * i);  // 0.44 ... 0.12: a gap of 8x below the third
  const std::vector<double> mu =
      zoo_test::to_double(Tensor::randn(Shape{kDim}, Device::cpu(), 0, 2, &gen));
  const std::vector<float> z =
      Tensor::randn(Shape{kSamples, kDim}, Device::cpu(), 0, 1, &gen).to_vector();
  std::vector<float> x(static_cast<size_t>(kSamples * kDim));
  for (int64_t n = 0; n < kSamples; ++n) {
    for (int i = 0; i < kDim; ++i) {
      double v = mu[i];
      for (int j = 0; j < kDim; ++j)
        v += basis[i * kDim + j] * std::sqrt(lambda[j]) * z[n * kDim + j];
      x[n * kDim + i] = static_cast<float>(v);
    }
  }
  // The empirical PCA of the centred data (covariance normalised by N, as the MSE is).
  std::vector<double> mean(kDim, 0.0), cov(kDim * kDim, 0.0);
  for (int64_t n = 0; n < kSamples; ++n)
    for (int i = 0; i < kDim; ++i)
      mean[i] += x[n * kDim + i] / static_cast<double>(kSamples);
  for (int64_t n = 0; n < kSamples; ++n)
    for (int i = 0; i < kDim; ++i)
      for (int j = 0; j < kDim; ++j)
        cov[i * kDim + j] += (x[n * kDim + i] - mean[i]) * (x[n * kDim + j] - mean[j]) / kSamples;
  const auto [eigenvalues, eigenvectors] = zoo_test::symmetric_eigen(cov, kDim);
  std::vector<double> top(static_cast<size_t>(kDim * kCode));
  for (int i = 0; i < kDim; ++i)
    for (int j = 0; j < kCode; ++j)
      top[i * kCode + j] = eigenvectors[i * kDim + j];
  double residual = 0;  // the best rank-3 MSE per element
  for (int j = kCode; j < kDim; ++j)
    residual += eigenvalues[j];
  residual /= kDim;

  const data::Dataset ds =
      data::make_dataset(Tensor::from_vector(x, Shape{kSamples, kDim}), Tensor(), "gaussian");
  data::DataLoader train = zoo_test::loader(ds, 200, Device::cpu());
  data::DataLoader all = zoo_test::loader(ds, 500, Device::cpu(), false);
  DenseAutoencoderOptions mo;
  mo.sizes = {kDim, kCode};
  mo.hidden_activation = "identity";
  mo.output_activation = "identity";
  mo.seed = 5;
  DenseAutoencoder model(mo);
  auto optimizer = optim::make_optimizer("adam", model.parameters(), 3e-2f);
  TrainOptions to;
  to.loss = ReconstructionLoss::kMse;
  to.progress = false;
  const double initial = evaluate_reconstruction(model, all, ReconstructionLoss::kMse);
  // 1500 steps at 3e-2 (the third direction escapes its saddle last: at 1e-2 it still sat 17
  // degrees off after 1500 steps), then 500 at 3e-3 to settle the minibatch noise.
  to.epochs = 150;
  train_autoencoder(model, *optimizer, train, nullptr, to);
  optimizer->set_lr(3e-3f);
  to.start_epoch = 150;
  to.epochs = 50;
  train_autoencoder(model, *optimizer, train, nullptr, to);
  const double final_mse = evaluate_reconstruction(model, all, ReconstructionLoss::kMse);

  const Tensor decoder_weight = model.named_parameters()[2].second;  // decoder.0.weight [20, 3]
  ASSERT_EQ(decoder_weight.shape(), (Shape{kDim, kCode}));
  const std::vector<double> q =
      orthonormal_columns(zoo_test::to_double(decoder_weight), kDim, kCode);
  const std::vector<double> angles = principal_angles(q, top, kDim, kCode);
  // The encoder's rows span the same subspace at the optimum.
  const Tensor encoder_weight = model.named_parameters()[0].second;  // [3, 20]
  std::vector<double> enc_t(static_cast<size_t>(kDim * kCode));
  const std::vector<double> enc = zoo_test::to_double(encoder_weight);
  for (int i = 0; i < kDim; ++i)
    for (int j = 0; j < kCode; ++j)
      enc_t[i * kCode + j] = enc[j * kDim + i];
  const std::vector<double> encoder_angles =
      principal_angles(orthonormal_columns(enc_t, kDim, kCode), top, kDim, kCode);

  // Measured: decoder angles {0.20, 0.13, 0.09} degrees, encoder {0.87, 0.04, 0.04}, and the MSE
  // 0.237477 against the residual 0.237463 (+0.006%), from 6.67 untrained.
  for (int i = 0; i < kCode; ++i) {
    EXPECT_LT(angles[i], 1.0) << "decoder principal angle " << i;
    EXPECT_LT(encoder_angles[i], 2.5) << "encoder principal angle " << i;
  }
  EXPECT_GE(final_mse, residual * (1 - 1e-4)) << "below the PCA optimum: the test is wrong";
  EXPECT_LT(final_mse, residual * 1.005) << "initial " << initial;
  std::printf(
      "principal angles (deg): decoder %.3f %.3f %.3f, encoder %.3f "
      "%.3f %.3f; mse %.6f vs "
      "PCA residual %.6f (initial %.4f)\n",
      angles[0], angles[1], angles[2], encoder_angles[0], encoder_angles[1], encoder_angles[2],
      final_mse, residual, initial);
}

}  // namespace
}  // namespace hg::models
