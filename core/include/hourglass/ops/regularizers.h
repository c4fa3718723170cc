// The autoencoder-specific losses and penalties (sparsity, contractive, variational) and input
// corruptions (denoising, inpainting, super-resolution, colorization). Each penalty returns a
// scalar tensor and is differentiable with respect to its float inputs; every one runs a dedicated
// kernel on each device.
#pragma once

#include <cstdint>
#include <string>

#include "hourglass/core/rng.h"
#include "hourglass/core/tensor.h"

namespace hg {

// sum |h| over every element (the L1 activity penalty, before its weight lambda).
Tensor l1_penalty(const Tensor& h);

// KL target sparsity of a code h [N, units] with activations in (0, 1):
// sum_j KL(rho || rho_hat_j), rho_hat_j the mean of unit j over the batch (clamped to
// [1e-6, 1 - 1e-6]). 0 < rho < 1.
Tensor kl_sparsity(const Tensor& h, float rho);

// The k-sparse code: per row of h [N, units], the k largest values kept, the rest zeroed; the
// gradient flows only through the kept units. 0 <= k <= units.
Tensor topk_rows(const Tensor& h, int64_t k);

// KL(N(mu, exp(logvar)) || N(0, I)) summed over the code dimension, averaged over the rows of
// mu and logvar [N, D] (the VAE's per-sample KL).
Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar);

// The contractive penalty ||J_f(x)||_F^2 of the layer h = f(x W^T + b), averaged over the rows
// of h [N, hidden]; weight is that layer's [hidden, in]. Differentiable with respect to h (and
// through it x, W, b) and to weight. `activation` is "sigmoid", "tanh" or "relu".
Tensor contractive_penalty(const Tensor& h, const Tensor& weight, const std::string& activation);

// Input transforms for paired image-to-image training (the model learns to map the transformed
// input back to the clean one), drawn from `gen` (default_generator() if null) on x's device.
// Not recorded on the tape (the corrupted input is data).
//   kGaussian, kMasking, kSaltPepper: denoising; elementwise on any shape.
//   kBlock:      inpainting; per sample one `patch` x `patch` square at a random position inside
//                the image set to 0 in every channel (patch <= min(H, W)).
//   kDownsample: super-resolution; each factor x factor block replaced by its mean (average
//                pooling in ceil mode, then nearest upsampling cropped back to H x W: when H or W
//                is not a multiple of factor, the last blocks are the clipped remainder and
//                average only the pixels they hold). Draws nothing.
//   kGrayscale:  colorization; C = 3 -> 0.299 R + 0.587 G + 0.114 B in all three channels
//                (hg::Error for C != 3). Draws nothing.
// The image kinds need x [N, C, H, W] or [N, H, W] (one channel).
enum class Corruption { kNone, kGaussian, kMasking, kSaltPepper, kBlock, kDownsample, kGrayscale };
struct CorruptionOptions {
  Corruption kind = Corruption::kNone;
  float sigma = 0.0f;     // kGaussian: the noise's standard deviation
  bool clip = true;       // kGaussian: clamp the result to [0, 1]
  float fraction = 0.0f;  // kMasking / kSaltPepper: the share of inputs hit
  int64_t patch = 0;      // kBlock: the square's side in pixels, >= 1
  int64_t factor = 0;     // kDownsample: the block side in pixels, >= 1
};
// "none", "gaussian", "masking", "salt-and-pepper", "block", "downsample", "grayscale";
// hg::Error otherwise.
Corruption parse_corruption(const std::string& text);
std::string corruption_name(Corruption kind);
Tensor corrupt(const Tensor& x, const CorruptionOptions& options, Generator* gen = nullptr);

}  // namespace hg
