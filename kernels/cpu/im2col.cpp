// im2col / col2im (see im2col.h). Each (ci, kh, kw) row is written as out_h runs of out_w
// pixels; per run, the output columns whose input column lies inside x form one contiguous range
// [lo, hi) computed once per kw (and the valid output rows once per kh), so the inner loops have
// no bounds tests: a plain copy / add when stride_w is 1 (vectorized), a strided one otherwise.
#include "im2col.h"

#include <algorithm>
#include <cstring>

namespace hg::kernels::cpu {

namespace {

// The outputs o in [0, out) with 0 <= o * stride + offset < in, as [lo, hi) (empty: lo == hi).
struct Range {
  int64_t lo, hi;
};

Range valid_range(int64_t offset, int64_t stride, int64_t in, int64_t out) {
  const int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int64_t last = in - 1 - offset;  // largest o * stride allowed
  int64_t hi = last < 0 ? 0 : last / stride + 1;
  hi = std::min(hi, out);
  return {std::min(lo, hi), hi};
}

}  // namespace

void im2col(const Conv2dGeometry& g, const float* x, float* col, int64_t ld) {
  const int64_t ow_n = g.out_w, oh_n = g.out_h;
  for (int64_t ci = 0; ci < g.in_channels; ++ci) {
    const float* xc = x + ci * g.in_h * g.in_w;
    for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const int64_t h_off = kh * g.dilation_h - g.pad_h;
      const Range rh = valid_range(h_off, g.stride_h, g.in_h, oh_n);
      for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const int64_t w_off = kw * g.dilation_w - g.pad_w;
        const Range rw = valid_range(w_off, g.stride_w, g.in_w, ow_n);
        float* row = col + ((ci * g.kernel_h + kh) * g.kernel_w + kw) * ld;
        // Rows of the output that read only padding.
        std::fill(row, row + rh.lo * ow_n, 0.0f);
        std::fill(row + rh.hi * ow_n, row + oh_n * ow_n, 0.0f);
        for (int64_t oh = rh.lo; oh < rh.hi; ++oh) {
          float* __restrict dst = row + oh * ow_n;
          // Input of output column rw.lo (never before the start of x).
          const float* __restrict src =
              xc + (oh * g.stride_h + h_off) * g.in_w + rw.lo * g.stride_w + w_off;
          const int64_t n = rw.hi - rw.lo;
          std::fill(dst, dst + rw.lo, 0.0f);
          if (g.stride_w == 1) {
            std::memcpy(dst + rw.lo, src, static_cast<size_t>(n) * sizeof(float));
          } else {
            const int64_t s = g.stride_w;
            for (int64_t i = 0; i < n; ++i)
              dst[rw.lo + i] = src[i * s];
          }
          std::fill(dst + rw.hi, dst + ow_n, 0.0f);
        }
      }
    }
  }
}

void col2im_add(const Conv2dGeometry& g, const float* col, int64_t ld, float* dx) {
  const int64_t ow_n = g.out_w;
  for (int64_t ci = 0; ci < g.in_channels; ++ci) {
    float* dxc = dx + ci * g.in_h * g.in_w;
    for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const int64_t h_off = kh * g.dilation_h - g.pad_h;
      const Range rh = valid_range(h_off, g.stride_h, g.in_h, g.out_h);
      for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const int64_t w_off = kw * g.dilation_w - g.pad_w;
        const Range rw = valid_range(w_off, g.stride_w, g.in_w, ow_n);
        const float* row = col + ((ci * g.kernel_h + kh) * g.kernel_w + kw) * ld;
        for (int64_t oh = rh.lo; oh < rh.hi; ++oh) {
          const float* __restrict src = row + oh * ow_n + rw.lo;
          float* __restrict dst =
              dxc + (oh * g.stride_h + h_off) * g.in_w + rw.lo * g.stride_w + w_off;
          const int64_t n = rw.hi - rw.lo;
          if (g.stride_w == 1) {
            for (int64_t i = 0; i < n; ++i)
              dst[i] += src[i];
          } else {
            const int64_t s = g.stride_w;
            for (int64_t i = 0; i < n; ++i)
              dst[i * s] += src[i];
          }
        }
      }
    }
  }
}

}  // namespace hg::kernels::cpu
