// CPU bodies of the elementwise kernels: fills, conversions, unary ops (one template
// instantiation per op via dispatch_unary), broadcasting binary ops and axpby.
#include <type_traits>

#include "cpu_backend.h"
#include "parallel.h"

namespace hg::kernels::cpu {

namespace {

template <class T>
void fill_any(T* y, T value, int64_t n) {
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    y[i] = value;
}

template <BinaryOp Op>
void binary_loop(const BroadcastIndex& ix, const float* a, const float* b, float* y) {
  const int64_t n = ix.numel;
  if (ix.same_shape) {
#pragma omp parallel for if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i)
      y[i] = apply_binary(Op, a[i], b[i]);
    return;
  }
  if (n == 0) return;
  // Walk the output row by row along its last dimension: offsets are computed once per row and
  // then advance by the operands' last-dimension strides.
  const int64_t last = ix.rank > 0 ? ix.out_shape[ix.rank - 1] : 1;
  const int64_t sa = ix.rank > 0 ? ix.a_stride[ix.rank - 1] : 0;
  const int64_t sb = ix.rank > 0 ? ix.b_stride[ix.rank - 1] : 0;
  const int64_t rows = n / last;
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t a_off = 0, b_off = 0;
    broadcast_offsets(ix, r * last, &a_off, &b_off);
    const float* pa = a + a_off;
    const float* pb = b + b_off;
    float* py = y + r * last;
    for (int64_t i = 0; i < last; ++i)
      py[i] = apply_binary(Op, pa[i * sa], pb[i * sb]);
  }
}

}  // namespace

void CpuBackend::fill(float* y, float value, int64_t n) {
  fill_any(y, value, n);
}
void CpuBackend::fill_i32(int32_t* y, int32_t value, int64_t n) {
  fill_any(y, value, n);
}
void CpuBackend::fill_u8(uint8_t* y, uint8_t value, int64_t n) {
  fill_any(y, value, n);
}

void CpuBackend::u8_to_f32(const uint8_t* x, float* y, float scale, int64_t n) {
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    y[i] = scale * static_cast<float>(x[i]);
}

void CpuBackend::unary(UnaryOp op, float alpha, const float* x, float* y, int64_t n) {
  dispatch_unary(op, [&](auto tag) {
    using F = Unary<decltype(tag)::value>;
#pragma omp parallel for if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i)
      y[i] = F::forward(x[i], alpha);
  });
}

void CpuBackend::unary_backward(UnaryOp op, float alpha, const float* x, const float* y,
                                const float* dy, float* dx, int64_t n) {
  dispatch_unary(op, [&](auto tag) {
    using F = Unary<decltype(tag)::value>;
#pragma omp parallel for if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i)
      dx[i] = dy[i] * F::derivative(x[i], y[i], alpha);
  });
}

void CpuBackend::binary(BinaryOp op, const BroadcastIndex& index, const float* a, const float* b,
                        float* y) {
  switch (op) {
    case BinaryOp::kAdd:
      return binary_loop<BinaryOp::kAdd>(index, a, b, y);
    case BinaryOp::kSub:
      return binary_loop<BinaryOp::kSub>(index, a, b, y);
    case BinaryOp::kMul:
      return binary_loop<BinaryOp::kMul>(index, a, b, y);
    case BinaryOp::kDiv:
      return binary_loop<BinaryOp::kDiv>(index, a, b, y);
  }
}

void CpuBackend::axpby(float alpha, const float* x, float beta, float* y, int64_t n) {
  if (beta == 0.0f) {
    // y may hold garbage (fresh memory): never read it.
#pragma omp parallel for if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i)
      y[i] = alpha * x[i];
    return;
  }
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    y[i] = alpha * x[i] + beta * y[i];
}

}  // namespace hg::kernels::cpu
