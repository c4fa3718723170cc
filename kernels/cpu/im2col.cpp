// im2col / col2im and the one-output-channel sums (see im2col.h). Each kernel tap (ci, kh, kw) is
// one column-matrix row, made of out_h runs of out_w pixels; per tap, the output columns whose
// input column lies inside x form one contiguous range [lo, hi) (computed once per kw), and
// likewise the valid output rows (once per kh), so the inner loops have no bounds tests: plain
// unit-stride loops when stride_w is 1 (vectorized), strided ones otherwise. The runs are short
// (out_w pixels), so they are written as inline loops rather than memcpy / memset calls.
#include "im2col.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "simd_clones.h"

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

// One kernel tap: its column-matrix row k, the valid output rows / columns, and the input offset
// (inside one sample) of output pixel (oh, rw.lo): base + oh * stride_h * in_w.
struct Tap {
  int64_t k;
  Range rh, rw;
  int64_t base;
};

// Always inlined, and so is each caller's lambda: the loops then sit in the caller itself, which
// HG_SIMD_CLONES compiles once per instruction set (an out-of-line copy would be baseline only).
// f(tap, s) for every tap and every sample s < samples, the samples innermost. The ranges depend
// on kh or kw alone and are computed once per call, not per tap: the two divisions of
// valid_range cost as much as copying a 4 x 4-pixel tap (torch-conv's conv4).
template <class F>
[[gnu::always_inline]] inline void for_each_sample_tap(const Conv2dGeometry& g, int64_t samples,
                                                       F f) {
  thread_local std::vector<Range> row_ranges, column_ranges;
  row_ranges.resize(static_cast<size_t>(g.kernel_h));
  column_ranges.resize(static_cast<size_t>(g.kernel_w));
  for (int64_t kh = 0; kh < g.kernel_h; ++kh)
    row_ranges[kh] = valid_range(kh * g.dilation_h - g.pad_h, g.stride_h, g.in_h, g.out_h);
  for (int64_t kw = 0; kw < g.kernel_w; ++kw)
    column_ranges[kw] = valid_range(kw * g.dilation_w - g.pad_w, g.stride_w, g.in_w, g.out_w);
  for (int64_t ci = 0; ci < g.in_channels; ++ci)
    for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const int64_t h_off = kh * g.dilation_h - g.pad_h;
      const Range rh = row_ranges[kh];
      for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const int64_t w_off = kw * g.dilation_w - g.pad_w;
        const Range rw = column_ranges[kw];
        // Never negative for a valid (oh, ow); only formed when the run is not empty.
        const int64_t base = (ci * g.in_h + h_off) * g.in_w + rw.lo * g.stride_w + w_off;
        const Tap tap{(ci * g.kernel_h + kh) * g.kernel_w + kw, rh, rw, base};
        for (int64_t s = 0; s < samples; ++s)
          f(tap, s);
      }
    }
}

// f(tap) for every tap of one sample.
template <class F>
[[gnu::always_inline]] inline void for_each_tap(const Conv2dGeometry& g, F f) {
  for_each_sample_tap(
      g, 1, [&](const Tap& t, int64_t) __attribute__((always_inline)) { f(t); });
}

// keep ? a : b, as an integer bit blend: GCC (under the default -ftrapping-math) does not
// vectorize a loop with a float select, but does vectorize this.
[[gnu::always_inline]] inline float blend(bool keep, float a, float b) {
  uint32_t ia, ib;
  std::memcpy(&ia, &a, sizeof ia);
  std::memcpy(&ib, &b, sizeof ib);
  const uint32_t mask = 0u - static_cast<uint32_t>(keep);
  const uint32_t r = (ia & mask) | (ib & ~mask);
  float out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}

