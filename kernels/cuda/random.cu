// CUDA random fills from the shared Philox stream (common/philox.h): element i depends only on
// (seed, offset, i), so the result equals the CPU twin's bit for bit.
//
// One detail keeps that true on a real GPU: nvcc contracts `lo + (hi - lo) * u` into a fused
// multiply-add (one rounding), while the host compiler rounds the product and the sum separately.
// So the kernels draw the standard variate from the shared function (with lo = 0, hi = 1, or
// mean = 0, stddev = 1, where the affine step is exact either way) and apply the affine step with
// explicitly rounded __fmul_rn / __fadd_rn, which are never fused: the CPU's two roundings.
#include "cuda_platform.cuh"

#include "cuda_backend_impl.cuh"
#include "hourglass/kernels/common/philox.h"

namespace hg::kernels::cuda {

namespace {

__global__ void random_uniform_kernel(float* y, int64_t n, uint64_t seed, uint64_t offset, float lo,
                                      float hi) {
  const float width = hi - lo;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const float u = philox_uniform_at(seed, offset, i, 0.0f, 1.0f);
    y[i] = __fadd_rn(lo, __fmul_rn(width, u));
  }
}

__global__ void random_normal_kernel(float* y, int64_t n, uint64_t seed, uint64_t offset,
                                     float mean, float stddev) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const float z = philox_normal_at(seed, offset, i, 0.0f, 1.0f);
    y[i] = __fadd_rn(mean, __fmul_rn(stddev, z));
  }
}

constexpr int kThreads = 256;

}  // namespace

void CudaBackend::random_uniform(float* y, int64_t n, uint64_t seed, uint64_t offset, float lo,
                                 float hi) {
  if (n <= 0) return;
  activate();
  note_unsupported("random numbers (their Philox offsets would be frozen into a graph)");
  hg::cuda::launch(random_uniform_kernel, dim3(grid_for(n, kThreads)), dim3(kThreads), 0, stream_,
                   y, n, seed, offset, lo, hi);
}

void CudaBackend::random_normal(float* y, int64_t n, uint64_t seed, uint64_t offset, float mean,
                                float stddev) {
  if (n <= 0) return;
  activate();
  note_unsupported("random numbers (their Philox offsets would be frozen into a graph)");
  hg::cuda::launch(random_normal_kernel, dim3(grid_for(n, kThreads)), dim3(kThreads), 0, stream_, y,
                   n, seed, offset, mean, stddev);
}

}  // namespace hg::kernels::cuda
