// Matrix products on the device's GEMM. Transposes are GEMM flags, never copies; the backward
// rules are matmuls with the flags rearranged.
#include "hourglass/ops/matmul.h"

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/ops/reduce.h"
#include "ops/broadcast.h"
#include "ops/op_checks.h"

namespace hg {

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  ops_detail::check_float("matmul", "a", a);
  ops_detail::check_float("matmul", "b", b);
  HG_CHECK(a.rank() == 2 && b.rank() == 2, "matmul: expected 2-D tensors, got a ", a.shape(),
           " and b ", b.shape());
  const Device device = ops_detail::common_device("matmul", "a", a, "b", b);
  const int64_t m = trans_a ? a.dim(1) : a.dim(0), k = trans_a ? a.dim(0) : a.dim(1);
  const int64_t kb = trans_b ? b.dim(1) : b.dim(0), n = trans_b ? b.dim(0) : b.dim(1);
  HG_CHECK(k == kb, "matmul: inner dimensions differ: a ", a.shape(),
           trans_a ? " (transposed)" : "", " times b ", b.shape(), trans_b ? " (transposed)" : "",
           " needs ", k, " == ", kb);
  Tensor out = Tensor::empty(Shape{m, n}, DType::kFloat32, device);
  backend_for(device).gemm(trans_a, trans_b, m, n, k, 1.0f, a.data<float>(), a.dim(1),
                           b.data<float>(), b.dim(1), 0.0f, out.data<float>(), n);
  if (autograd::should_record({a, b})) {
    autograd::record("matmul", {a, b}, out, [a, b, trans_a, trans_b](const Tensor& g) {
      // C = op(A) op(B): dop(A) = dC op(B)^T, dop(B) = op(A)^T dC, transposed back as needed.
      Tensor ga, gb;
      if (a.requires_grad())
        ga = trans_a ? matmul(b, g, trans_b, true) : matmul(g, b, false, !trans_b);
      if (b.requires_grad())
        gb = trans_b ? matmul(g, a, true, trans_a) : matmul(a, g, !trans_a, false);
      return std::vector<Tensor>{ga, gb};
    });
  }
  return out;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  ops_detail::check_float("linear", "x", x);
  ops_detail::check_float("linear", "weight", weight);
  HG_CHECK(x.rank() == 2 && weight.rank() == 2,
           "linear: expected x [N, in] and weight [out, in], got x ", x.shape(), " and weight ",
           weight.shape());
  HG_CHECK(x.dim(1) == weight.dim(1), "linear: x ", x.shape(), " has ", x.dim(1),
           " features but weight ", weight.shape(), " expects ", weight.dim(1));
  const Device device = ops_detail::common_device("linear", "x", x, "weight", weight);
  const int64_t rows = x.dim(0), in = x.dim(1), out_features = weight.dim(0);
  const Shape out_shape{rows, out_features};
  Tensor out = Tensor::empty(out_shape, DType::kFloat32, device);
  kernels::Backend& backend = backend_for(device);
  float beta = 0.0f;
  if (bias.defined()) {
    ops_detail::check_float("linear", "bias", bias);
    ops_detail::common_device("linear", "x", x, "bias", bias);
    HG_CHECK(bias.rank() == 1 && bias.dim(0) == out_features, "linear: bias ", bias.shape(),
             " does not match weight ", weight.shape(), " (expected [", out_features, "])");
    // Start from the bias in every row, then let GEMM accumulate onto it (beta = 1).
    Tensor zero = Tensor::zeros(Shape{}, device);
    backend.binary(kernels::BinaryOp::kAdd,
                   ops_detail::broadcast_index(bias.shape(), Shape{}, out_shape),
                   bias.data<float>(), zero.data<float>(), out.data<float>());
    beta = 1.0f;
  }
  backend.gemm(false, true, rows, out_features, in, 1.0f, x.data<float>(), in, weight.data<float>(),
               in, beta, out.data<float>(), out_features);
  if (autograd::should_record({x, weight, bias})) {
    autograd::record("linear", {x, weight, bias}, out, [x, weight, bias](const Tensor& g) {
      return std::vector<Tensor>{x.requires_grad() ? matmul(g, weight) : Tensor(),
                                 weight.requires_grad() ? matmul(g, x, true, false) : Tensor(),
                                 bias.requires_grad() ? sum(g, 0) : Tensor()};
    });
  }
  return out;
}

}  // namespace hg