// For the one-channel sums on 'same'-padded stride-1 geometries (row_step == out_w: see im2col):
// column[F] = F mod out_w for the P flat output indices F = oh * out_w + ow, so one flat loop
// per tap can tell the tap's valid columns [lo, hi) from the padding ones.
const int32_t* output_columns(const Conv2dGeometry& g) {
  thread_local std::vector<int32_t> column;
  column.resize(static_cast<size_t>(g.out_h * g.out_w));
  for (int64_t oh = 0; oh < g.out_h; ++oh)
    for (int64_t ow = 0; ow < g.out_w; ++ow)
      column[static_cast<size_t>(oh * g.out_w + ow)] = static_cast<int32_t>(ow);
  return column.data();
}

}  // namespace

HG_SIMD_CLONES void im2col(const Conv2dGeometry& g, const float* x, int64_t x_stride,
                           int64_t samples, int64_t oh0, int64_t oh1, float* col, int64_t ld) {
  const int64_t ow_n = g.out_w, sw = g.stride_w, row_step = g.stride_h * g.in_w;
  const int64_t cols = (oh1 - oh0) * ow_n;  // per sample
  // When an output row step is an input row step (stride 1 both ways, out_w == in_w: 'same'
  // padding), a tap's input pixel for column F = (oh - oh0) * ow_n + ow is at a constant offset
  // from F, so its valid rows [a, b) are one contiguous copy from x[base + a * row_step] onward;
  // the copy also lands x values in the padding columns ow < lo, ow >= hi between two valid
  // runs (all inside channel ci's plane, so in bounds), which are zeroed after it.
  const bool flat = sw == 1 && row_step == ow_n;
  // Samples innermost (for_each_sample_tap), so each column-matrix row is written in one sweep
  // (sample by sample, each row's cache lines were written in pieces, one sample at a time, and
  // fell out of L1 in between; samples inside channels measured slower still).
  for_each_sample_tap(
      g, samples, [&](const Tap& t, int64_t s) __attribute__((always_inline)) {
        const int64_t lo = t.rw.lo, hi = t.rw.hi;
        const int64_t a = std::max(oh0, t.rh.lo), b = std::min(oh1, t.rh.hi);
        const float* xs = x + s * x_stride;
        float* row = col + t.k * ld + s * cols;  // row[(oh - oh0) * ow_n + ow]
        if (flat && lo < hi && a < b) {
          float* __restrict out = row;
          for (int64_t f = 0; f < (a - oh0) * ow_n; ++f)
            out[f] = 0.0f;
          const int64_t f0 = (a - oh0) * ow_n + lo, f1 = (b - 1 - oh0) * ow_n + hi;
          const float* __restrict src = xs + (t.base + a * row_step);
          for (int64_t i = 0; i < f1 - f0; ++i)
            out[f0 + i] = src[i];
          for (int64_t oh = a; oh < b; ++oh) {
            for (int64_t ow = 0; ow < lo; ++ow)
              out[(oh - oh0) * ow_n + ow] = 0.0f;
            for (int64_t ow = hi; ow < ow_n; ++ow)
              out[(oh - oh0) * ow_n + ow] = 0.0f;
          }
          for (int64_t f = (b - oh0) * ow_n; f < cols; ++f)
            out[f] = 0.0f;
          return;
        }
        for (int64_t oh = oh0; oh < oh1; ++oh) {
          float* __restrict dst = row + (oh - oh0) * ow_n;
          if (oh < t.rh.lo || oh >= t.rh.hi || lo == hi) {
            for (int64_t ow = 0; ow < ow_n; ++ow)
              dst[ow] = 0.0f;
            continue;
          }
          const float* __restrict src = xs + (t.base + oh * row_step);
          for (int64_t ow = 0; ow < lo; ++ow)
            dst[ow] = 0.0f;
          if (sw == 1) {
            for (int64_t i = 0; i < hi - lo; ++i)
              dst[lo + i] = src[i];
          } else {
            for (int64_t i = 0; i < hi - lo; ++i)
              dst[lo + i] = src[i * sw];
          }
          for (int64_t ow = hi; ow < ow_n; ++ow)
            dst[ow] = 0.0f;
        }
      });
}

