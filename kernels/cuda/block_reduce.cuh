// Warp and block reductions with a fixed combination order: each thread's value enters the same
// place of the same shuffle tree on every run, so results are bitwise reproducible (no atomics).
// Block sizes are multiples of 32 up to 1024, and every thread of the block must call in.
#pragma once

#include "cuda_platform.cuh"

#include <cmath>

namespace hg::kernels::cuda {

struct SumOp {
  template <class T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a + b;
  }
};

struct MaxOp {
  template <class T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a > b ? a : b;
  }
};

constexpr unsigned kFullWarp = 0xffffffffu;

// Tree over the 32 lanes of a full warp (offsets 16, 8, 4, 2, 1); lane 0 holds the result.
template <class T, class Op>
__device__ __forceinline__ T warp_reduce(T v, Op op) {
  for (int offset = 16; offset > 0; offset /= 2)
    v = op(v, __shfl_down_sync(kFullWarp, v, offset));
  return v;
}

// Reduces one value per thread over a block of kThreads threads and returns the result to every
// thread: each warp reduces its lanes, then warp 0 reduces the per-warp results in warp order.
// Ends with a barrier, so it can be called again right away.
template <int kThreads, class T, class Op>
__device__ T block_allreduce(T v, Op op, T identity) {
  static_assert(kThreads % 32 == 0 && kThreads <= 1024, "block size must be whole warps");
  v = warp_reduce(v, op);
  if constexpr (kThreads == 32) {
    return __shfl_sync(kFullWarp, v, 0);
  } else {
    constexpr int kWarps = kThreads / 32;
    __shared__ T warp_results[kWarps];
    __shared__ T result[1];
    const int lane = static_cast<int>(threadIdx.x) % 32;
    const int warp = static_cast<int>(threadIdx.x) / 32;
    if (lane == 0) warp_results[warp] = v;
    __syncthreads();
    if (warp == 0) {
      T w = lane < kWarps ? warp_results[lane] : identity;
      w = warp_reduce(w, op);
      if (lane == 0) result[0] = w;
    }
    __syncthreads();
    const T total = result[0];
    __syncthreads();
    return total;
  }
}

}  // namespace hg::kernels::cuda
