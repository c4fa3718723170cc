// Per-element loss values and derivatives, shared by both backends. Formulas and clamps follow
// PyTorch so losses match torch.nn.functional to float rounding.
#pragma once

#include <cmath>

#include "hourglass/kernels/common/host_device.h"
#include "hourglass/kernels/common/unary_math.h"

namespace hg::kernels {

// Pointwise losses, per element (before any reduction):
//   kMse:           (x - t)^2
//   kBceWithLogits: max(x, 0) - x t + log1p(exp(-|x|))      (stable for any logit)
//   kBce:           -(t max(log p, -100) + (1 - t) max(log(1 - p), -100))
enum class PointwiseLoss : int { kMse, kBceWithLogits, kBce };

HG_HOST_DEVICE float pointwise_loss_value(PointwiseLoss kind, float x, float t) {
  switch (kind) {
    case PointwiseLoss::kMse: {
      const float d = x - t;
      return d * d;
    }
    case PointwiseLoss::kBceWithLogits:
      return fmaxf(x, 0.0f) - x * t + log1pf(expf(-fabsf(x)));
    case PointwiseLoss::kBce: {
      const float log_p = fmaxf(logf(x), -100.0f);
      const float log_1mp = fmaxf(logf(1.0f - x), -100.0f);
      return -(t * log_p + (1.0f - t) * log_1mp);
    }
  }
  return 0.0f;
}

// d loss / d x.
HG_HOST_DEVICE float pointwise_loss_derivative(PointwiseLoss kind, float x, float t) {
  switch (kind) {
    case PointwiseLoss::kMse: return 2.0f * (x - t);
    case PointwiseLoss::kBceWithLogits: return stable_sigmoid(x) - t;
    case PointwiseLoss::kBce:
      // PyTorch's guard: the denominator never drops below 1e-12 at p = 0 or 1.
      return (x - t) / fmaxf((1.0f - x) * x, 1e-12f);
  }
  return 0.0f;
}

}  // namespace hg::kernels
