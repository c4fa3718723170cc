// Shape ops: views that change how a tensor's elements are grouped, never the elements.
#pragma once

#include "hourglass/core/tensor.h"

namespace hg {

// One dimension may be -1 (inferred).
Tensor reshape(const Tensor& x, const std::vector<int64_t>& dims);
// Merges dimensions [start_dim, end_dim] into one (PyTorch's flatten; default keeps the batch).
Tensor flatten(const Tensor& x, int start_dim = 1, int end_dim = -1);

}  // namespace hg
