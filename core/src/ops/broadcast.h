// NumPy broadcasting for the binary ops: the result shape of two operands, and the kernels'
// BroadcastIndex (per-operand strides, 0 along stretched dimensions).
#pragma once

#include "hourglass/core/shape.h"
#include "hourglass/kernels/broadcast.h"

namespace hg::ops_detail {

// Shapes are aligned from the right; each pair of dimensions must be equal or contain a 1.
// Throws hg::Error "<op>: cannot broadcast [2, 3] with [4]" otherwise.
Shape broadcast_shape(const char* op, const Shape& a, const Shape& b);
// True when `from` broadcasts up to exactly `to`.
bool broadcasts_to(const Shape& from, const Shape& to);
// The index space of out = f(a, b); `out` must be broadcast_shape(a, b) (or a shape both
// operands broadcast to).
kernels::BroadcastIndex broadcast_index(const Shape& a, const Shape& b, const Shape& out);

}  // namespace hg::ops_detail
