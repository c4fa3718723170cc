// Helpers shared by the one-thread-per-element spatial kernels (pool.cu, upsample.cu, the padding
// kernels of cudnn_conv.cu): the launch of a grid-stride kernel over n elements, the loop's
// bounds, and the decoding of a flat NCHW index into (plane, row, column), where a plane is one
// (n, c) image of the batch.
#pragma once

#include "cuda_platform.cuh"

#include <cstdint>

#include "cuda_backend_impl.cuh"

namespace hg::kernels::cuda {

constexpr int kSpatialThreads = 256;

// Launches kernel(args...) on b's stream with enough blocks of kSpatialThreads for a grid-stride
// loop over n elements; nothing when n is 0.
template <class Kernel, class... Args>
void launch_per_element(CudaBackend& b, Kernel kernel, int64_t n, Args... args) {
  if (n <= 0) return;
  b.activate();
  hg::cuda::launch(kernel, dim3(b.grid_for(n, kSpatialThreads)), dim3(kSpatialThreads), 0,
                   b.stream(), args...);
}

// This thread's first index of a grid-stride loop, and the loop's step (threads in the grid).
__device__ __forceinline__ int64_t grid_stride_first() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t grid_stride_step() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

// Flat index i of a [planes, rows, cols] tensor as (plane p, row r, column c).
struct PlaneIndex {
  int64_t p, r, c;
};

__device__ __forceinline__ PlaneIndex plane_index(int64_t i, int64_t rows, int64_t cols) {
  return PlaneIndex{i / (cols * rows), (i / cols) % rows, i % cols};
}

}  // namespace hg::kernels::cuda
