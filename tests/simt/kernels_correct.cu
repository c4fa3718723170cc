// kernels_correct.cu: correct kernels the emulator must run to the right result in every block
// and thread order: a tiled SGEMM, a shuffle + shared memory + atomicAdd reduction, dynamic shared
// memory, and kernels that observe the schedule and the built-in variables.
#include "../../kernels/cuda/cuda_platform.cuh"
#include "sgemm_tile.cuh"
#include "test_kernels.h"

namespace hg::simt_test {
namespace {

__global__ void block_sum_kernel(const float* __restrict__ x, int n, float* __restrict__ out) {
  __shared__ float warp_sums[32];
  float v = 0.0f;
  for (int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x); i < n;
       i += static_cast<int>(blockDim.x * gridDim.x))
    v += x[i];
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
  const unsigned lane = threadIdx.x % 32;
  const unsigned warp = threadIdx.x / 32;
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < blockDim.x / 32 ? warp_sums[lane] : 0.0f;
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
    if (lane == 0) atomicAdd(out, v);
  }
}

__global__ void reverse_within_blocks_kernel(const float* __restrict__ in, float* __restrict__ out) {
  HG_DYNAMIC_SHARED(float, buffer);
  const unsigned base = blockIdx.x * blockDim.x;
  buffer[threadIdx.x] = in[base + threadIdx.x];
  __syncthreads();
  out[base + threadIdx.x] = buffer[blockDim.x - 1 - threadIdx.x];
}

__global__ void read_unwritten_dynamic_kernel(float* out) {
  HG_DYNAMIC_SHARED(float, buffer);
  out[threadIdx.x] = buffer[threadIdx.x];
}

__global__ void read_unwritten_static_kernel(float* out) {
  __shared__ float never_written[64];
  out[threadIdx.x] = never_written[threadIdx.x];
}

__global__ void record_start_order_kernel(int* order, int* counter) {
  order[blockIdx.x * blockDim.x + threadIdx.x] = atomicAdd(counter, 1);
}

__global__ void write_builtins_kernel(int* out) {
  const unsigned t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  const unsigned b = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  int* o = out + 11 * (b * blockDim.x * blockDim.y * blockDim.z + t);
  o[0] = static_cast<int>(t);
  o[1] = static_cast<int>(threadIdx.x);
  o[2] = static_cast<int>(threadIdx.y);
  o[3] = static_cast<int>(threadIdx.z);
  __syncthreads();  // the built-ins must survive a scheduling point
  o[4] = static_cast<int>(blockIdx.x);
  o[5] = static_cast<int>(blockIdx.y);
  o[6] = static_cast<int>(blockIdx.z);
  o[7] = static_cast<int>(blockDim.x * blockDim.y * blockDim.z);
  o[8] = static_cast<int>(gridDim.x * gridDim.y * gridDim.z);
  o[9] = warpSize;
  o[10] = static_cast<int>(b);
}

}  // namespace

void sgemm_tiled(const float* A, const float* B, float* C, int M, int N, int K) {
  launch_sgemm<true>(A, B, C, M, N, K);
}

void block_sum(const float* x, int n, float* out, int blocks, int threads) {
  hg::cuda::launch(block_sum_kernel, dim3(blocks), dim3(threads), 0, nullptr, x, n, out);
}

void reverse_within_blocks(const float* in, float* out, int n, int threads) {
  hg::cuda::launch(reverse_within_blocks_kernel, dim3(n / threads), dim3(threads), threads * sizeof(float), nullptr,
                   in, out);
}

void read_unwritten_dynamic_shared(float* out, int threads) {
  hg::cuda::launch(read_unwritten_dynamic_kernel, dim3(1), dim3(threads), threads * sizeof(float), nullptr, out);
}

void read_unwritten_static_shared(float* out, int threads) {
  hg::cuda::launch(read_unwritten_static_kernel, dim3(1), dim3(threads), 0, nullptr, out);
}

void record_start_order(int* order, int* counter, int blocks, int threads) {
  hg::cuda::launch(record_start_order_kernel, dim3(blocks), dim3(threads), 0, nullptr, order, counter);
}

void write_builtins(int* out) {
  hg::cuda::launch(write_builtins_kernel, dim3(3, 2, 2), dim3(4, 3, 2), 0, nullptr, out);
}

}  // namespace hg::simt_test
