// Parameters of the autoencoder-specific kernels: input corruptions (denoising and the paired
// image transforms: inpainting, super-resolution, colorization) and the activation whose
// derivative the contractive penalty needs.
#pragma once

#include <cstdint>

namespace hg::kernels {

// Corruptions for denoising autoencoders, drawn from Philox (seed, offset) like random_uniform,
// so the same seed corrupts identically on every device.
//   kGaussian:     y = x + sigma * N(0, 1), then clamped to [0, 1] when clip
//   kMasking:      y = 0 with probability fraction, else x
//   kSaltPepper:   with probability fraction, y = 0 or 1 (each with probability 1/2), else x
enum class CorruptionKind : int { kGaussian, kMasking, kSaltPepper };

// Image transforms of x viewed as [N, C, H, W] (common/image_corruption.h), chosen by
// CorruptionParams::image; when it is not kNone, `kind` is unused.
//   kBlock:      per sample one patch x patch square at a Philox-random position inside the
//                image set to 0 in every channel (inpainting)
//   kDownsample: each pixel replaced by the mean of its factor x factor block (blocks start at
//                multiples of factor; the last row / column of blocks is clipped to the image
//                when H or W is not a multiple), i.e. average pooling in ceil mode followed by
//                nearest upsampling, cropped back to H x W (super-resolution)
//   kGrayscale:  C = 3; every channel becomes 0.299 R + 0.587 G + 0.114 B (colorization)
enum class ImageCorruption : int { kNone, kBlock, kDownsample, kGrayscale };

struct CorruptionParams {
  CorruptionKind kind = CorruptionKind::kGaussian;
  float sigma = 0.0f;     // kGaussian
  bool clip = false;      // kGaussian
  float fraction = 0.0f;  // kMasking, kSaltPepper
  ImageCorruption image = ImageCorruption::kNone;
  int64_t channels = 0, height = 0, width = 0;  // the image geometry of the image transforms
  int64_t patch = 0;                            // kBlock: the square's side, <= min(H, W)
  int64_t factor = 0;                           // kDownsample: the block side, >= 1
};

// The encoder activation f of a contractive layer h = f(W x + b). The penalty is written in
// terms of h: f'(a)^2 = phi(h) with phi(h) = (h (1 - h))^2 for sigmoid, (1 - h^2)^2 for tanh and
// [h > 0] for ReLU.
enum class ContractiveActivation : int { kSigmoid, kTanh, kRelu };

}  // namespace hg::kernels
