// Generation with a plain autoencoder: fit a Gaussian density with a diagonal covariance to the
// codes of a data set, sample codes from it and decode them (the simplest latent density model;
// its samples are blurry because the codes' true distribution is far from Gaussian, which is
// what the variational autoencoder addresses).
#pragma once

#include <cstdint>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/data/dataloader.h"
#include "hourglass/models/autoencoder.h"

namespace hg::models {

// N(mean, diag(variance)) over flattened codes of shape code_shape (one sample's code).
struct LatentGaussian {
  Shape code_shape;
  std::vector<double> mean;
  std::vector<double> variance;  // the maximum-likelihood estimate: divided by the sample count
  int64_t samples = 0;           // codes the fit saw
};

// Encodes every sample of `loader` (eval mode, NoGrad; a variational model's encode() gives its
// posterior mean) and fits the Gaussian in double precision on the host.
LatentGaussian fit_latent_gaussian(Autoencoder& model, data::DataLoader& loader);

// The same from codes already computed: [N, ...] with N >= 1.
LatentGaussian fit_latent_gaussian(const Tensor& codes);

// n codes mean + sqrt(variance) * eps with eps ~ N(0, 1) from `gen`: [n, ...code_shape] on
// `device`.
Tensor sample_codes(const LatentGaussian& density, int64_t n, Generator& gen,
                    Device device = Device::cpu());

// n decoded samples (eval mode, NoGrad) on the device of the model's parameters.
Tensor generate(Autoencoder& model, const LatentGaussian& density, int64_t n, Generator& gen);

}  // namespace hg::models
