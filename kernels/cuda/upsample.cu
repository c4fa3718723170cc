// CUDA nn.Upsample with integer scale factors: nearest and bilinear (align_corners=False), and
// their adjoints. Forward: one thread per output element. Backward: one thread per input element
// gathers every output that reads it, in a fixed order (no atomics, deterministic).
//
// Bilinear taps come from integers exactly as in kernels/cpu/upsample.cpp: output o (scale s)
// reads i0 = floor((2o + 1 - s) / (2s)) with weight 1 - l1 and i1 = min(i0 + 1, in - 1) with
// l1 = rem / (2s), clamped to (0, 0, 1, 0) when 2o + 1 - s <= 0. Since (o + 0.5) / s - 0.5 lies
// in [i0, i0 + 1), the outputs reading input i (as i0 or i1) have i0(o) in {i - 1, i}, which
// bounds o to ((i - 1) s - 1/2, (i + 2) s - 1/2), so o in [(i - 1) s, (i + 2) s) clipped to
// [0, in * s) covers them: at most 3s candidates per axis, each tested against its taps.
#include "cuda_platform.cuh"

#include "cuda_backend_impl.cuh"
#include "spatial_index.cuh"

namespace hg::kernels::cuda {

namespace {

// Every kernel gets its element count n from the host (the geometry's methods are host code):
// y_numel() for the forward kernels, x_numel() for the backward ones.

struct Taps {
  int64_t i0, i1;
  float l0, l1;
};

__device__ __forceinline__ Taps bilinear_taps(int64_t o, int64_t scale, int64_t in) {
  const int64_t num = 2 * o + 1 - scale, den = 2 * scale;
  if (num <= 0) return Taps{0, 0, 1.0f, 0.0f};
  const int64_t i0 = num / den;
  const float l1 = static_cast<float>(num - i0 * den) / static_cast<float>(den);
  const int64_t i1 = i0 < in - 1 ? i0 + 1 : i0;
  return Taps{i0, i1, 1.0f - l1, l1};
}

__global__ void upsample_nearest_forward_kernel(Upsample2dGeometry g, int64_t n, const float* x,
                                                float* y) {
  const int64_t out_h = g.in_h * g.scale_h, out_w = g.in_w * g.scale_w;
  for (int64_t o = grid_stride_first(); o < n; o += grid_stride_step()) {
    const PlaneIndex at = plane_index(o, out_h, out_w);
    const int64_t p = at.p, oh = at.r, ow = at.c;
    y[o] = x[(p * g.in_h + oh / g.scale_h) * g.in_w + ow / g.scale_w];
  }
}

__global__ void upsample_bilinear_forward_kernel(Upsample2dGeometry g, int64_t n, const float* x,
                                                 float* y) {
  const int64_t out_h = g.in_h * g.scale_h, out_w = g.in_w * g.scale_w;
  for (int64_t o = grid_stride_first(); o < n; o += grid_stride_step()) {
    const PlaneIndex at = plane_index(o, out_h, out_w);
    const int64_t p = at.p, oh = at.r, ow = at.c;
    const Taps h = bilinear_taps(oh, g.scale_h, g.in_h);
    const Taps w = bilinear_taps(ow, g.scale_w, g.in_w);
    const float* r0 = x + (p * g.in_h + h.i0) * g.in_w;
    const float* r1 = x + (p * g.in_h + h.i1) * g.in_w;
    y[o] = h.l0 * (w.l0 * r0[w.i0] + w.l1 * r0[w.i1]) + h.l1 * (w.l0 * r1[w.i0] + w.l1 * r1[w.i1]);
  }
}

// dx[p, ih, iw] = sum over the s_h x s_w block of outputs at (ih s_h, iw s_w), rows outer.
__global__ void upsample_nearest_backward_kernel(Upsample2dGeometry g, int64_t n, const float* dy,
                                                 float* dx) {
  const int64_t out_h = g.in_h * g.scale_h, out_w = g.in_w * g.scale_w;
  for (int64_t i = grid_stride_first(); i < n; i += grid_stride_step()) {
    const PlaneIndex at = plane_index(i, g.in_h, g.in_w);
    const int64_t p = at.p, ih = at.r, iw = at.c;
    const float* block = dy + (p * out_h + ih * g.scale_h) * out_w + iw * g.scale_w;
    float sum = 0.0f;
    for (int64_t a = 0; a < g.scale_h; ++a)
      for (int64_t b = 0; b < g.scale_w; ++b)
        sum += block[a * out_w + b];
    dx[i] = sum;
  }
}

// dx[p, ih, iw] = the sum of the terms l_h * l_w * dy[p, oh, ow] over the taps of the candidate
// outputs (file comment) that read (ih, iw), oh outer, ow inner, taps in the order (i0, i0),
// (i0, i1), (i1, i0), (i1, i1): the terms and order of the CPU twin's in-order scatter.
__global__ void upsample_bilinear_backward_kernel(Upsample2dGeometry g, int64_t n, const float* dy,
                                                  float* dx) {
  const int64_t out_h = g.in_h * g.scale_h, out_w = g.in_w * g.scale_w;
  for (int64_t i = grid_stride_first(); i < n; i += grid_stride_step()) {
    const PlaneIndex at = plane_index(i, g.in_h, g.in_w);
    const int64_t p = at.p, ih = at.r, iw = at.c;
    const float* dyp = dy + p * out_h * out_w;
    const int64_t oh0 = ih > 0 ? (ih - 1) * g.scale_h : 0;
    const int64_t oh1 = (ih + 2) * g.scale_h < out_h ? (ih + 2) * g.scale_h : out_h;
    const int64_t ow0 = iw > 0 ? (iw - 1) * g.scale_w : 0;
    const int64_t ow1 = (iw + 2) * g.scale_w < out_w ? (iw + 2) * g.scale_w : out_w;
    float sum = 0.0f;
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      const Taps h = bilinear_taps(oh, g.scale_h, g.in_h);
      if (h.i0 != ih && h.i1 != ih) continue;
      for (int64_t ow = ow0; ow < ow1; ++ow) {
        const Taps w = bilinear_taps(ow, g.scale_w, g.in_w);
        const float d = dyp[oh * out_w + ow];
        if (h.i0 == ih) {
          if (w.i0 == iw) sum += h.l0 * w.l0 * d;
          if (w.i1 == iw) sum += h.l0 * w.l1 * d;
        }
        if (h.i1 == ih) {
          if (w.i0 == iw) sum += h.l1 * w.l0 * d;
          if (w.i1 == iw) sum += h.l1 * w.l1 * d;
        }
      }
    }
    dx[i] = sum;
  }
}

}  // namespace

void CudaBackend::upsample2d_forward(UpsampleMode mode, const Upsample2dGeometry& g, const float* x,
                                     float* y) {
  launch_per_element(*this,
                     mode == UpsampleMode::kNearest ? upsample_nearest_forward_kernel
                                                    : upsample_bilinear_forward_kernel,
                     g.y_numel(), g, g.y_numel(), x, y);
}

void CudaBackend::upsample2d_backward(UpsampleMode mode, const Upsample2dGeometry& g,
                                      const float* dy, float* dx) {
  launch_per_element(*this,
                     mode == UpsampleMode::kNearest ? upsample_nearest_backward_kernel
                                                    : upsample_bilinear_backward_kernel,
                     g.x_numel(), g, g.x_numel(), dy, dx);
}

}  // namespace hg::kernels::cuda
