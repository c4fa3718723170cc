// CUDA bodies of the elementwise kernels: fills, u8 -> f32, unary ops and their backward (one
// kernel instantiation per op through dispatch_unary, formulas from common/unary_math.h),
// binary ops (a flat vectorised path when both operands have the output's shape, an index walk
// for broadcasting) and axpby. The same-shape ones all run on pointwise_kernel (pointwise.cuh).
#include "cuda_platform.cuh"

#include <cstring>
#include <limits>

#include "cuda_backend_impl.cuh"
#include "index_width.h"
#include "pointwise.cuh"

namespace hg::kernels::cuda {

namespace {

template <class T>
__global__ void fill_kernel(T* y, T value, int64_t n) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    y[i] = value;
}

__global__ void u8_to_f32_kernel(const uint8_t* x, float* y, float scale, int64_t n) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    y[i] = scale * static_cast<float>(x[i]);
}

template <UnaryOp Op>
struct UnaryForward {
  float alpha;
  __device__ void operator()(const float (&in)[1], float (&out)[1]) const {
    out[0] = Unary<Op>::forward(in[0], alpha);
  }
};

// in = {x, y, dy}, out = {dx}.
template <UnaryOp Op>
struct UnaryBackward {
  float alpha;
  __device__ void operator()(const float (&in)[3], float (&out)[1]) const {
    out[0] = in[2] * Unary<Op>::derivative(in[0], in[1], alpha);
  }
};

template <BinaryOp Op>
struct BinaryFlat {
  __device__ void operator()(const float (&in)[2], float (&out)[1]) const {
    out[0] = apply_binary(Op, in[0], in[1]);
  }
};

// Broadcasting: each output element finds its operands' offsets from its coordinates. Index is
// int32_t when every offset fits, which makes the divisions much cheaper.
template <BinaryOp Op, class Index>
__global__ void broadcast_binary_kernel(BroadcastIndex ix, const float* a, const float* b,
                                        float* y) {
  const Index n = static_cast<Index>(ix.numel);
  const Index stride = static_cast<Index>(gridDim.x) * static_cast<Index>(blockDim.x);
  for (Index i = static_cast<Index>(blockIdx.x) * static_cast<Index>(blockDim.x) +
                 static_cast<Index>(threadIdx.x);
       i < n; i += stride) {
    Index rest = i, a_off = 0, b_off = 0;
    for (int d = ix.rank - 1; d >= 0; --d) {
      const Index extent = static_cast<Index>(ix.out_shape[d]);
      const Index coord = rest % extent;
      rest /= extent;
      a_off += coord * static_cast<Index>(ix.a_stride[d]);
      b_off += coord * static_cast<Index>(ix.b_stride[d]);
    }
    y[i] = apply_binary(Op, a[a_off], b[b_off]);
  }
}

struct Scale {
  float alpha;
  __device__ void operator()(const float (&in)[1], float (&out)[1]) const {
    out[0] = alpha * in[0];
  }
};

// in = {x, y}, out = {y}.
struct Axpby {
  float alpha, beta;
  __device__ void operator()(const float (&in)[2], float (&out)[1]) const {
    out[0] = alpha * in[0] + beta * in[1];
  }
};

template <class T>
void launch_fill(const CudaBackend& backend, T* y, T value, int64_t n) {
  constexpr int kThreads = 256;
  hg::cuda::launch(fill_kernel<T>, dim3(backend.grid_for(n, kThreads)), dim3(kThreads), 0,
                   backend.stream(), y, value, n);
}

// True when every byte of value is zero, so cudaMemset can do the fill.
template <class T>
bool all_zero_bytes(T value) {
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  for (unsigned char c : bytes)
    if (c != 0) return false;
  return true;
}

