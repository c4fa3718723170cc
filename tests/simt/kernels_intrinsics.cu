// kernels_intrinsics.cu: kernels exercising warp shuffles (every mode and width), votes, block
// barrier reductions, atomics, math intrinsics and __device__ globals, checked by
// simt_intrinsics_test.cpp against CUDA's documented semantics.
#include "../../kernels/cuda/cuda_platform.cuh"

#include <cuda_fp16.h>

#include "test_kernels.h"

namespace hg::simt_test {
namespace {

__device__ int g_counter;

__global__ void shuffle_variants_kernel(int* out) {
  const int lane = static_cast<int>(threadIdx.x);
  const int v = lane * 10;
  int* o = out + 5 * lane;
  o[0] = __shfl_sync(0xffffffffu, v, 3, 8);
  o[1] = __shfl_up_sync(0xffffffffu, v, 2, 16);
  o[2] = __shfl_down_sync(0xffffffffu, v, 3, 16);
  o[3] = __shfl_xor_sync(0xffffffffu, v, 5);
  o[4] = __shfl_xor_sync(0xffffffffu, v, 1, 4);
}

__global__ void votes_kernel(unsigned* out) {
  const unsigned lane = threadIdx.x;
  unsigned* o = out + 4 * lane;
  o[0] = __ballot_sync(0xffffffffu, lane % 3 == 0);
  o[1] = static_cast<unsigned>(__any_sync(0xffffffffu, lane == 7));
  o[2] = static_cast<unsigned>(__all_sync(0xffffffffu, lane < 32));
  o[3] = static_cast<unsigned>(__all_sync(0xffffffffu, lane < 31));
  __syncwarp();
}

__global__ void barrier_reductions_kernel(int* out) {
  const unsigned t = threadIdx.x;
  int* o = out + 4 * t;
  o[0] = __syncthreads_count(t % 4 == 0);
  o[1] = __syncthreads_and(t < 256);
  o[2] = __syncthreads_and(t < 255);
  o[3] = __syncthreads_or(t == 200);
}

__global__ void double_shuffle_sum_kernel(double* out) {
  double v = threadIdx.x + 0.5;
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  out[threadIdx.x] = v;
}

__global__ void atomics_kernel(int* ints) {
  const int t = static_cast<int>(threadIdx.x);
  atomicAdd(&ints[0], t);
  atomicMax(&ints[1], t * 7 % 64);
  atomicMin(&ints[2], 100 - t);
  int old = ints[3];
  int assumed;
  do {  // the classic CAS loop
    assumed = old;
    old = atomicCAS(&ints[3], assumed, assumed + 1);
  } while (old != assumed);
  if (t == 63) atomicExch(&ints[4], 1234);
  atomicInc(reinterpret_cast<unsigned*>(&ints[5]), 9u);
}

__global__ void math_intrinsics_kernel(const float* x, float* out, int n) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (i >= n) return;
  const float v = __ldg(&x[i]);
  float* o = out + 8 * i;
  o[0] = __expf(v);
  o[1] = __logf(v);
  o[2] = rsqrtf(v);
  o[3] = __fdividef(v, 3.0f);
  o[4] = __saturatef(v - 1.0f);
  o[5] = static_cast<float>(__float2int_rn(v));
  o[6] = min(v, 0.5f);
  o[7] = static_cast<float>(max(static_cast<int>(v), 1));
}

// The two halves of each warp shuffle separately, at different call sites, each with its own mask
// (legal since Volta). The block has 48 threads, so the second warp has only 16 lanes, and its
// full-mask __syncwarp / __ballot_sync must still complete.
__global__ void split_warps_kernel(int* out) {
  const unsigned lane = threadIdx.x % 32;
  int v = static_cast<int>(threadIdx.x);
  if (lane < 16)
    v = __shfl_xor_sync(0x0000ffffu, v, 1, 16);
  else
    v = __shfl_xor_sync(0xffff0000u, v, 2, 16);
  __syncwarp();
  const unsigned ballot = __ballot_sync(0xffffffffu, v % 2 == 0);
  out[2 * threadIdx.x] = v;
  out[2 * threadIdx.x + 1] = static_cast<int>(ballot);
}

// Toolkit types work under the emulator: __half from cuda_fp16.h, float4/make_float4.
__global__ void half_and_vector_types_kernel(const float* x, float* out, int n) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (i >= n) return;
  const __half h = __float2half(x[i]);
  const float4 v = make_float4(__half2float(h), 1.0f, 2.0f, 3.0f);
  out[i] = v.x + v.y * v.z * v.w;
}

__global__ void count_threads_kernel() { atomicAdd(&g_counter, 1); }

}  // namespace

void shuffle_variants(int* out) { hg::cuda::launch(shuffle_variants_kernel, dim3(1), dim3(32), 0, nullptr, out); }

void votes(unsigned* out) { hg::cuda::launch(votes_kernel, dim3(1), dim3(32), 0, nullptr, out); }

void barrier_reductions(int* out) {
  hg::cuda::launch(barrier_reductions_kernel, dim3(1), dim3(256), 0, nullptr, out);
}

void double_shuffle_sum(double* out) {
  hg::cuda::launch(double_shuffle_sum_kernel, dim3(1), dim3(32), 0, nullptr, out);
}

void atomics(int* ints) { hg::cuda::launch(atomics_kernel, dim3(1), dim3(64), 0, nullptr, ints); }

void math_intrinsics(const float* x, float* out, int n) {
  hg::cuda::launch(math_intrinsics_kernel, dim3((n + 63) / 64), dim3(64), 0, nullptr, x, out, n);
}

void split_warps(int* out) { hg::cuda::launch(split_warps_kernel, dim3(1), dim3(48), 0, nullptr, out); }

void half_and_vector_types(const float* x, float* out, int n) {
  hg::cuda::launch(half_and_vector_types_kernel, dim3((n + 31) / 32), dim3(32), 0, nullptr, x, out, n);
}

void count_threads(int blocks, int threads) {
  hg::cuda::launch(count_threads_kernel, dim3(blocks), dim3(threads), 0, nullptr);
}

int counter_value() {
  int v = 0;
  HG_CUDA_CHECK(cudaMemcpyFromSymbol(&v, g_counter, sizeof v));
  return v;
}

void reset_counter() {
  const int zero = 0;
  HG_CUDA_CHECK(cudaMemcpyToSymbol(g_counter, &zero, sizeof zero));
}

}  // namespace hg::simt_test