HG_SIMD_CLONES void col2im_add(const Conv2dGeometry& g, const float* col, int64_t ld, int64_t oh0,
                               int64_t oh1, float* dx) {
  const int64_t ow_n = g.out_w, sw = g.stride_w, row_step = g.stride_h * g.in_w;
  // Column (oh - oh0) * ow_n + ow of a tile has output column ow: output_columns serves tiles too.
  const int32_t* column = sw == 1 && row_step == ow_n ? output_columns(g) : nullptr;
  for_each_tap(
      g, [&](const Tap& t) __attribute__((always_inline)) {
        const float* row = col + t.k * ld;
        const int64_t n = t.rw.hi - t.rw.lo;
        if (n == 0) return;
        const int64_t a = std::max(oh0, t.rh.lo), b = std::min(oh1, t.rh.hi);
        if (column != nullptr) {
          // Flat, as in conv_single_backward_data: col column f0 + i goes to dst[i].
          if (a >= b) return;
          const int64_t f0 = (a - oh0) * ow_n + t.rw.lo, f1 = (b - 1 - oh0) * ow_n + t.rw.hi;
          const int32_t lo = static_cast<int32_t>(t.rw.lo);
          const uint32_t span = static_cast<uint32_t>(n);
          float* __restrict dst = dx + (t.base + a * row_step);
          const float* __restrict src = row + f0;
          const int32_t* __restrict c = column + f0;
          for (int64_t i = 0; i < f1 - f0; ++i) {
            const float before = dst[i], after = before + src[i];
            dst[i] = blend(static_cast<uint32_t>(c[i] - lo) < span, after, before);
          }
          return;
        }
        for (int64_t oh = a; oh < b; ++oh) {
          const float* __restrict src = row + (oh - oh0) * ow_n + t.rw.lo;
          float* __restrict dst = dx + (t.base + oh * row_step);
          if (sw == 1) {
            for (int64_t i = 0; i < n; ++i)
              dst[i] += src[i];
          } else {
            for (int64_t i = 0; i < n; ++i)
              dst[i * sw] += src[i];
          }
        }
      });
}

HG_SIMD_CLONES void conv_single_forward(const Conv2dGeometry& g, const float* x, const float* w,
                                        float* y) {
  const int64_t ow_n = g.out_w, sw = g.stride_w, row_step = g.stride_h * g.in_w;
  const int32_t* column = sw == 1 && row_step == ow_n ? output_columns(g) : nullptr;
  for_each_tap(
      g, [&](const Tap& t) __attribute__((always_inline)) {
        const int64_t n = t.rw.hi - t.rw.lo;
        const float wk = w[t.k];
        if (n == 0) return;
        if (column != nullptr) {
          // Flat: output F = f0 + i reads src[i]; padding columns keep their value (a select,
          // not an added 0, so the result is bitwise the row loop's).
          if (t.rh.lo >= t.rh.hi) return;
          const int64_t f0 = t.rh.lo * ow_n + t.rw.lo, f1 = (t.rh.hi - 1) * ow_n + t.rw.hi;
          const int32_t lo = static_cast<int32_t>(t.rw.lo);
          const uint32_t span = static_cast<uint32_t>(n);
          const float* __restrict src = x + (t.base + t.rh.lo * row_step);
          float* __restrict out = y + f0;
          const int32_t* __restrict c = column + f0;
          for (int64_t i = 0; i < f1 - f0; ++i) {
            const float before = out[i], after = before + wk * src[i];
            // lo <= c[i] < hi as one unsigned comparison (c[i] - lo wraps when c[i] < lo).
            out[i] = blend(static_cast<uint32_t>(c[i] - lo) < span, after, before);
          }
          return;
        }
        for (int64_t oh = t.rh.lo; oh < t.rh.hi; ++oh) {
          float* __restrict dst = y + oh * ow_n + t.rw.lo;
          const float* __restrict src = x + (t.base + oh * row_step);
          if (sw == 1) {
            for (int64_t i = 0; i < n; ++i)
              dst[i] += wk * src[i];
          } else {
            for (int64_t i = 0; i < n; ++i)
              dst[i] += wk * src[i * sw];
          }
        }
      });
}

