// CPU loss kernels: per-element losses and their derivatives (formulas from common/loss_math.h;
// the BCE ones on SIMD lanes through vector_math.h) and row-wise softmax cross-entropy with max
// subtraction, accumulated in double.
#include <cmath>

#include "cpu_backend.h"
#include "parallel.h"
#include "vector_math.h"

namespace hg::kernels::cpu {

namespace {

// log(sum_c exp(x[c])) of one row, stable for any magnitude of logits.
double row_logsumexp(const float* x, int64_t classes) {
  float max_value = x[0];
  for (int64_t c = 1; c < classes; ++c)
    max_value = std::fmax(max_value, x[c]);
  double s = 0.0;
  for (int64_t c = 0; c < classes; ++c)
    s += std::exp(static_cast<double>(x[c]) - max_value);
  return max_value + std::log(s);
}

// The loops of the losses without a transcendental function, one instantiation per kind: with
// the kind a constant, pointwise_loss_value's switch folds away and the loop vectorizes.
template <PointwiseLoss K>
void loss_values(const float* __restrict x, const float* __restrict t, float* __restrict loss,
                 int64_t n) {
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    loss[i] = pointwise_loss_value(K, x[i], t[i]);
}

template <PointwiseLoss K>
void loss_derivatives(const float* __restrict x, const float* __restrict t, float factor,
                      float* __restrict dx, int64_t n) {
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    dx[i] = factor * pointwise_loss_derivative(K, x[i], t[i]);
}

}  // namespace

void CpuBackend::pointwise_loss(PointwiseLoss kind, const float* x, const float* t, float* loss,
                                int64_t n) {
  if (kind == PointwiseLoss::kMse) return loss_values<PointwiseLoss::kMse>(x, t, loss, n);
  const auto f = kind == PointwiseLoss::kBce ? vmath::bce : vmath::bce_with_logits;
  parallel_blocks(
      n, [=](int64_t begin, int64_t end) { f(x + begin, t + begin, loss + begin, end - begin); });
}

void CpuBackend::pointwise_loss_backward(PointwiseLoss kind, const float* x, const float* t,
                                         const float* dloss, float scale, float* dx, int64_t n) {
  const float factor = *dloss * scale;
  switch (kind) {
    case PointwiseLoss::kMse:
      return loss_derivatives<PointwiseLoss::kMse>(x, t, factor, dx, n);
    case PointwiseLoss::kBce:
      return loss_derivatives<PointwiseLoss::kBce>(x, t, factor, dx, n);
    case PointwiseLoss::kBceWithLogits:
      return parallel_blocks(n, [=](int64_t begin, int64_t end) {
        vmath::bce_with_logits_derivative(x + begin, t + begin, factor, dx + begin, end - begin);
      });
  }
}

void CpuBackend::softmax_cross_entropy(const float* logits, const int32_t* labels, float* loss,
                                       int64_t rows, int64_t classes) {
#pragma omp parallel for if (rows * classes > kParallelThreshold)
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = logits + r * classes;
    loss[r] = static_cast<float>(row_logsumexp(x, classes) - x[labels[r]]);
  }
}

void CpuBackend::softmax_cross_entropy_backward(const float* logits, const int32_t* labels,
                                                const float* dloss, float scale, float* dlogits,
                                                int64_t rows, int64_t classes) {
  const double factor = static_cast<double>(*dloss) * scale;
#pragma omp parallel for if (rows * classes > kParallelThreshold)
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = logits + r * classes;
    float* dx = dlogits + r * classes;
    const double lse = row_logsumexp(x, classes);
    for (int64_t c = 0; c < classes; ++c) {
      const double p = std::exp(static_cast<double>(x[c]) - lse);
      dx[c] = static_cast<float>(factor * (p - (c == labels[r] ? 1.0 : 0.0)));
    }
  }
}

}  // namespace hg::kernels::cpu
