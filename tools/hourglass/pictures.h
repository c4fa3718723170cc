// The pictures of a run, made from a model and data: inputs against reconstructions, samples,
// interpolation strips, latent maps and loss curves. `hourglass train` writes them into the run
// directory after each epoch (report.h shows them in report.html); the sample, interpolate and
// latent-map commands make the same pictures on demand.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/core/tensor.h"
#include "hourglass/io/image.h"
#include "hourglass/models/autoencoder.h"

namespace hg::cli {

// Picture file names inside a run directory.
constexpr const char* kReconstructionsPng = "reconstructions.png";
constexpr const char* kSamplesPng = "samples.png";
constexpr const char* kInterpolationPng = "interpolation.png";
constexpr const char* kLatentMapPng = "latent_map.png";
constexpr const char* kLossCurvePng = "loss_curve.png";

// Rows of `inputs` (a batch [N, ...]) above their reconstructions (eval mode, no grad; VAEs from
// the mean code); with `corrupted` defined, three rows: corrupted, reconstruction, clean.
io::Image reconstruction_picture(models::Autoencoder& model, const Tensor& inputs,
                                 const Tensor& corrupted = {});
// Rows of corrupted, repaired and clean images (batches of one shape, on any device).
io::Image repair_picture(const Tensor& corrupted, const Tensor& repaired, const Tensor& clean);

// New images: a VAE's prior samples, or decodes of codes from the diagonal Gaussian fitted to the
// codes of `fit_inputs` (generation.h) for other models. [n, ...] on the model's device.
Tensor generate_samples(models::Autoencoder& model, const Tensor& fit_inputs, int64_t n,
                        Generator& gen);

// Decodes of a * z_b + (1 - a) * z_a for `steps` values of a from 0 to 1 (z: encode(), the mean
// for VAEs), one row per pair (a[i], b[i]). [pairs * steps, ...].
Tensor interpolate(models::Autoencoder& model, const Tensor& a, const Tensor& b, int64_t steps);

// Codes projected to 2-D: the codes themselves when they have 2 values per sample, else their
// first two principal components (the projection fitted on these codes). [N, 2] double values,
// row-major, and the share of variance the two axes explain (1 for 2-D codes).
struct Projection2d {
  std::vector<double> x, y;
  double explained_variance = 1.0;
  bool is_pca = false;
};
Projection2d project_codes_2d(const Tensor& codes);

// encode() of `inputs`, flattened to [N, code size], on the CPU.
Tensor encode_all(models::Autoencoder& model, const Tensor& inputs, int64_t batch = 256);
// forward() of `inputs` (the reconstructions; VAEs from the mean code) in batches of `batch`, in
// eval mode without gradients, on the CPU: [N, ...the model's output shape].
Tensor reconstruct_all(models::Autoencoder& model, const Tensor& inputs, int64_t batch = 256);

io::Image latent_map_picture(const Projection2d& points, const std::vector<int32_t>& labels,
                             const std::string& title);

// The loss curves of a run's metrics.jsonl lines (train and test total per epoch, and each
// term when there are several).
io::Image loss_curve_picture(const std::string& metrics_jsonl);

}  // namespace hg::cli
