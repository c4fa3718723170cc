// Describes a broadcast binary op's index space: the output shape and, for each operand, the
// element stride along each output dimension (0 where the operand is broadcast). Built by core
// from NumPy broadcasting rules; kernels only walk it.
#pragma once

#include <cstdint>

namespace hg::kernels {

constexpr int kMaxRank = 6;

struct BroadcastIndex {
  int rank = 0;
  int64_t numel = 0;
  int64_t out_shape[kMaxRank] = {};
  int64_t a_stride[kMaxRank] = {};
  int64_t b_stride[kMaxRank] = {};
  // True when a and b both have the output's shape: kernels can use a flat loop.
  bool same_shape = false;
};

// Offsets of output element `linear` into a and b.
inline void broadcast_offsets(const BroadcastIndex& ix, int64_t linear, int64_t* a_off,
                              int64_t* b_off) {
  int64_t a = 0, b = 0;
  for (int d = ix.rank - 1; d >= 0; --d) {
    const int64_t coord = linear % ix.out_shape[d];
    linear /= ix.out_shape[d];
    a += coord * ix.a_stride[d];
    b += coord * ix.b_stride[d];
  }
  *a_off = a;
  *b_off = b;
}

}  // namespace hg::kernels
