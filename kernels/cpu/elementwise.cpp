// CPU bodies of the elementwise kernels: fills, conversions, unary ops (one template
// instantiation per op via dispatch_unary; ReLU in an integer form that vectorizes; exp, log,
// sigmoid, tanh, softplus and softplus's derivative on SIMD lanes through vector_math.h),
// broadcasting binary ops and axpby.
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "cpu_backend.h"
#include "parallel.h"
#include "vector_math.h"

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

// ReLU on the float's bits: x > 0 exactly when its bits b, as an unsigned integer, satisfy
// 1 <= b <= 0x7f800000 (a positive denormal, normal or +inf; not +-0, negatives or NaN), i.e.
// b - 1 < 0x7f800000 with wrap-around at b = 0. All-ones when x > 0, else 0. The float
// comparison would give the same answer, but under GCC's default -ftrapping-math a loop selecting
// on it is not vectorized; this integer form is.
inline uint32_t positive_mask(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return 0u - static_cast<uint32_t>(bits - 1u < 0x7f800000u);
}

inline float from_bits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Unary<kRelu>::forward (x > 0 ? x : 0) and dy * Unary<kRelu>::derivative (x > 0 ? 1 : 0),
// bitwise the same, in vectorizable form.
void relu_forward(const float* __restrict x, float* __restrict y, int64_t n) {
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &x[i], sizeof bits);
    y[i] = from_bits(bits & positive_mask(x[i]));
  }
}

void relu_backward(const float* __restrict x, const float* __restrict dy, float* __restrict dx,
                   int64_t n) {
  constexpr uint32_t kOneBits = 0x3f800000u;  // 1.0f
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    dx[i] = dy[i] * from_bits(kOneBits & positive_mask(x[i]));
}

using VectorUnary = void (*)(const float* x, float* y, int64_t n);

// The vmath function computing Unary<op>::forward, or nullptr for ops without a transcendental
// function (their plain loops vectorize as they are).
VectorUnary vector_forward(UnaryOp op) {
  switch (op) {
    case UnaryOp::kExp:
      return vmath::exp;
    case UnaryOp::kLog:
      return vmath::log;
    case UnaryOp::kSigmoid:
      return vmath::sigmoid;
    case UnaryOp::kTanh:
      return vmath::tanh;
    case UnaryOp::kSoftplus:
      return vmath::softplus;
    default:
      return nullptr;
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
  if (op == UnaryOp::kRelu && x != y) return relu_forward(x, y, n);
  if (const VectorUnary f = vector_forward(op))
    return parallel_blocks(
        n, [=](int64_t begin, int64_t end) { f(x + begin, y + begin, end - begin); });
  dispatch_unary(op, [&](auto tag) {
    using F = Unary<decltype(tag)::value>;
#pragma omp parallel for if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i)
      y[i] = F::forward(x[i], alpha);
  });
}

void CpuBackend::unary_backward(UnaryOp op, float alpha, const float* x, const float* y,
                                const float* dy, float* dx, int64_t n) {
  if (op == UnaryOp::kRelu && x != dx && dy != dx) return relu_backward(x, dy, dx, n);
  if (op == UnaryOp::kSoftplus) {
    // dy * Unary<kSoftplus>::derivative = dy * stable_sigmoid(x); the other derivatives need no
    // transcendental function.
    return parallel_blocks(n, [=](int64_t begin, int64_t end) {
      vmath::mul_sigmoid(dy + begin, x + begin, dx + begin, end - begin);
    });
  }
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
