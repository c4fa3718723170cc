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
#include "spatial_index.cuh"

namespace hg::kernels::cuda {

namespace {

// Rows [h0, h1) x columns [w0, w1) of a plane; empty along an axis where the end is not past the
// start.
struct Rect {
  int64_t h0, h1, w0, w1;
};

// Window rows (or columns) of output o clipped to the input: [*begin, *end).
__device__ __forceinline__ void window(int64_t o, int64_t stride, int64_t pad, int64_t kernel,
                                       int64_t in, int64_t* begin, int64_t* end) {
  const int64_t start = o * stride - pad;
  *begin = start > 0 ? start : 0;
  *end = start + kernel < in ? start + kernel : in;
}

// The input elements in the window of output (oh, ow), clipped to the input.
__device__ __forceinline__ Rect input_window(const Pool2dGeometry& g, int64_t oh, int64_t ow) {
  Rect r;
  window(oh, g.stride_h, g.pad_h, g.kernel_h, g.in_h, &r.h0, &r.h1);
  window(ow, g.stride_w, g.pad_w, g.kernel_w, g.in_w, &r.w0, &r.w1);
  return r;
}

// Outputs [*first, *end) whose windows cover input index i along one axis (see the file comment).
__device__ __forceinline__ void covering(int64_t i, int64_t stride, int64_t pad, int64_t kernel,
                                         int64_t out, int64_t* first, int64_t* end) {
  const int64_t lo = i + pad - kernel + 1;  // ceil(lo / stride), lo may be negative
  *first = lo <= 0 ? 0 : (lo + stride - 1) / stride;
  const int64_t hi = (i + pad) / stride;  // i + pad >= 0
  *end = hi < out - 1 ? hi + 1 : out;
}

// The outputs whose windows cover input (ih, iw).
__device__ __forceinline__ Rect covering_outputs(const Pool2dGeometry& g, int64_t ih, int64_t iw) {
  Rect r;
  covering(ih, g.stride_h, g.pad_h, g.kernel_h, g.out_h, &r.h0, &r.h1);
  covering(iw, g.stride_w, g.pad_w, g.kernel_w, g.out_w, &r.w0, &r.w1);
  return r;
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
  for (int64_t o = grid_stride_first(); o < n; o += grid_stride_step()) {
    const PlaneIndex at = plane_index(o, g.out_h, g.out_w);
    const int64_t p = at.p, oh = at.r, ow = at.c;
    const float* xp = x + p * g.in_h * g.in_w;
    const Rect win = input_window(g, oh, ow);
    // Only real input elements are visited (padding never wins); an empty window gives -inf and
    // argmax -1. Strictly greater keeps the first maximum; every NaN takes over, so the last
    // NaN wins (PyTorch's rule, CPU and CUDA alike).
    float best = -INFINITY;
    int64_t best_index = -1;
    for (int64_t ih = win.h0; ih < win.h1; ++ih) {
      for (int64_t iw = win.w0; iw < win.w1; ++iw) {
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
  for (int64_t i = grid_stride_first(); i < n; i += grid_stride_step()) {
    const PlaneIndex at = plane_index(i, g.in_h, g.in_w);
    const int64_t p = at.p, ih = at.r, iw = at.c;
    const int64_t plane_offset = ih * g.in_w + iw;
    const int64_t base = p * g.out_h * g.out_w;
    const Rect cover = covering_outputs(g, ih, iw);
    float sum = 0.0f;
    for (int64_t oh = cover.h0; oh < cover.h1; ++oh) {
      for (int64_t ow = cover.w0; ow < cover.w1; ++ow) {
        const int64_t o = base + oh * g.out_w + ow;
        if (argmax[o] == plane_offset) sum += dy[o];
      }
    }
    dx[i] = sum;
  }
}

__global__ void avg_pool_forward_kernel(Pool2dGeometry g, int64_t n, bool count_include_pad,
                                        const float* x, float* y) {
  for (int64_t o = grid_stride_first(); o < n; o += grid_stride_step()) {
    const PlaneIndex at = plane_index(o, g.out_h, g.out_w);
    const int64_t p = at.p, oh = at.r, ow = at.c;
    const float* xp = x + p * g.in_h * g.in_w;
    const Rect win = input_window(g, oh, ow);
    float sum = 0.0f;
    for (int64_t ih = win.h0; ih < win.h1; ++ih)
      for (int64_t iw = win.w0; iw < win.w1; ++iw)
        sum += xp[ih * g.in_w + iw];
    const int64_t divisor = avg_divisor(g, count_include_pad, oh, ow);
    y[o] = divisor > 0 ? sum / static_cast<float>(divisor) : 0.0f;
  }
}

// dx[p, ih, iw] = sum over covering windows of dy[p, oh, ow] / divisor(oh, ow).
__global__ void avg_pool_backward_kernel(Pool2dGeometry g, int64_t n, bool count_include_pad,
                                         const float* dy, float* dx) {
  for (int64_t i = grid_stride_first(); i < n; i += grid_stride_step()) {
    const PlaneIndex at = plane_index(i, g.in_h, g.in_w);
    const int64_t p = at.p, ih = at.r, iw = at.c;
    const float* dyp = dy + p * g.out_h * g.out_w;
    const Rect cover = covering_outputs(g, ih, iw);
    float sum = 0.0f;
    for (int64_t oh = cover.h0; oh < cover.h1; ++oh) {
      for (int64_t ow = cover.w0; ow < cover.w1; ++ow) {
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
  launch_per_element(*this, max_pool_forward_kernel, g.y_numel(), g, g.y_numel(), x, y, argmax);
}

void CudaBackend::max_pool2d_backward(const Pool2dGeometry& g, const float* dy,
                                      const int32_t* argmax, float* dx) {
  launch_per_element(*this, max_pool_backward_kernel, g.x_numel(), g, g.x_numel(), dy, argmax, dx);
}

void CudaBackend::avg_pool2d_forward(const Pool2dGeometry& g, bool count_include_pad,
                                     const float* x, float* y) {
  launch_per_element(*this, avg_pool_forward_kernel, g.y_numel(), g, g.y_numel(), count_include_pad,
                     x, y);
}

void CudaBackend::avg_pool2d_backward(const Pool2dGeometry& g, bool count_include_pad,
                                      const float* dy, float* dx) {
  launch_per_element(*this, avg_pool_backward_kernel, g.x_numel(), g, g.x_numel(),
                     count_include_pad, dy, dx);
}

}  // namespace hg::kernels::cuda
