// CUDA max and average pooling (torch.nn.MaxPool2d / AvgPool2d semantics, see backend.h and
// conv_params.h). Forward: one thread per output element walks its window. Backward: one thread
// per input element gathers the outputs whose windows cover it, in (oh, ow) order, so the result
// is deterministic (no atomics) and matches the CPU twin's in-order scatter term for term.
//
// Which windows cover input row ih: window oh spans rows [oh*s - p, oh*s - p + k), so it holds
// ih iff oh*s - p <= ih < oh*s - p + k, i.e. oh in [ceil((ih + p - k + 1) / s), floor((ih + p) /
// s)] intersected with [0, out_h). Columns likewise. At most ceil(k / s) windows per axis.
#include "cuda_platform.cuh"

#include "cuda_backend_impl.cuh"

namespace hg::kernels::cuda {

namespace {

constexpr int kThreads = 256;

// Window rows (or columns) of output o clipped to the input: [*begin, *end).
__device__ __forceinline__ void window(int64_t o, int64_t stride, int64_t pad, int64_t kernel,
                                       int64_t in, int64_t* begin, int64_t* end) {
  const int64_t start = o * stride - pad;
  *begin = start > 0 ? start : 0;
  *end = start + kernel < in ? start + kernel : in;
}

// Outputs [*first, *last] (inclusive) whose windows cover input index i along one axis (see the
// file comment); empty when *first > *last.
__device__ __forceinline__ void covering(int64_t i, int64_t stride, int64_t pad, int64_t kernel,
                                         int64_t out, int64_t* first, int64_t* last) {
  const int64_t lo = i + pad - kernel + 1;  // ceil(lo / stride), lo may be negative
  *first = lo <= 0 ? 0 : (lo + stride - 1) / stride;
  const int64_t hi = (i + pad) / stride;  // i + pad >= 0
  *last = hi < out - 1 ? hi : out - 1;
}

// PyTorch's divisor (see kernels/cpu/pool.cpp): the window clipped to [-pad, in + pad) with
// count_include_pad, else to the input.
__device__ __forceinline__ int64_t avg_divisor(const Pool2dGeometry& g, bool count_include_pad,
                                               int64_t oh, int64_t ow) {
  const int64_t h0 = oh * g.stride_h - g.pad_h, w0 = ow * g.stride_w - g.pad_w;
  int64_t h1 = h0 + g.kernel_h, w1 = w0 + g.kernel_w;
  if (count_include_pad) {
    if (h1 > g.in_h + g.pad_h) h1 = g.in_h + g.pad_h;
    if (w1 > g.in_w + g.pad_w) w1 = g.in_w + g.pad_w;
    return (h1 - h0) * (w1 - w0);
  }
  const int64_t hb = h0 > 0 ? h0 : 0, wb = w0 > 0 ? w0 : 0;
  const int64_t he = h1 < g.in_h ? h1 : g.in_h, we = w1 < g.in_w ? w1 : g.in_w;
  return (he - hb) * (we - wb);
}

// n = g.y_numel() (the geometry's methods are host code).
__global__ void max_pool_forward_kernel(Pool2dGeometry g, int64_t n, const float* x, float* y,
                                        int32_t* argmax) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t o = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; o < n;
       o += stride) {
    const int64_t ow = o % g.out_w;
    const int64_t oh = (o / g.out_w) % g.out_h;
    const int64_t p = o / (g.out_w * g.out_h);
    const float* xp = x + p * g.in_h * g.in_w;
    int64_t hb, he, wb, we;
    window(oh, g.stride_h, g.pad_h, g.kernel_h, g.in_h, &hb, &he);
    window(ow, g.stride_w, g.pad_w, g.kernel_w, g.in_w, &wb, &we);
    // Only real input elements are visited (padding never wins); an empty window gives -inf and
    // argmax -1. Strictly greater keeps the first maximum; every NaN takes over, so the last
    // NaN wins (PyTorch's rule, CPU and CUDA alike).
    float best = -INFINITY;
    int64_t best_index = -1;
    for (int64_t ih = hb; ih < he; ++ih) {
      for (int64_t iw = wb; iw < we; ++iw) {
        const float v = xp[ih * g.in_w + iw];
        if (best_index < 0 || v > best || isnan(v)) {
          best = v;
          best_index = ih * g.in_w + iw;
        }
      }
    }
    y[o] = best;
    argmax[o] = static_cast<int32_t>(best_index);
  }
}

