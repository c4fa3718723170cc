// Latent Gaussian fitting (two passes over the codes in double: mean, then centred squares, so a
// large mean does not cost the variance its precision) and sampling through the decoder.
#include "hourglass/models/generation.h"

#include <cmath>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/ops/elementwise.h"

namespace hg::models {
namespace {

Shape sample_shape(const Shape& batch_shape) {
  const std::vector<int64_t> dims = batch_shape.dims();
  return Shape(std::vector<int64_t>(dims.begin() + 1, dims.end()));
}

// Restores the model's training mode however the scope ends.
class EvalScope {
 public:
  explicit EvalScope(Autoencoder& model) : model_(model), was_training_(model.is_training()) {
    model_.eval();
  }
  ~EvalScope() { model_.train(was_training_); }
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

 private:
  Autoencoder& model_;
  bool was_training_;
};

}  // namespace

LatentGaussian fit_latent_gaussian(const Tensor& codes) {
  HG_CHECK(codes.defined() && codes.rank() >= 2 && codes.dim(0) >= 1,
           "fit_latent_gaussian: expected codes [N, ...] with N >= 1, got ",
           codes.defined() ? codes.shape() : Shape{});
  const std::vector<float> values = codes.to_vector();
  const int64_t n = codes.dim(0), d = codes.numel() / n;
  LatentGaussian density;
  density.code_shape = sample_shape(codes.shape());
  density.samples = n;
  density.mean.assign(static_cast<size_t>(d), 0.0);
  density.variance.assign(static_cast<size_t>(d), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j)
      density.mean[j] += values[i * d + j];
  for (double& m : density.mean)
    m /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < d; ++j) {
      const double c = values[i * d + j] - density.mean[j];
      density.variance[j] += c * c;
    }
  }
  for (double& v : density.variance)
    v /= static_cast<double>(n);
  return density;
}

LatentGaussian fit_latent_gaussian(Autoencoder& model, data::DataLoader& loader) {
  NoGrad no_grad;
  EvalScope eval(model);
  // Sums per code unit over batches, in double; the second pass re-encodes (codes are not kept,
  // so memory stays one batch whatever the data set's size).
  LatentGaussian density;
  std::vector<double>& mean = density.mean;
  for (const data::Batch& batch : loader) {
    const Tensor codes = model.encode(batch.inputs);
    const std::vector<float> values = codes.to_vector();
    const int64_t n = codes.dim(0), d = codes.numel() / n;
    if (density.samples == 0) {
      density.code_shape = sample_shape(codes.shape());
      mean.assign(static_cast<size_t>(d), 0.0);
    }
    HG_CHECK(sample_shape(codes.shape()) == density.code_shape,
             "fit_latent_gaussian: the code shape changed between batches, from ",
             density.code_shape, " to ", sample_shape(codes.shape()));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < d; ++j)
        mean[j] += values[i * d + j];
    density.samples += n;
  }
  HG_CHECK(density.samples > 0, "fit_latent_gaussian: the data loader yields no samples");
  for (double& m : mean)
    m /= static_cast<double>(density.samples);
  density.variance.assign(mean.size(), 0.0);
  for (const data::Batch& batch : loader) {
    const std::vector<float> values = model.encode(batch.inputs).to_vector();
    const int64_t d = static_cast<int64_t>(mean.size()),
                  n = static_cast<int64_t>(values.size()) / d;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < d; ++j) {
        const double c = values[i * d + j] - mean[j];
        density.variance[j] += c * c;
      }
    }
  }
  for (double& v : density.variance)
    v /= static_cast<double>(density.samples);
  return density;
}

Tensor sample_codes(const LatentGaussian& density, int64_t n, Generator& gen, Device device) {
  HG_CHECK(n >= 1, "sample_codes: n must be >= 1, got ", n);
  const int64_t d = static_cast<int64_t>(density.mean.size());
  HG_CHECK(
      d > 0 && density.variance.size() == density.mean.size() && density.code_shape.numel() == d,
      "sample_codes: the density is not fitted (", d, " means, ", density.variance.size(),
      " variances, code shape ", density.code_shape, ")");
  std::vector<float> mean(static_cast<size_t>(d)), stddev(static_cast<size_t>(d));
  for (int64_t j = 0; j < d; ++j) {
    mean[j] = static_cast<float>(density.mean[j]);
    stddev[j] = static_cast<float>(std::sqrt(std::max(density.variance[j], 0.0)));
  }
  NoGrad no_grad;
  const Tensor eps = Tensor::randn(Shape{n, d}, device, 0.0f, 1.0f, &gen);
  const Tensor z = add(mul(eps, Tensor::from_vector(stddev, Shape{1, d}, device)),
                       Tensor::from_vector(mean, Shape{1, d}, device));
  std::vector<int64_t> dims{n};
  for (int64_t s : density.code_shape.dims())
    dims.push_back(s);
  return z.reshape(dims);
}

Tensor generate(Autoencoder& model, const LatentGaussian& density, int64_t n, Generator& gen) {
  const std::vector<Tensor> params = model.parameters();
  const Device device = params.empty() ? Device::cpu() : params.front().device();
  const Tensor z = sample_codes(density, n, gen, device);
  NoGrad no_grad;
  EvalScope eval(model);
  return model.decode(z);
}

}  // namespace hg::models
