// Elementwise ops on float32 tensors: arithmetic with NumPy broadcasting, activations and
// pointwise math. All are differentiable; gradients of broadcast operands are summed back to
// the operand's shape.
#pragma once

#include "hourglass/core/tensor.h"

namespace hg {

// Broadcasting arithmetic: shapes are aligned from the right; a dimension of 1 (or a missing
// one) stretches. Throws hg::Error for incompatible shapes or mixed devices.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, float b);
Tensor mul(const Tensor& a, float b);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, float b);
Tensor operator-(const Tensor& a, float b);
Tensor operator*(const Tensor& a, float b);
Tensor operator*(float a, const Tensor& b);
Tensor operator+(float a, const Tensor& b);
Tensor operator-(float a, const Tensor& b);  // a - b, e.g. 1 - p
Tensor operator/(const Tensor& a, float b);
Tensor operator-(const Tensor& a);

Tensor neg(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor square(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor softplus(const Tensor& x);

// uint8 -> float32 times scale (e.g. 1/255 for pixels). Not differentiable.
Tensor to_float(const Tensor& x, float scale = 1.0f);

}  // namespace hg
