// Maps a runtime UnaryOp onto a compile-time one (see dispatch_unary in unary_math.h).
#pragma once

#include <stdexcept>
#include <type_traits>

namespace hg::kernels {

template <class Fn>
void dispatch_unary(UnaryOp op, Fn&& fn) {
#define HG_UNARY_CASE(name) \
  case UnaryOp::name:       \
    return fn(std::integral_constant<UnaryOp, UnaryOp::name>{});
  switch (op) {
    HG_UNARY_CASE(kNeg)
    HG_UNARY_CASE(kAbs)
    HG_UNARY_CASE(kSquare)
    HG_UNARY_CASE(kSqrt)
    HG_UNARY_CASE(kExp)
    HG_UNARY_CASE(kLog)
    HG_UNARY_CASE(kRelu)
    HG_UNARY_CASE(kLeakyRelu)
    HG_UNARY_CASE(kSigmoid)
    HG_UNARY_CASE(kTanh)
    HG_UNARY_CASE(kSoftplus)
    HG_UNARY_CASE(kScale)
    HG_UNARY_CASE(kAddScalar)
  }
#undef HG_UNARY_CASE
  throw std::invalid_argument("dispatch_unary: unknown UnaryOp");
}

}  // namespace hg::kernels
