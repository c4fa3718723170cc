// One parameter element's optimizer update, shared by the CPU and CUDA step kernels. Each follows
// the corresponding torch.optim algorithm (single-tensor, non-foreach form) line by line.
// Per-step scalars (bias corrections, decayed learning rates) are computed once per chunk of a
// multi-tensor step by adam_scalars / adagrad_clr (on the device for CUDA, from the step count
// stored there) and passed in, so the per-element code does no pow().
#pragma once

#include <cmath>

#include "hourglass/kernels/common/host_device.h"
#include "hourglass/kernels/optimizer_params.h"

namespace hg::kernels {

HG_HOST_DEVICE void sgd_update(float& w, float g, float& buf, const SgdParams& p) {
  if (p.weight_decay != 0.0f) g += p.weight_decay * w;
  if (p.momentum != 0.0f) {
    buf = p.first_step ? g : p.momentum * buf + (1.0f - p.dampening) * g;
    g = p.nesterov ? g + p.momentum * buf : buf;
  }
  w -= p.lr * g;
}

struct AdamScalars {
  float step_size;              // lr / (1 - beta1^t)
  float bias_correction2_sqrt;  // sqrt(1 - beta2^t)
};

// In double, as torch.optim computes 1 - beta ** step in Python; ::pow is the C library's pow on
// the host (CPU backend, SIMT emulator) and CUDA's double pow on a GPU.
HG_HOST_DEVICE AdamScalars adam_scalars(const AdamParams& p) {
  const double t = static_cast<double>(p.step);
  const double bc1 = 1.0 - ::pow(static_cast<double>(p.beta1), t);
  const double bc2 = 1.0 - ::pow(static_cast<double>(p.beta2), t);
  return AdamScalars{static_cast<float>(p.lr / bc1), static_cast<float>(::sqrt(bc2))};
}

HG_HOST_DEVICE void adam_update(float& w, float g, float& m, float& v, const AdamParams& p,
                                const AdamScalars& s) {
  if (p.weight_decay != 0.0f) {
    if (p.decoupled_weight_decay)
      w *= 1.0f - p.lr * p.weight_decay;  // AdamW
    else
      g += p.weight_decay * w;  // Adam's L2 penalty
  }
  m = p.beta1 * m + (1.0f - p.beta1) * g;
  v = p.beta2 * v + (1.0f - p.beta2) * g * g;
  const float denom = sqrtf(v) / s.bias_correction2_sqrt + p.eps;
  w -= s.step_size * m / denom;
}

HG_HOST_DEVICE void adadelta_update(float& w, float g, float& square_avg, float& acc_delta,
                                    const AdadeltaParams& p) {
  if (p.weight_decay != 0.0f) g += p.weight_decay * w;
  square_avg = p.rho * square_avg + (1.0f - p.rho) * g * g;
  const float delta = sqrtf(acc_delta + p.eps) / sqrtf(square_avg + p.eps) * g;
  acc_delta = p.rho * acc_delta + (1.0f - p.rho) * delta * delta;
  w -= p.lr * delta;
}

// lr / (1 + (step - 1) * lr_decay)
HG_HOST_DEVICE float adagrad_clr(const AdagradParams& p) {
  return p.lr / (1.0f + static_cast<float>(p.step - 1) * p.lr_decay);
}

HG_HOST_DEVICE void adagrad_update(float& w, float g, float& sum, const AdagradParams& p,
                                   float clr) {
  if (p.weight_decay != 0.0f) g += p.weight_decay * w;
  sum += g * g;
  w -= clr * g / (sqrtf(sum) + p.eps);
}

}  // namespace hg::kernels