HG_SIMD_CLONES void conv_single_backward_data(const Conv2dGeometry& g, const float* dy,
                                              const float* w, float* dx) {
  const int64_t ow_n = g.out_w, sw = g.stride_w, row_step = g.stride_h * g.in_w;
  const int32_t* column = sw == 1 && row_step == ow_n ? output_columns(g) : nullptr;
  for_each_tap(
      g, [&](const Tap& t) __attribute__((always_inline)) {
        const int64_t n = t.rw.hi - t.rw.lo;
        const float wk = w[t.k];
        if (n == 0) return;
        if (column != nullptr) {
          // Flat, as in conv_single_forward: dy[F] for F = f0 + i goes to dst[i].
          if (t.rh.lo >= t.rh.hi) return;
          const int64_t f0 = t.rh.lo * ow_n + t.rw.lo, f1 = (t.rh.hi - 1) * ow_n + t.rw.hi;
          const int32_t lo = static_cast<int32_t>(t.rw.lo);
          const uint32_t span = static_cast<uint32_t>(n);
          float* __restrict dst = dx + (t.base + t.rh.lo * row_step);
          const float* __restrict src = dy + f0;
          const int32_t* __restrict c = column + f0;
          for (int64_t i = 0; i < f1 - f0; ++i) {
            const float before = dst[i], after = before + wk * src[i];
            // lo <= c[i] < hi as one unsigned comparison (c[i] - lo wraps when c[i] < lo).
            dst[i] = blend(static_cast<uint32_t>(c[i] - lo) < span, after, before);
          }
          return;
        }
        for (int64_t oh = t.rh.lo; oh < t.rh.hi; ++oh) {
          const float* __restrict src = dy + oh * ow_n + t.rw.lo;
          float* __restrict dst = dx + (t.base + oh * row_step);
          if (sw == 1) {
            for (int64_t i = 0; i < n; ++i)
              dst[i] += wk * src[i];
          } else {
            for (int64_t i = 0; i < n; ++i)
              dst[i * sw] += wk * src[i];
          }
        }
      });
}

HG_SIMD_CLONES void conv_single_backward_weight(const Conv2dGeometry& g, const float* x,
                                                const float* dy, float* dw) {
  // Per tap, the products are first summed down the output rows into one partial sum per output
  // column (kBlock columns at a time): every column is an independent lane, so the loop over a row
  // vectorizes without a dependency chain through one accumulator. The column sums are then
  // added in column order (kLanes interleaved partial sums), a fixed order for a given geometry.
  constexpr int64_t kBlock = 64;
  constexpr int kLanes = 8;
  const int64_t ow_n = g.out_w, sw = g.stride_w, row_step = g.stride_h * g.in_w;
  for_each_tap(
      g, [&](const Tap& t) __attribute__((always_inline)) {
        const int64_t n = t.rw.hi - t.rw.lo;
        if (n == 0 || t.rh.lo == t.rh.hi) return;
        float total = 0.0f;
        for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
          const int64_t m = std::min(kBlock, n - i0);
          float col_sum[kBlock];
          for (int64_t i = 0; i < m; ++i)
            col_sum[i] = 0.0f;
          for (int64_t oh = t.rh.lo; oh < t.rh.hi; ++oh) {
            const float* __restrict a = dy + oh * ow_n + t.rw.lo + i0;
            const float* __restrict b = x + (t.base + oh * row_step + i0 * sw);
            if (sw == 1) {
              for (int64_t i = 0; i < m; ++i)
                col_sum[i] += a[i] * b[i];
            } else {
              for (int64_t i = 0; i < m; ++i)
                col_sum[i] += a[i] * b[i * sw];
            }
          }
          float lanes[kLanes] = {};
          for (int64_t i = 0; i < m; ++i)
            lanes[i % kLanes] += col_sum[i];
          for (float v : lanes)
            total += v;
        }
        dw[t.k] += total;
      });
}

}  // namespace hg::kernels::cpu
