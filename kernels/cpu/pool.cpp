// CPU max and average pooling (torch.nn.MaxPool2d / AvgPool2d semantics, see backend.h and
// conv_params.h), OpenMP over (n, c) planes. Backward passes walk one plane's outputs in order
// and scatter into that plane's dx: deterministic, since a plane belongs to one thread, and each
// dx element receives its terms in (oh, ow) order, the same order as the CUDA twin's gather.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu_backend.h"
#include "parallel.h"
#include "simd_clones.h"

namespace hg::kernels::cpu {

namespace {

// Rows (or columns) [begin, end) of the input that window `o` covers, clipped to the input.
struct Span {
  int64_t begin, end;
};

Span window(int64_t o, int64_t stride, int64_t pad, int64_t kernel, int64_t in) {
  const int64_t start = o * stride - pad;
  return {std::max<int64_t>(start, 0), std::min(start + kernel, in)};
}

// PyTorch's average-pool divisor: with count_include_pad the window clipped to the padded input
// [-pad, in + pad) (so a ceil-mode window hanging past the right padding counts less), else the
// number of real input elements in it.
int64_t avg_divisor(const Pool2dGeometry& g, bool count_include_pad, int64_t oh, int64_t ow) {
  if (count_include_pad) {
    const int64_t h0 = oh * g.stride_h - g.pad_h, w0 = ow * g.stride_w - g.pad_w;
    const int64_t h1 = std::min(h0 + g.kernel_h, g.in_h + g.pad_h);
    const int64_t w1 = std::min(w0 + g.kernel_w, g.in_w + g.pad_w);
    return (h1 - h0) * (w1 - w0);
  }
  const Span h = window(oh, g.stride_h, g.pad_h, g.kernel_h, g.in_h);
  const Span w = window(ow, g.stride_w, g.pad_w, g.kernel_w, g.in_w);
  return (h.end - h.begin) * (w.end - w.begin);
}

// ow_n outputs of a 2x2, stride-2 max pool whose windows lie inside x: output ow reads rows
// r0 = xp[2 oh], r0 + in_w at columns 2 ow, 2 ow + 1; first is the plane index of r0[0]. The
// general rule (first maximum in row-major window order, every NaN takes over) unrolled, with
// selects instead of branches so the loop vectorizes (the comparisons are unpredictable on
// activations).
HG_SIMD_CLONES void max_pool_2x2_row(const float* r0, int64_t in_w, int64_t ow_n, int32_t first,
                                     float* __restrict y, int32_t* __restrict argmax) {
  const float* __restrict a = r0;
  const float* __restrict b = r0 + in_w;
  const int32_t down = static_cast<int32_t>(in_w);
  for (int64_t ow = 0; ow < ow_n; ++ow) {
    const int32_t i = first + 2 * static_cast<int32_t>(ow);
    float best = a[2 * ow];
    int32_t best_index = i;
    const float v[3] = {a[2 * ow + 1], b[2 * ow], b[2 * ow + 1]};
    const int32_t at[3] = {i + 1, i + down, i + down + 1};
    for (int k = 0; k < 3; ++k) {
      const bool take = (v[k] > best) | (v[k] != v[k]);  // v[k] != v[k]: v[k] is NaN
      best = take ? v[k] : best;
      best_index = take ? at[k] : best_index;
    }
    y[ow] = best;
    argmax[ow] = best_index;
  }
}

}  // namespace

void CpuBackend::max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                                    int32_t* argmax) {
  const int64_t planes = g.batch * g.channels;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  // 2x2 windows of stride 2 without padding (the common MaxPool2d(2)): output (oh, ow) with
  // oh < full_h and ow < full_w has its whole window inside x and takes the unrolled path; the
  // rest (ceil mode's clipped last row / column) takes the general one.
  const bool two_by_two = g.kernel_h == 2 && g.kernel_w == 2 && g.stride_h == 2 &&
                          g.stride_w == 2 && g.pad_h == 0 && g.pad_w == 0;
  const int64_t full_h = two_by_two ? std::min(g.out_h, g.in_h / 2) : 0;
  const int64_t full_w = two_by_two ? std::min(g.out_w, g.in_w / 2) : 0;
#pragma omp parallel for if (planes > 1 && g.x_numel() > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * in_plane;
    float* yp = y + p * out_plane;
    int32_t* ap = argmax + p * out_plane;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const Span h = window(oh, g.stride_h, g.pad_h, g.kernel_h, g.in_h);
      const int64_t ow_fast = oh < full_h ? full_w : 0;
      if (ow_fast > 0)
        max_pool_2x2_row(xp + 2 * oh * g.in_w, g.in_w, ow_fast,
                         static_cast<int32_t>(2 * oh * g.in_w), yp + oh * g.out_w,
                         ap + oh * g.out_w);
      for (int64_t ow = ow_fast; ow < g.out_w; ++ow) {
        const Span w = window(ow, g.stride_w, g.pad_w, g.kernel_w, g.in_w);
        // An empty window (possible only for geometries PyTorch rejects) gives -inf, argmax -1.
        float best = -std::numeric_limits<float>::infinity();
        int64_t best_index = -1;
        for (int64_t ih = h.begin; ih < h.end; ++ih) {
          for (int64_t iw = w.begin; iw < w.end; ++iw) {
            const float v = xp[ih * g.in_w + iw];
            // Strictly greater keeps the first maximum; every NaN takes over, so the last NaN wins
            // (PyTorch's rule, CPU and CUDA alike).
            if (best_index < 0 || v > best || std::isnan(v)) {
              best = v;
              best_index = ih * g.in_w + iw;
            }
          }
        }
        yp[oh * g.out_w + ow] = best;
        ap[oh * g.out_w + ow] = static_cast<int32_t>(best_index);
      }
    }
  }
}

