// Human-readable names of the unary ops, for error messages and benchmark labels.
#include "hourglass/kernels/common/unary_math.h"

namespace hg::kernels {

const char* unary_op_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::kNeg:
      return "neg";
    case UnaryOp::kAbs:
      return "abs";
    case UnaryOp::kSquare:
      return "square";
    case UnaryOp::kSqrt:
      return "sqrt";
    case UnaryOp::kExp:
      return "exp";
    case UnaryOp::kLog:
      return "log";
    case UnaryOp::kRelu:
      return "relu";
    case UnaryOp::kLeakyRelu:
      return "leaky_relu";
    case UnaryOp::kSigmoid:
      return "sigmoid";
    case UnaryOp::kTanh:
      return "tanh";
    case UnaryOp::kSoftplus:
      return "softplus";
    case UnaryOp::kScale:
      return "scale";
    case UnaryOp::kAddScalar:
      return "add_scalar";
  }
  return "unknown";
}

}  // namespace hg::kernels
