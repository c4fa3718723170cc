// sgemm_tile.cuh: the 32x32 shared-memory tiled SGEMM kernel used by the tests, as a template so
// kernels_buggy.cu can instantiate it without the barrier between loading a tile and using it.
#pragma once

#include "../../kernels/cuda/cuda_platform.cuh"

namespace hg::simt_test {
namespace {

constexpr int kTile = 32;

// C[M,N] = A[M,K] * B[K,N], row-major. Launch with block (32, 32), grid (ceil(N/32), ceil(M/32)).
template <bool SyncAfterLoad>
__global__ void sgemm_tiled_kernel(const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ C,
                                   int M, int N, int K) {
  __shared__ float As[kTile][kTile + 1];
  __shared__ float Bs[kTile][kTile + 1];
  const int tx = static_cast<int>(threadIdx.x);
  const int ty = static_cast<int>(threadIdx.y);
  const int row = static_cast<int>(blockIdx.y) * kTile + ty;
  const int col = static_cast<int>(blockIdx.x) * kTile + tx;
  float acc = 0.0f;
  for (int t = 0; t < K; t += kTile) {
    As[ty][tx] = (row < M && t + tx < K) ? A[row * K + t + tx] : 0.0f;
    Bs[ty][tx] = (t + ty < K && col < N) ? B[(t + ty) * N + col] : 0.0f;
    if (SyncAfterLoad) __syncthreads();
    for (int k = 0; k < kTile; ++k) acc += As[ty][k] * Bs[k][tx];
    __syncthreads();
  }
  if (row < M && col < N) C[row * N + col] = acc;
}

template <bool SyncAfterLoad>
void launch_sgemm(const float* A, const float* B, float* C, int M, int N, int K) {
  const dim3 block(kTile, kTile);
  const dim3 grid((N + kTile - 1) / kTile, (M + kTile - 1) / kTile);
  hg::cuda::launch(sgemm_tiled_kernel<SyncAfterLoad>, grid, block, 0, nullptr, A, B, C, M, N, K);
}

}  // namespace
}  // namespace hg::simt_test