// dx[p, ih, iw] = sum of dy[p, oh, ow] over covering windows whose argmax is (ih, iw).
// n = g.x_numel().
__global__ void max_pool_backward_kernel(Pool2dGeometry g, int64_t n, const float* dy,
                                         const int32_t* argmax, float* dx) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const int64_t iw = i % g.in_w;
    const int64_t ih = (i / g.in_w) % g.in_h;
    const int64_t p = i / (g.in_w * g.in_h);
    const int64_t plane_index = ih * g.in_w + iw;
    const int64_t base = p * g.out_h * g.out_w;
    int64_t oh0, oh1, ow0, ow1;
    covering(ih, g.stride_h, g.pad_h, g.kernel_h, g.out_h, &oh0, &oh1);
    covering(iw, g.stride_w, g.pad_w, g.kernel_w, g.out_w, &ow0, &ow1);
    float sum = 0.0f;
    for (int64_t oh = oh0; oh <= oh1; ++oh) {
      for (int64_t ow = ow0; ow <= ow1; ++ow) {
        const int64_t o = base + oh * g.out_w + ow;
        if (argmax[o] == plane_index) sum += dy[o];
      }
    }
    dx[i] = sum;
  }
}

__global__ void avg_pool_forward_kernel(Pool2dGeometry g, int64_t n, bool count_include_pad,
                                        const float* x, float* y) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t o = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; o < n;
       o += stride) {
    const int64_t ow = o % g.out_w;
    const int64_t oh = (o / g.out_w) % g.out_h;
    const int64_t p = o / (g.out_w * g.out_h);
    const float* xp = x + p * g.in_h * g.in_w;
    int64_t hb, he, wb, we;
    window(oh, g.stride_h, g.pad_h, g.kernel_h, g.in_h, &hb, &he);
    window(ow, g.stride_w, g.pad_w, g.kernel_w, g.in_w, &wb, &we);
    float sum = 0.0f;
    for (int64_t ih = hb; ih < he; ++ih)
      for (int64_t iw = wb; iw < we; ++iw)
        sum += xp[ih * g.in_w + iw];
    const int64_t divisor = avg_divisor(g, count_include_pad, oh, ow);
    y[o] = divisor > 0 ? sum / static_cast<float>(divisor) : 0.0f;
  }
}

// dx[p, ih, iw] = sum over covering windows of dy[p, oh, ow] / divisor(oh, ow).
__global__ void avg_pool_backward_kernel(Pool2dGeometry g, int64_t n, bool count_include_pad,
                                         const float* dy, float* dx) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const int64_t iw = i % g.in_w;
    const int64_t ih = (i / g.in_w) % g.in_h;
    const int64_t p = i / (g.in_w * g.in_h);
    const float* dyp = dy + p * g.out_h * g.out_w;
    int64_t oh0, oh1, ow0, ow1;
    covering(ih, g.stride_h, g.pad_h, g.kernel_h, g.out_h, &oh0, &oh1);
    covering(iw, g.stride_w, g.pad_w, g.kernel_w, g.out_w, &ow0, &ow1);
    float sum = 0.0f;
    for (int64_t oh = oh0; oh <= oh1; ++oh) {
      for (int64_t ow = ow0; ow <= ow1; ++ow) {
        const int64_t divisor = avg_divisor(g, count_include_pad, oh, ow);
        sum += dyp[oh * g.out_w + ow] / static_cast<float>(divisor);
      }
    }
    dx[i] = sum;
  }
}

}  // namespace

void CudaBackend::max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                                     int32_t* argmax) {
  if (g.y_numel() <= 0) return;
  activate();
  hg::cuda::launch(max_pool_forward_kernel, dim3(grid_for(g.y_numel(), kThreads)), dim3(kThreads),
                   0, stream(), g, g.y_numel(), x, y, argmax);
}

void CudaBackend::max_pool2d_backward(const Pool2dGeometry& g, const float* dy,
                                      const int32_t* argmax, float* dx) {
  if (g.x_numel() <= 0) return;
  activate();
  hg::cuda::launch(max_pool_backward_kernel, dim3(grid_for(g.x_numel(), kThreads)), dim3(kThreads),
                   0, stream(), g, g.x_numel(), dy, argmax, dx);
}

void CudaBackend::avg_pool2d_forward(const Pool2dGeometry& g, bool count_include_pad,
                                     const float* x, float* y) {
  if (g.y_numel() <= 0) return;
  activate();
  hg::cuda::launch(avg_pool_forward_kernel, dim3(grid_for(g.y_numel(), kThreads)), dim3(kThreads),
                   0, stream(), g, g.y_numel(), count_include_pad, x, y);
}

void CudaBackend::avg_pool2d_backward(const Pool2dGeometry& g, bool count_include_pad,
                                      const float* dy, float* dx) {
  if (g.x_numel() <= 0) return;
  activate();
  hg::cuda::launch(avg_pool_backward_kernel, dim3(grid_for(g.x_numel(), kThreads)), dim3(kThreads),
                   0, stream(), g, g.x_numel(), count_include_pad, dy, dx);
}

}  // namespace hg::kernels::cuda
