// The one pointwise kernel behind every same-shape elementwise op of the CUDA backend (unary ops
// and their backward, same-shape binary ops, axpby, pointwise losses, the optimizer steps).
//
// An op is a functor `f(const float (&in)[kIn], float (&out)[kOut])` applied at each index i to
// element i of kIn input arrays, producing element i of kOut output arrays (an array updated in
// place is listed both as an input and as an output; an output that is not also an input is never
// read, so fresh memory is fine). The kernel is a grid-stride loop. When every pointer is 16-byte
// aligned and n is not tiny it moves data as float4 (one 16-byte load or store per array per four
// elements), then finishes the n % 4 tail with scalar accesses; otherwise it is scalar throughout.
#pragma once

#include "cuda_platform.cuh"

#include <cstdint>

#include "cuda_backend_impl.cuh"

namespace hg::kernels::cuda {

constexpr int kPointwiseThreads = 256;
// Below this many elements the vector path gains nothing; small tensors stay scalar, so the op
// tests exercise both paths.
constexpr int64_t kVectorMinElements = 256;

template <int N>
struct InPtrs {
  const float* p[N];
};
template <int N>
struct OutPtrs {
  float* p[N];
};

// Component c of a float4, for a compile-time c after unrolling.
__device__ __forceinline__ float& float4_lane(float4& v, int c) {
  return c == 0 ? v.x : (c == 1 ? v.y : (c == 2 ? v.z : v.w));
}

template <int kIn, int kOut, bool kVector, class F>
__global__ void pointwise_kernel(F f, InPtrs<kIn> in, OutPtrs<kOut> out, int64_t n) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  int64_t scalar_begin = 0;
  if constexpr (kVector) {
    const int64_t n4 = n / 4;
    for (int64_t j = first; j < n4; j += stride) {
      float4 a[kIn];
      float4 r[kOut];
      for (int k = 0; k < kIn; ++k)
        a[k] = reinterpret_cast<const float4*>(in.p[k])[j];
      for (int c = 0; c < 4; ++c) {
        float x[kIn];
        float y[kOut];
        for (int k = 0; k < kIn; ++k)
          x[k] = float4_lane(a[k], c);
        f(x, y);
        for (int k = 0; k < kOut; ++k)
          float4_lane(r[k], c) = y[k];
      }
      for (int k = 0; k < kOut; ++k)
        reinterpret_cast<float4*>(out.p[k])[j] = r[k];
    }
    scalar_begin = n4 * 4;
  }
  for (int64_t i = scalar_begin + first; i < n; i += stride) {
    float x[kIn];
    float y[kOut];
    for (int k = 0; k < kIn; ++k)
      x[k] = in.p[k][i];
    f(x, y);
    for (int k = 0; k < kOut; ++k)
      out.p[k][i] = y[k];
  }
}

inline bool aligned16(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % 16 == 0;
}

// Runs f over n elements on the backend's stream, choosing the vector path when it applies.
template <int kIn, int kOut, class F>
void launch_pointwise(const CudaBackend& backend, const F& f, InPtrs<kIn> in, OutPtrs<kOut> out,
                      int64_t n) {
  if (n <= 0) return;
  bool vector = n >= kVectorMinElements;
  for (int k = 0; k < kIn; ++k)
    vector = vector && aligned16(in.p[k]);
  for (int k = 0; k < kOut; ++k)
    vector = vector && aligned16(out.p[k]);
  const int64_t items = vector ? (n + 3) / 4 : n;
  const dim3 grid(backend.grid_for(items, kPointwiseThreads));
  const dim3 block(kPointwiseThreads);
  if (vector)
    hg::cuda::launch(pointwise_kernel<kIn, kOut, true, F>, grid, block, 0, backend.stream(), f, in,
                     out, n);
  else
    hg::cuda::launch(pointwise_kernel<kIn, kOut, false, F>, grid, block, 0, backend.stream(), f, in,
                     out, n);
}

}  // namespace hg::kernels::cuda
