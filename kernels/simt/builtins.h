// builtins.h: threadIdx, blockIdx, blockDim, gridDim and warpSize for emulated kernels.
//
// Only one GPU thread (fiber) runs at any moment, so the built-in variables are plain globals that
// the scheduler rewrites before it resumes a fiber. Kernels see them through const references
// (so `threadIdx.x = 3` does not compile, like on the GPU). Every scheduling point is a call into
// the emulator library, so the compiler reloads the values after each __syncthreads / shuffle.
#pragma once

#include <vector_types.h>

namespace hg::simt::detail {

struct Builtins {
  uint3 thread_idx{0, 0, 0};
  uint3 block_idx{0, 0, 0};
  dim3 block_dim{1, 1, 1};
  dim3 grid_dim{1, 1, 1};
  void* dynamic_shared = nullptr;  // this launch's dynamic shared memory (HG_DYNAMIC_SHARED)
};

extern Builtins g_builtins;  // defined in scheduler.cpp

template <class T>
inline T* dynamic_shared() {
  return static_cast<T*>(g_builtins.dynamic_shared);
}

}  // namespace hg::simt::detail

// The CUDA built-ins live in the global namespace, as under nvcc.
inline const uint3& threadIdx = ::hg::simt::detail::g_builtins.thread_idx;
inline const uint3& blockIdx = ::hg::simt::detail::g_builtins.block_idx;
inline const dim3& blockDim = ::hg::simt::detail::g_builtins.block_dim;
inline const dim3& gridDim = ::hg::simt::detail::g_builtins.grid_dim;
inline constexpr int warpSize = 32;
