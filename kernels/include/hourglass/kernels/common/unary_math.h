// The pointwise functions behind every unary op (activations, exp/log, ...), written once for
// both backends. Each op is a struct with forward(x) and derivative(x, y) where y = forward(x):
// backward kernels compute dx = dy * derivative(x, y), using whichever of x or y is cheaper.
#pragma once

#include <cmath>

#include "hourglass/kernels/common/host_device.h"

namespace hg::kernels {

enum class UnaryOp : int {
  kNeg,
  kAbs,
  kSquare,
  kSqrt,
  kExp,
  kLog,
  kRelu,
  kLeakyRelu,  // alpha = negative slope
  kSigmoid,
  kTanh,
  kSoftplus,
  kScale,      // y = alpha * x
  kAddScalar,  // y = x + alpha
};

HG_HOST_DEVICE float stable_sigmoid(float x) {
  // Never exponentiates a positive number, so neither branch overflows.
  if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
  const float e = expf(x);
  return e / (1.0f + e);
}

template <UnaryOp Op>
struct Unary;

template <>
struct Unary<UnaryOp::kNeg> {
  HG_HOST_DEVICE static float forward(float x, float) { return -x; }
  HG_HOST_DEVICE static float derivative(float, float, float) { return -1.0f; }
};
template <>
struct Unary<UnaryOp::kAbs> {
  HG_HOST_DEVICE static float forward(float x, float) { return fabsf(x); }
  // Subgradient 0 at 0, as PyTorch.
  HG_HOST_DEVICE static float derivative(float x, float, float) {
    return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f);
  }
};
template <>
struct Unary<UnaryOp::kSquare> {
  HG_HOST_DEVICE static float forward(float x, float) { return x * x; }
  HG_HOST_DEVICE static float derivative(float x, float, float) { return 2.0f * x; }
};
template <>
struct Unary<UnaryOp::kSqrt> {
  HG_HOST_DEVICE static float forward(float x, float) { return sqrtf(x); }
  HG_HOST_DEVICE static float derivative(float, float y, float) { return 0.5f / y; }
};
template <>
struct Unary<UnaryOp::kExp> {
  HG_HOST_DEVICE static float forward(float x, float) { return expf(x); }
  HG_HOST_DEVICE static float derivative(float, float y, float) { return y; }
};
template <>
struct Unary<UnaryOp::kLog> {
  HG_HOST_DEVICE static float forward(float x, float) { return logf(x); }
  HG_HOST_DEVICE static float derivative(float x, float, float) { return 1.0f / x; }
};
template <>
struct Unary<UnaryOp::kRelu> {
  HG_HOST_DEVICE static float forward(float x, float) { return x > 0.0f ? x : 0.0f; }
  HG_HOST_DEVICE static float derivative(float x, float, float) { return x > 0.0f ? 1.0f : 0.0f; }
};
template <>
struct Unary<UnaryOp::kLeakyRelu> {
  HG_HOST_DEVICE static float forward(float x, float slope) { return x > 0.0f ? x : slope * x; }
  HG_HOST_DEVICE static float derivative(float x, float, float slope) {
    return x > 0.0f ? 1.0f : slope;
  }
};
template <>
struct Unary<UnaryOp::kSigmoid> {
  HG_HOST_DEVICE static float forward(float x, float) { return stable_sigmoid(x); }
  HG_HOST_DEVICE static float derivative(float, float y, float) { return y * (1.0f - y); }
};
template <>
struct Unary<UnaryOp::kTanh> {
  HG_HOST_DEVICE static float forward(float x, float) { return tanhf(x); }
  HG_HOST_DEVICE static float derivative(float, float y, float) { return 1.0f - y * y; }
};
template <>
struct Unary<UnaryOp::kSoftplus> {
  // PyTorch's threshold: above 20, log1p(exp(x)) == x in float.
  HG_HOST_DEVICE static float forward(float x, float) { return x > 20.0f ? x : log1pf(expf(x)); }
  HG_HOST_DEVICE static float derivative(float x, float, float) { return stable_sigmoid(x); }
};
template <>
struct Unary<UnaryOp::kScale> {
  HG_HOST_DEVICE static float forward(float x, float alpha) { return alpha * x; }
  HG_HOST_DEVICE static float derivative(float, float, float alpha) { return alpha; }
};
template <>
struct Unary<UnaryOp::kAddScalar> {
  HG_HOST_DEVICE static float forward(float x, float alpha) { return x + alpha; }
  HG_HOST_DEVICE static float derivative(float, float, float) { return 1.0f; }
};

// Calls fn(std::integral_constant<UnaryOp, op>{}) so a backend can instantiate one templated
// kernel per op from a runtime value, keeping the op switch out of the inner loop.
template <class Fn>
void dispatch_unary(UnaryOp op, Fn&& fn);

}  // namespace hg::kernels

#include "hourglass/kernels/common/unary_dispatch.h"