template <BinaryOp Op>
void launch_binary(const CudaBackend& backend, const BroadcastIndex& ix, const float* a,
                   const float* b, float* y) {
  if (ix.same_shape) {
    launch_pointwise<2, 1>(backend, BinaryFlat<Op>{}, InPtrs<2>{{a, b}}, OutPtrs<1>{{y}}, ix.numel);
    return;
  }
  // The largest offset any index reaches: numel for the output, the strided extents for a, b.
  int64_t a_max = 0, b_max = 0;
  for (int d = 0; d < ix.rank; ++d) {
    a_max += (ix.out_shape[d] - 1) * ix.a_stride[d];
    b_max += (ix.out_shape[d] - 1) * ix.b_stride[d];
  }
  constexpr int kThreads = 256;
  const dim3 grid(backend.grid_for(ix.numel, kThreads));
  if (broadcast_index_fits_int32(ix.numel, a_max, b_max, static_cast<int64_t>(grid.x) * kThreads))
    hg::cuda::launch(broadcast_binary_kernel<Op, int32_t>, grid, dim3(kThreads), 0,
                     backend.stream(), ix, a, b, y);
  else
    hg::cuda::launch(broadcast_binary_kernel<Op, int64_t>, grid, dim3(kThreads), 0,
                     backend.stream(), ix, a, b, y);
}

}  // namespace

void CudaBackend::fill(float* y, float value, int64_t n) {
  if (n <= 0) return;
  activate();
  if (all_zero_bytes(value))
    HG_CUDA_CHECK(cudaMemsetAsync(y, 0, static_cast<size_t>(n) * sizeof(float), stream_));
  else
    launch_fill(*this, y, value, n);
}

void CudaBackend::fill_i32(int32_t* y, int32_t value, int64_t n) {
  if (n <= 0) return;
  activate();
  if (value == 0)
    HG_CUDA_CHECK(cudaMemsetAsync(y, 0, static_cast<size_t>(n) * sizeof(int32_t), stream_));
  else
    launch_fill(*this, y, value, n);
}

void CudaBackend::fill_u8(uint8_t* y, uint8_t value, int64_t n) {
  if (n <= 0) return;
  activate();
  HG_CUDA_CHECK(cudaMemsetAsync(y, value, static_cast<size_t>(n), stream_));
}

void CudaBackend::u8_to_f32(const uint8_t* x, float* y, float scale, int64_t n) {
  if (n <= 0) return;
  activate();
  constexpr int kThreads = 256;
  hg::cuda::launch(u8_to_f32_kernel, dim3(grid_for(n, kThreads)), dim3(kThreads), 0, stream_, x, y,
                   scale, n);
}

void CudaBackend::unary(UnaryOp op, float alpha, const float* x, float* y, int64_t n) {
  if (n <= 0) return;
  activate();
  dispatch_unary(op, [&](auto tag) {
    constexpr UnaryOp kOp = decltype(tag)::value;
    launch_pointwise<1, 1>(*this, UnaryForward<kOp>{alpha}, InPtrs<1>{{x}}, OutPtrs<1>{{y}}, n);
  });
}

void CudaBackend::unary_backward(UnaryOp op, float alpha, const float* x, const float* y,
                                 const float* dy, float* dx, int64_t n) {
  if (n <= 0) return;
  activate();
  dispatch_unary(op, [&](auto tag) {
    constexpr UnaryOp kOp = decltype(tag)::value;
    launch_pointwise<3, 1>(*this, UnaryBackward<kOp>{alpha}, InPtrs<3>{{x, y, dy}},
                           OutPtrs<1>{{dx}}, n);
  });
}

void CudaBackend::binary(BinaryOp op, const BroadcastIndex& index, const float* a, const float* b,
                         float* y) {
  if (index.numel <= 0) return;
  activate();
  switch (op) {
    case BinaryOp::kAdd:
      return launch_binary<BinaryOp::kAdd>(*this, index, a, b, y);
    case BinaryOp::kSub:
      return launch_binary<BinaryOp::kSub>(*this, index, a, b, y);
    case BinaryOp::kMul:
      return launch_binary<BinaryOp::kMul>(*this, index, a, b, y);
    case BinaryOp::kDiv:
      return launch_binary<BinaryOp::kDiv>(*this, index, a, b, y);
  }
}

void CudaBackend::axpby(float alpha, const float* x, float beta, float* y, int64_t n) {
  if (n <= 0) return;
  activate();
  if (beta == 0.0f)  // y may be fresh memory: never read it
    launch_pointwise<1, 1>(*this, Scale{alpha}, InPtrs<1>{{x}}, OutPtrs<1>{{y}}, n);
  else
    launch_pointwise<2, 1>(*this, Axpby{alpha, beta}, InPtrs<2>{{x, y}}, OutPtrs<1>{{y}}, n);
}

}  // namespace hg::kernels::cuda
