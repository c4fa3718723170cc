// CPU nn.Upsample with integer scale factors: nearest and bilinear (align_corners=False), and
// their adjoints. OpenMP over (n, c) planes; the backward passes scatter within one plane (one
// thread per plane, outputs visited in order), so they are deterministic.
//
// Bilinear source coordinates are computed exactly from integers: for output row o and scale s,
// PyTorch's src = (o + 0.5) / s - 0.5 = (2o + 1 - s) / (2s), clamped below at 0; its floor is an
// integer division and its fraction one rounding of rem / (2s). This avoids the float error of
// multiplying by 1/s (s = 3) and gives the CUDA twin bitwise the same weights.
#include <algorithm>
#include <cstring>

#include "cpu_backend.h"
#include "parallel.h"

namespace hg::kernels::cpu {

namespace {

// Output row/column o of a bilinear upsample reads input i0 with weight l0 and i1 with l1.
struct Taps {
  int64_t i0, i1;
  float l0, l1;
};

Taps bilinear_taps(int64_t o, int64_t scale, int64_t in) {
  const int64_t num = 2 * o + 1 - scale, den = 2 * scale;
  if (num <= 0) return {0, 0, 1.0f, 0.0f};  // clamped at 0 (the first half output pixel)
  const int64_t i0 = num / den;
  const float l1 = static_cast<float>(num - i0 * den) / static_cast<float>(den);
  const int64_t i1 = i0 < in - 1 ? i0 + 1 : i0;  // the last row repeats itself
  return {i0, i1, 1.0f - l1, l1};
}

}  // namespace

void CpuBackend::upsample2d_forward(UpsampleMode mode, const Upsample2dGeometry& g, const float* x,
                                    float* y) {
  const int64_t planes = g.batch * g.channels;
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  const int64_t in_plane = g.in_h * g.in_w, out_plane = out_h * out_w;
#pragma omp parallel for if (planes > 1 && g.y_numel() > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * in_plane;
    float* yp = y + p * out_plane;
    if (mode == UpsampleMode::kNearest) {
      // Each input row is widened once into the first of its scale_h output rows, which is then
      // copied to the others (no per-pixel integer division).
      for (int64_t ih = 0; ih < g.in_h; ++ih) {
        const float* __restrict row = xp + ih * g.in_w;
        float* __restrict first = yp + ih * g.scale_h * out_w;
        if (g.scale_w == 2) {
          for (int64_t iw = 0; iw < g.in_w; ++iw) {
            first[2 * iw] = row[iw];
            first[2 * iw + 1] = row[iw];
          }
        } else {
          for (int64_t iw = 0; iw < g.in_w; ++iw)
            for (int64_t b = 0; b < g.scale_w; ++b)
              first[iw * g.scale_w + b] = row[iw];
        }
        for (int64_t a = 1; a < g.scale_h; ++a)
          std::memcpy(first + a * out_w, first, static_cast<size_t>(out_w) * sizeof(float));
      }
      continue;
    }
    for (int64_t oh = 0; oh < out_h; ++oh) {
      const Taps h = bilinear_taps(oh, g.scale_h, g.in_h);
      const float* r0 = xp + h.i0 * g.in_w;
      const float* r1 = xp + h.i1 * g.in_w;
      for (int64_t ow = 0; ow < out_w; ++ow) {
        const Taps w = bilinear_taps(ow, g.scale_w, g.in_w);
        yp[oh * out_w + ow] =
            h.l0 * (w.l0 * r0[w.i0] + w.l1 * r0[w.i1]) + h.l1 * (w.l0 * r1[w.i0] + w.l1 * r1[w.i1]);
      }
    }
  }
}

void CpuBackend::upsample2d_backward(UpsampleMode mode, const Upsample2dGeometry& g,
                                     const float* dy, float* dx) {
  const int64_t planes = g.batch * g.channels;
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  const int64_t in_plane = g.in_h * g.in_w, out_plane = out_h * out_w;
#pragma omp parallel for if (planes > 1 && g.y_numel() > kParallelThreshold)
  for (int64_t p = 0; p < planes; ++p) {
    float* dxp = dx + p * in_plane;
    const float* dyp = dy + p * out_plane;
    if (mode == UpsampleMode::kNearest) {
      // Gather: input (ih, iw) is the source of the s_h x s_w block of outputs at (ih s_h, iw s_w).
      for (int64_t ih = 0; ih < g.in_h; ++ih) {
        if (g.scale_h == 2 && g.scale_w == 2) {
          // The loop below unrolled, summing in the same order (from 0, so -0 stays +0 alike).
          const float* __restrict r0 = dyp + 2 * ih * out_w;
          const float* __restrict r1 = r0 + out_w;
          float* __restrict d = dxp + ih * g.in_w;
          for (int64_t iw = 0; iw < g.in_w; ++iw)
            d[iw] = (((0.0f + r0[2 * iw]) + r0[2 * iw + 1]) + r1[2 * iw]) + r1[2 * iw + 1];
          continue;
        }
        for (int64_t iw = 0; iw < g.in_w; ++iw) {
          float sum = 0.0f;
          for (int64_t a = 0; a < g.scale_h; ++a) {
            const float* row = dyp + (ih * g.scale_h + a) * out_w + iw * g.scale_w;
            for (int64_t b = 0; b < g.scale_w; ++b)
              sum += row[b];
          }
          dxp[ih * g.in_w + iw] = sum;
        }
      }
      continue;
    }
    std::fill(dxp, dxp + in_plane, 0.0f);
    for (int64_t oh = 0; oh < out_h; ++oh) {
      const Taps h = bilinear_taps(oh, g.scale_h, g.in_h);
      float* r0 = dxp + h.i0 * g.in_w;
      float* r1 = dxp + h.i1 * g.in_w;
      for (int64_t ow = 0; ow < out_w; ++ow) {
        const Taps w = bilinear_taps(ow, g.scale_w, g.in_w);
        const float d = dyp[oh * out_w + ow];
        r0[w.i0] += h.l0 * w.l0 * d;
        r0[w.i1] += h.l0 * w.l1 * d;
        r1[w.i0] += h.l1 * w.l0 * d;
        r1[w.i1] += h.l1 * w.l1 * d;
      }
    }
  }
}

}  // namespace hg::kernels::cpu