void CpuBackend::max_pool2d_backward(const Pool2dGeometry& g, const float* dy,
                                     const int32_t* argmax, float* dx) {
  const int64_t planes = g.batch * g.channels;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
#pragma omp parallel for if (planes > 1 && g.x_numel() > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    float* dxp = dx + p * in_plane;
    std::fill(dxp, dxp + in_plane, 0.0f);
    const float* dyp = dy + p * out_plane;
    const int32_t* ap = argmax + p * out_plane;
    for (int64_t o = 0; o < out_plane; ++o)
      if (ap[o] >= 0) dxp[ap[o]] += dyp[o];
  }
}

void CpuBackend::avg_pool2d_forward(const Pool2dGeometry& g, bool count_include_pad, const float* x,
                                    float* y) {
  const int64_t planes = g.batch * g.channels;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
#pragma omp parallel for if (planes > 1 && g.x_numel() > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * in_plane;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const Span h = window(oh, g.stride_h, g.pad_h, g.kernel_h, g.in_h);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const Span w = window(ow, g.stride_w, g.pad_w, g.kernel_w, g.in_w);
        float sum = 0.0f;
        for (int64_t ih = h.begin; ih < h.end; ++ih)
          for (int64_t iw = w.begin; iw < w.end; ++iw)
            sum += xp[ih * g.in_w + iw];
        const int64_t divisor = avg_divisor(g, count_include_pad, oh, ow);
        // An empty window (only for geometries PyTorch rejects) averages to 0, not 0/0.
        y[p * out_plane + oh * g.out_w + ow] =
            divisor > 0 ? sum / static_cast<float>(divisor) : 0.0f;
      }
    }
  }
}

void CpuBackend::avg_pool2d_backward(const Pool2dGeometry& g, bool count_include_pad,
                                     const float* dy, float* dx) {
  const int64_t planes = g.batch * g.channels;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
#pragma omp parallel for if (planes > 1 && g.x_numel() > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    float* dxp = dx + p * in_plane;
    std::fill(dxp, dxp + in_plane, 0.0f);
    const float* dyp = dy + p * out_plane;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const Span h = window(oh, g.stride_h, g.pad_h, g.kernel_h, g.in_h);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const Span w = window(ow, g.stride_w, g.pad_w, g.kernel_w, g.in_w);
        const int64_t divisor = avg_divisor(g, count_include_pad, oh, ow);
        if (divisor <= 0) continue;
        const float share = dyp[oh * g.out_w + ow] / static_cast<float>(divisor);
        for (int64_t ih = h.begin; ih < h.end; ++ih)
          for (int64_t iw = w.begin; iw < w.end; ++iw)
            dxp[ih * g.in_w + iw] += share;
      }
    }
  }
}

}  // namespace hg::kernels::cpu
