// Parameters of the autoencoder-specific kernels: input corruptions (denoising) and the
// activation whose derivative the contractive penalty needs.
#pragma once

#include <cstdint>

namespace hg::kernels {

// Corruptions for denoising autoencoders, drawn from Philox (seed, offset) like random_uniform,
// so the same seed corrupts identically on every device.
//   kGaussian:     y = x + sigma * N(0, 1), then clamped to [0, 1] when clip
//   kMasking:      y = 0 with probability fraction, else x
//   kSaltPepper:   with probability fraction, y = 0 or 1 (each with probability 1/2), else x
enum class CorruptionKind : int { kGaussian, kMasking, kSaltPepper };

struct CorruptionParams {
  CorruptionKind kind = CorruptionKind::kGaussian;
  float sigma = 0.0f;     // kGaussian
  bool clip = false;      // kGaussian
  float fraction = 0.0f;  // kMasking, kSaltPepper
};

// The encoder activation f of a contractive layer h = f(W x + b). The penalty is written in
// terms of h: f'(a)^2 = phi(h) with phi(h) = (h (1 - h))^2 for sigmoid, (1 - h^2)^2 for tanh and
// [h > 0] for ReLU.
enum class ContractiveActivation : int { kSigmoid, kTanh, kRelu };

}  // namespace hg::kernels
