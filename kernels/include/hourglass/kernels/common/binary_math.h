// Pointwise arithmetic of the broadcasting binary ops, shared by both backends.
#pragma once

#include "hourglass/kernels/common/host_device.h"

namespace hg::kernels {

enum class BinaryOp : int { kAdd, kSub, kMul, kDiv };

HG_HOST_DEVICE float apply_binary(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
  }
  return 0.0f;
}

}  // namespace hg::kernels
