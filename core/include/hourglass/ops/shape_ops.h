// Shape ops: views that change how a tensor's elements are grouped, never the elements.
#pragma once

#include "hourglass/core/tensor.h"

namespace hg {

// One dimension may be -1 (inferred).
Tensor reshape(const Tensor& x, const std::vector<int64_t>& dims);
// Merges dimensions [start_dim, end_dim] into one (PyTorch's flatten; default keeps the batch).
Tensor flatten(const Tensor& x, int start_dim = 1, int end_dim = -1);
// Repeats x along its dimensions of size 1 (and new leading ones) to `shape`, NumPy style.
// Differentiable (the gradient is sum_to). Throws hg::Error if x does not broadcast to shape.
Tensor broadcast_to(const Tensor& x, const Shape& shape);

}  // namespace hg
