// Reductions over all elements or one axis. Deterministic on every device.
#pragma once

#include "hourglass/core/tensor.h"

namespace hg {

Tensor sum(const Tensor& x);  // a scalar (shape [])
Tensor mean(const Tensor& x);
// Over one axis (negative counts from the end); keepdim leaves a dimension of 1 in its place.
Tensor sum(const Tensor& x, int axis, bool keepdim = false);
Tensor mean(const Tensor& x, int axis, bool keepdim = false);
// Sums x down to `shape`, the inverse of broadcasting `shape` up to x's shape (used by the
// backward pass of broadcasting ops). Throws hg::Error if shape does not broadcast to x.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace hg
