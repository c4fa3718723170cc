// Elementwise ops: broadcasting arithmetic, scalar arithmetic, pointwise math and to_float.
// Unary ops differentiate through the backend's unary_backward kernel (one pass, the same
// formula on every device); binary ops compose existing ops and sum gradients of broadcast
// operands back to their shapes.
#include "hourglass/ops/elementwise.h"

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/ops/reduce.h"
#include "ops/broadcast.h"
#include "ops/op_checks.h"

namespace hg {

using kernels::BinaryOp;
using kernels::UnaryOp;
using ops_detail::check_float;

namespace {

Tensor binary_forward(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  check_float(name, "a", a);
  check_float(name, "b", b);
  const Device device = ops_detail::common_device(name, "a", a, "b", b);
  const Shape shape = ops_detail::broadcast_shape(name, a.shape(), b.shape());
  Tensor out = Tensor::empty(shape, DType::kFloat32, device);
  backend_for(device).binary(op, ops_detail::broadcast_index(a.shape(), b.shape(), shape),
                             a.data<float>(), b.data<float>(), out.data<float>());
  return out;
}

Tensor unary_forward(const char* name, UnaryOp op, float alpha, const Tensor& x) {
  check_float(name, "x", x);
  Tensor out = Tensor::empty(x.shape(), DType::kFloat32, x.device());
  backend_for(x.device()).unary(op, alpha, x.data<float>(), out.data<float>(), x.numel());
  if (autograd::should_record({x})) {
    autograd::record(name, {x}, out, [op, alpha, x, out](const Tensor& g) {
      Tensor dx = Tensor::empty(x.shape(), DType::kFloat32, x.device());
      backend_for(x.device())
          .unary_backward(op, alpha, x.data<float>(), out.data<float>(), g.data<float>(),
                          dx.data<float>(), x.numel());
      return std::vector<Tensor>{dx};
    });
  }
  return out;
}

// The gradient for one operand, or an undefined tensor when it needs none.
template <class Fn>
Tensor grad_if(const Tensor& input, Fn&& compute) {
  return input.requires_grad() ? sum_to(compute(), input.shape()) : Tensor();
}

}  // namespace

// ---- broadcasting arithmetic --------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward("add", BinaryOp::kAdd, a, b);
  if (autograd::should_record({a, b})) {
    autograd::record("add", {a, b}, out, [a, b](const Tensor& g) {
      return std::vector<Tensor>{grad_if(a, [&] { return g; }), grad_if(b, [&] { return g; })};
    });
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward("sub", BinaryOp::kSub, a, b);
  if (autograd::should_record({a, b})) {
    autograd::record("sub", {a, b}, out, [a, b](const Tensor& g) {
      return std::vector<Tensor>{grad_if(a, [&] { return g; }), grad_if(b, [&] { return neg(g); })};
    });
  }
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward("mul", BinaryOp::kMul, a, b);
  if (autograd::should_record({a, b})) {
    autograd::record("mul", {a, b}, out, [a, b](const Tensor& g) {
      return std::vector<Tensor>{grad_if(a, [&] { return mul(g, b); }),
                                 grad_if(b, [&] { return mul(g, a); })};
    });
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward("div", BinaryOp::kDiv, a, b);
  if (autograd::should_record({a, b})) {
    // d(a/b)/db = -(a/b)/b = -out/b.
    autograd::record("div", {a, b}, out, [a, b, out](const Tensor& g) {
      return std::vector<Tensor>{grad_if(a, [&] { return div(g, b); }),
                                 grad_if(b, [&] { return neg(div(mul(g, out), b)); })};
    });
  }
  return out;
}

Tensor add(const Tensor& a, float b) {
  return unary_forward("add_scalar", UnaryOp::kAddScalar, b, a);
}
Tensor mul(const Tensor& a, float b) {
  return unary_forward("scale", UnaryOp::kScale, b, a);
}

Tensor operator+(const Tensor& a, const Tensor& b) {
  return add(a, b);
}
Tensor operator-(const Tensor& a, const Tensor& b) {
  return sub(a, b);
}
Tensor operator*(const Tensor& a, const Tensor& b) {
  return mul(a, b);
}
Tensor operator/(const Tensor& a, const Tensor& b) {
  return div(a, b);
}
Tensor operator+(const Tensor& a, float b) {
  return add(a, b);
}
Tensor operator-(const Tensor& a, float b) {
  return add(a, -b);
}
Tensor operator*(const Tensor& a, float b) {
  return mul(a, b);
}
Tensor operator*(float a, const Tensor& b) {
  return mul(b, a);
}
Tensor operator+(float a, const Tensor& b) {
  return add(b, a);
}
Tensor operator-(float a, const Tensor& b) {
  return add(neg(b), a);
}
Tensor operator/(const Tensor& a, float b) {
  return mul(a, 1.0f / b);
}
Tensor operator-(const Tensor& a) {
  return neg(a);
}

// ---- pointwise math ---------------------------------------------------------------------------

Tensor neg(const Tensor& x) {
  return unary_forward("neg", UnaryOp::kNeg, 0.0f, x);
}
Tensor abs(const Tensor& x) {
  return unary_forward("abs", UnaryOp::kAbs, 0.0f, x);
}
Tensor square(const Tensor& x) {
  return unary_forward("square", UnaryOp::kSquare, 0.0f, x);
}
Tensor sqrt(const Tensor& x) {
  return unary_forward("sqrt", UnaryOp::kSqrt, 0.0f, x);
}
Tensor exp(const Tensor& x) {
  return unary_forward("exp", UnaryOp::kExp, 0.0f, x);
}
Tensor log(const Tensor& x) {
  return unary_forward("log", UnaryOp::kLog, 0.0f, x);
}
Tensor relu(const Tensor& x) {
  return unary_forward("relu", UnaryOp::kRelu, 0.0f, x);
}
Tensor leaky_relu(const Tensor& x, float negative_slope) {
  return unary_forward("leaky_relu", UnaryOp::kLeakyRelu, negative_slope, x);
}
Tensor sigmoid(const Tensor& x) {
  return unary_forward("sigmoid", UnaryOp::kSigmoid, 0.0f, x);
}
Tensor tanh(const Tensor& x) {
  return unary_forward("tanh", UnaryOp::kTanh, 0.0f, x);
}
Tensor softplus(const Tensor& x) {
  return unary_forward("softplus", UnaryOp::kSoftplus, 0.0f, x);
}

Tensor to_float(const Tensor& x, float scale) {
  HG_CHECK(x.defined(), "to_float: input 'x' is undefined");
  HG_CHECK(x.dtype() == DType::kUInt8, "to_float: expected a uint8 tensor, got ",
           dtype_name(x.dtype()), " with shape ", x.shape());
  Tensor out = Tensor::empty(x.shape(), DType::kFloat32, x.device());
  backend_for(x.device()).u8_to_f32(x.data<uint8_t>(), out.data<float>(), scale, x.numel());
  return out;  // uint8 tensors never require grad, so there is nothing to record
}

}  // namespace hg
