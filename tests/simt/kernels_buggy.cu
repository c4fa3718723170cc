// kernels_buggy.cu: kernels with one deliberate bug each, which the emulator must expose: by a
// wrong result in some fiber order (missing barriers, races) or by a diagnosis naming the thread
// and source line (bad masks, deadlocks, divergent barriers, exceptions, stack overflow).
// Each *_line() function returns the line the diagnosis must name.
#include <stdexcept>
#include <string>

#include "../../kernels/cuda/cuda_platform.cuh"
#include "sgemm_tile.cuh"
#include "test_kernels.h"

namespace hg::simt_test {
namespace {

__device__ int g_destroyed;

__global__ void shift_left_race_kernel(float* data, int n) {
  __shared__ float s[256];
  const int t = static_cast<int>(threadIdx.x);
  s[t] = data[t];
  __syncthreads();
  const float next = t + 1 < n ? s[t + 1] : 0.0f;
  // BUG: a __syncthreads() belongs here. Without it a higher thread may overwrite s[t + 1] before
  // thread t has read it: invisible when threads run in increasing order, wrong otherwise.
  s[t] = next;
  __syncthreads();
  data[t] = s[t];
}

constexpr int kShuffleOutsideMaskLine = __LINE__ + 5;
__global__ void shuffle_outside_mask_kernel(const float* in, float* out) {
  const unsigned lane = threadIdx.x % 32;
  float v = in[threadIdx.x];
  if (lane < 16) {
    v += __shfl_down_sync(0x0000ffffu, v, 8);  // BUG: lanes 8..15 read lanes 16..23
  }
  out[threadIdx.x] = v;
}

constexpr int kEarlyReturnBarrierLine = __LINE__ + 5;
__global__ void barrier_after_early_return_kernel(float* data, int n) {
  const int i = static_cast<int>(threadIdx.x);
  if (i >= n) return;  // BUG: these threads never reach the barrier below
  data[i] *= 2.0f;
  __syncthreads();
  data[i] += 1.0f;
}

constexpr int kDivergentLineA = __LINE__ + 5;
constexpr int kDivergentLineB = __LINE__ + 7;
__global__ void divergent_barriers_kernel(float* data) {
  if (threadIdx.x < 32) {
    data[threadIdx.x] = 1.0f;
    __syncthreads();
  } else {
    data[threadIdx.x] = 2.0f;
    __syncthreads();  // BUG: a different barrier than the one above
  }
}

constexpr int kHalfWarpShuffleLine = __LINE__ + 3;
__global__ void half_warp_shuffle_kernel(float* data) {
  float v = data[threadIdx.x];
  if (threadIdx.x % 32 < 16) v = __shfl_xor_sync(0xffffffffu, v, 1);  // BUG: full mask, half the warp
  __syncthreads();
  data[threadIdx.x] = v;
}

__global__ void not_in_own_mask_kernel(float* data) {
  float v = data[threadIdx.x];
  v += __shfl_xor_sync(0x0000ffffu, v, 1);  // BUG: lanes 16..31 are not in the mask
  data[threadIdx.x] = v;
}

__device__ float checked_load(const float* p, int i, int n) {
#if defined(HG_SIMT)
  if (i >= n) throw std::out_of_range("checked_load: index " + std::to_string(i) + " >= size " + std::to_string(n));
#endif
  return p[i];
}

__global__ void throwing_kernel_kernel(const float* data, int n, float* out) {
  __syncthreads();
  out[threadIdx.x] = checked_load(data, static_cast<int>(threadIdx.x), n);  // BUG: no i < n check
}

struct CountsDestruction {
  __device__ ~CountsDestruction() { atomicAdd(&g_destroyed, 1); }
};

__global__ void unwinding_kernel_kernel(int returning) {
  CountsDestruction guard;
  if (static_cast<int>(threadIdx.x) < returning) return;
  __syncthreads();  // BUG: barrier after early return; the waiting threads must be unwound
}

__device__ int recurse(int depth) {
  volatile char frame[2048];
  frame[0] = static_cast<char>(depth);
  if (depth == 0) return frame[0];
  return recurse(depth - 1) + frame[0];
}

__global__ void stack_overflow_kernel_kernel(int* out) { *out = recurse(1 << 20); }

}  // namespace

void sgemm_missing_sync(const float* A, const float* B, float* C, int M, int N, int K) {
  launch_sgemm<false>(A, B, C, M, N, K);
}

void shift_left_race(float* data, int n) { hg::cuda::launch(shift_left_race_kernel, dim3(1), dim3(n), 0, nullptr, data, n); }

void shuffle_outside_mask(const float* in, float* out) {
  hg::cuda::launch(shuffle_outside_mask_kernel, dim3(1), dim3(32), 0, nullptr, in, out);
}
int shuffle_outside_mask_line() { return kShuffleOutsideMaskLine; }

void barrier_after_early_return(float* data, int n) {
  hg::cuda::launch(barrier_after_early_return_kernel, dim3(1), dim3(64), 0, nullptr, data, n);
}
int barrier_after_early_return_line() { return kEarlyReturnBarrierLine; }

void divergent_barriers(float* data) { hg::cuda::launch(divergent_barriers_kernel, dim3(1), dim3(64), 0, nullptr, data); }
int divergent_barriers_line_a() { return kDivergentLineA; }
int divergent_barriers_line_b() { return kDivergentLineB; }

void half_warp_shuffle(float* data) { hg::cuda::launch(half_warp_shuffle_kernel, dim3(1), dim3(32), 0, nullptr, data); }
int half_warp_shuffle_line() { return kHalfWarpShuffleLine; }

void not_in_own_mask(float* data) { hg::cuda::launch(not_in_own_mask_kernel, dim3(1), dim3(32), 0, nullptr, data); }

void throwing_kernel(const float* data, int n, float* out, int threads) {
  hg::cuda::launch(throwing_kernel_kernel, dim3(1), dim3(threads), 0, nullptr, data, n, out);
}

void unwinding_kernel(int threads, int returning) {
  const int zero = 0;
  HG_CUDA_CHECK(cudaMemcpyToSymbol(g_destroyed, &zero, sizeof zero));
  hg::cuda::launch(unwinding_kernel_kernel, dim3(1), dim3(threads), 0, nullptr, returning);
}

int destroyed_objects() {
  int v = 0;
  HG_CUDA_CHECK(cudaMemcpyFromSymbol(&v, g_destroyed, sizeof v));
  return v;
}

void stack_overflow_kernel() {
  int* out = nullptr;
  HG_CUDA_CHECK(cudaMalloc(&out, sizeof(int)));
  hg::cuda::launch(stack_overflow_kernel_kernel, dim3(1), dim3(1), 0, nullptr, out);
  HG_CUDA_CHECK(cudaFree(out));
}

}  // namespace hg::simt_test
