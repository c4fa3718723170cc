// Per-element math of the autoencoder penalties and corruptions (backend.h, "autoencoder losses
// and penalties"), written once for both backends so the CPU and CUDA twins compute the same
// formula: the contractive weights phi(h) = f'(a)^2 and their derivatives, the Bernoulli and
// Gaussian KL terms, the sort key of the k-sparse selection, and the corruption of one element
// from its two Philox numbers.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "hourglass/kernels/common/host_device.h"
#include "hourglass/kernels/common/philox.h"
#include "hourglass/kernels/regularizer_params.h"

namespace hg::kernels {

// ---- contractive penalty ----------------------------------------------------------------------
// With h = f(a): f'(a) = h (1 - h) for the sigmoid, 1 - h^2 for tanh, [h > 0] for ReLU, so
// phi(h) = f'(a)^2 needs only h.
HG_HOST_DEVICE float contractive_phi(ContractiveActivation act, float h) {
  switch (act) {
    case ContractiveActivation::kSigmoid: {
      const float d = h * (1.0f - h);
      return d * d;
    }
    case ContractiveActivation::kTanh: {
      const float d = 1.0f - h * h;
      return d * d;
    }
    case ContractiveActivation::kRelu:
      return h > 0.0f ? 1.0f : 0.0f;
  }
  return 0.0f;
}

// d phi / d h: 2 h (1 - h) (1 - 2 h) for the sigmoid, -4 h (1 - h^2) for tanh, 0 for ReLU
// (phi is a step there; its derivative is 0 almost everywhere).
HG_HOST_DEVICE float contractive_phi_derivative(ContractiveActivation act, float h) {
  switch (act) {
    case ContractiveActivation::kSigmoid:
      return 2.0f * h * (1.0f - h) * (1.0f - 2.0f * h);
    case ContractiveActivation::kTanh:
      return -4.0f * h * (1.0f - h * h);
    case ContractiveActivation::kRelu:
      return 0.0f;
  }
  return 0.0f;
}

// ---- KL target sparsity -----------------------------------------------------------------------
constexpr double kRhoHatMin = 1e-6;

// The batch mean of a unit, clamped away from 0 and 1 so both logarithms stay finite.
HG_HOST_DEVICE double kl_clamp_rho_hat(double mean) {
  return mean < kRhoHatMin ? kRhoHatMin : (mean > 1.0 - kRhoHatMin ? 1.0 - kRhoHatMin : mean);
}

// KL(Bernoulli(rho) || Bernoulli(rho_hat)), in double (rho_hat is the stored float value).
HG_HOST_DEVICE double kl_bernoulli(double rho, double rho_hat) {
  return rho * ::log(rho / rho_hat) + (1.0 - rho) * ::log((1.0 - rho) / (1.0 - rho_hat));
}

// d KL / d rho_hat; the backward multiplies it by (*dloss) * scale / rows.
HG_HOST_DEVICE double kl_bernoulli_derivative(double rho, double rho_hat) {
  return -rho / rho_hat + (1.0 - rho) / (1.0 - rho_hat);
}

// ---- Gaussian KL ------------------------------------------------------------------------------
// One code dimension of KL(N(mu, exp(logvar)) || N(0, 1)), in double: exp(logvar) - 1 - logvar
// cancels badly near logvar = 0 in float.
HG_HOST_DEVICE double gaussian_kl_term(float mu, float logvar) {
  const double m = mu, lv = logvar;
  return -0.5 * (1.0 + lv - m * m - ::exp(lv));
}

// d term / d logvar = (exp(logvar) - 1) / 2, with expm1 for accuracy near 0.
HG_HOST_DEVICE float gaussian_kl_dlogvar(float logvar) {
  return 0.5f * expm1f(logvar);
}

// ---- k-sparse selection -----------------------------------------------------------------------
// A total order on floats as unsigned integers: the IEEE bits with the sign bit flipped for
// positives and every bit flipped for negatives sort like the values. -0 is mapped to +0 (they
// are equal values, so the tie rule decides), and every NaN to the largest key (as torch.topk,
// a NaN counts as the largest value).
HG_HOST_DEVICE uint32_t topk_value_key(float v) {
  if (v != v) return 0xFFFFFFFFu;
  if (v == 0.0f) v = 0.0f;
#if defined(__CUDA_ARCH__)
  const uint32_t bits = __float_as_uint(v);
#else
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
#endif
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

// The unique rank key of element j of a row: value key first, then the lower index wins a tie
// (~j is larger for smaller j). The k kept elements are the k largest keys.
HG_HOST_DEVICE uint64_t topk_key(float v, int64_t j) {
  return (static_cast<uint64_t>(topk_value_key(v)) << 32) |
         static_cast<uint64_t>(~static_cast<uint32_t>(j));
}

// ---- corruptions ------------------------------------------------------------------------------
// Products and sums rounded separately on every compiler: nvcc would otherwise contract
// x + sigma * z into one fused multiply-add and differ from the CPU in the last bit.
HG_HOST_DEVICE float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
HG_HOST_DEVICE float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

// Element i of corrupt(x): Philox numbers 2i (the decision) and 2i + 1 (salt or pepper) of the
// draw at (seed, offset).
HG_HOST_DEVICE float corrupt_element(const CorruptionParams& p, float x, uint64_t seed,
                                     uint64_t offset, int64_t i) {
  switch (p.kind) {
    case CorruptionKind::kGaussian: {
      const float z = philox_normal_at(seed, offset, 2 * i, 0.0f, 1.0f);
      float y = add_rn(x, mul_rn(p.sigma, z));
      if (p.clip) y = y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y);
      return y;
    }
    case CorruptionKind::kMasking:
      return philox_uniform_at(seed, offset, 2 * i, 0.0f, 1.0f) < p.fraction ? 0.0f : x;
    case CorruptionKind::kSaltPepper: {
      if (!(philox_uniform_at(seed, offset, 2 * i, 0.0f, 1.0f) < p.fraction)) return x;
      // Pepper (0) below one half, salt (1) above.
      return philox_uniform_at(seed, offset, 2 * i + 1, 0.0f, 1.0f) < 0.5f ? 0.0f : 1.0f;
    }
  }
  return x;
}

}  // namespace hg::kernels
