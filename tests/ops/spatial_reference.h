// Double-precision references of the spatial ops (conv2d, its adjoint conv_transpose2d, max /
// average pooling, nearest / bilinear upsampling), written straight from the index formulas of
// torch.nn.functional so the op tests (ops level and backend-kernel level alike: this is the one
// reference of each op) compare the kernels with something independent of them.
// Every tensor is a flat row-major NCHW vector; geometries are the kernels' own structs, with
// every size already resolved.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "hourglass/kernels/conv_params.h"

namespace hg::testing {

// Calls f(x index, y index, w index) for every term w[co, ci, i, j] x[n, ci, oh*s - p + i*d,
// ow*s - p + j*d] of conv2d whose input element lies inside x: the one statement of the formula
// that the forward, backward-data and backward-weight references all accumulate over.
template <class F>
void for_each_conv2d_term(const kernels::Conv2dGeometry& g, F&& f) {
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t co = 0; co < g.out_channels; ++co)
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow)
          for (int64_t ci = 0; ci < g.in_channels; ++ci)
            for (int64_t i = 0; i < g.kernel_h; ++i) {
              const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
              if (ih < 0 || ih >= g.in_h) continue;
              for (int64_t j = 0; j < g.kernel_w; ++j) {
                const int64_t iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
                if (iw < 0 || iw >= g.in_w) continue;
                f(((n * g.in_channels + ci) * g.in_h + ih) * g.in_w + iw,
                  ((n * g.out_channels + co) * g.out_h + oh) * g.out_w + ow,
                  ((co * g.in_channels + ci) * g.kernel_h + i) * g.kernel_w + j);
              }
            }
}

// y[n, co, oh, ow] = b[co] + the sum of the terms above; `b` may be empty.
inline std::vector<double> ref_conv2d(const kernels::Conv2dGeometry& g,
                                      const std::vector<double>& x, const std::vector<double>& w,
                                      const std::vector<double>& b) {
  std::vector<double> y(static_cast<size_t>(g.y_numel()), 0.0);
  if (!b.empty())
    for (int64_t i = 0; i < g.y_numel(); ++i)
      y[i] = b[(i / (g.out_h * g.out_w)) % g.out_channels];
  for_each_conv2d_term(g, [&](int64_t xi, int64_t yi, int64_t wi) { y[yi] += w[wi] * x[xi]; });
  return y;
}

// The transposed convolution as PyTorch defines it, by scattering: every input element
// x[n, ci, h, w] adds x * W[ci, co, i, j] to out[n, co, h*s - p + i*d, w*s - p + j*d] (when that
// lies inside the output). Here `g` is the transposed conv seen from its own side: in_* is its
// input, out_* its output, the weight [in_channels, out_channels, kh, kw].
inline std::vector<double> ref_conv_transpose2d(const kernels::Conv2dGeometry& g,
                                                const std::vector<double>& x,
                                                const std::vector<double>& w,
                                                const std::vector<double>& b) {
  std::vector<double> y(static_cast<size_t>(g.y_numel()), 0.0);
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t co = 0; co < g.out_channels; ++co)
      for (int64_t k = 0; k < g.out_h * g.out_w; ++k)
        y[(n * g.out_channels + co) * g.out_h * g.out_w + k] = b.empty() ? 0.0 : b[co];
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t ci = 0; ci < g.in_channels; ++ci)
      for (int64_t h = 0; h < g.in_h; ++h)
        for (int64_t wi = 0; wi < g.in_w; ++wi) {
          const double v = x[((n * g.in_channels + ci) * g.in_h + h) * g.in_w + wi];
          for (int64_t co = 0; co < g.out_channels; ++co)
            for (int64_t i = 0; i < g.kernel_h; ++i) {
              const int64_t oh = h * g.stride_h - g.pad_h + i * g.dilation_h;
              if (oh < 0 || oh >= g.out_h) continue;
              for (int64_t j = 0; j < g.kernel_w; ++j) {
                const int64_t ow = wi * g.stride_w - g.pad_w + j * g.dilation_w;
                if (ow < 0 || ow >= g.out_w) continue;
                y[((n * g.out_channels + co) * g.out_h + oh) * g.out_w + ow] +=
                    v * w[((ci * g.out_channels + co) * g.kernel_h + i) * g.kernel_w + j];
              }
            }
        }
  return y;
}

// Max pool as PyTorch defines it: only real input elements compete (padding never wins), the
// first maximum wins ties, and a NaN is the maximum (torch's kernels let every NaN take over, so
// the last NaN of a window is its argmax: torch.nn.functional.max_pool2d of [1, nan, 2, nan] with
// kernel (1, 4) returns index 3). `argmax`, when given, receives each window's winner as an
// index into its input plane.
template <class T>
std::vector<double> ref_max_pool2d(const kernels::Pool2dGeometry& g, const std::vector<T>& x,
                                   std::vector<int32_t>* argmax = nullptr) {
  std::vector<double> y(static_cast<size_t>(g.y_numel()), 0.0);
  if (argmax) argmax->assign(static_cast<size_t>(g.y_numel()), -1);
  for (int64_t p = 0; p < g.batch * g.channels; ++p)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        double best = 0.0;
        int64_t best_at = -1;
        for (int64_t kh = 0; kh < g.kernel_h; ++kh)
          for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
            const int64_t ih = oh * g.stride_h - g.pad_h + kh, iw = ow * g.stride_w - g.pad_w + kw;
            if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
            const double v = x[(p * g.in_h + ih) * g.in_w + iw];
            if (best_at < 0 || std::isnan(v) || v > best) {
              best = v;
              best_at = ih * g.in_w + iw;
            }
          }
        const size_t o = static_cast<size_t>((p * g.out_h + oh) * g.out_w + ow);
        y[o] = best;
        if (argmax) (*argmax)[o] = static_cast<int32_t>(best_at);
      }
  return y;
}

// The gradient of max pooling: each output's dy goes to its argmax (a scatter).
template <class T>
std::vector<double> ref_max_pool2d_backward(const kernels::Pool2dGeometry& g,
                                            const std::vector<T>& dy,
                                            const std::vector<int32_t>& argmax) {
  std::vector<double> dx(static_cast<size_t>(g.x_numel()), 0.0);
  const int64_t out_plane = g.out_h * g.out_w;
  for (int64_t o = 0; o < g.y_numel(); ++o)
    dx[static_cast<size_t>((o / out_plane) * g.in_h * g.in_w + argmax[o])] += dy[o];
  return dx;
}

// Average pooling and upsampling are linear: their references are lists of (output, input,
// weight) triples, so that forward (apply_linear_map) and backward (apply_linear_map_transpose)
// share one statement of the op.
struct LinearEntry {
  int64_t out, in;
  double weight;
};

template <class T>
std::vector<double> apply_linear_map(const std::vector<LinearEntry>& map, const std::vector<T>& x,
                                     int64_t out_numel) {
  std::vector<double> y(static_cast<size_t>(out_numel), 0.0);
  for (const LinearEntry& e : map)
    y[e.out] += e.weight * x[e.in];
  return y;
}

template <class T>
std::vector<double> apply_linear_map_transpose(const std::vector<LinearEntry>& map,
                                               const std::vector<T>& dy, int64_t in_numel) {
  std::vector<double> dx(static_cast<size_t>(in_numel), 0.0);
  for (const LinearEntry& e : map)
    dx[e.in] += e.weight * dy[e.out];
  return dx;
}

// torch.nn.AvgPool2d as its kernel computes it: the window end is clipped at in + pad first (that
// size is the count_include_pad divisor), then to the input (the sum, and the other divisor).
inline std::vector<LinearEntry> avg_pool2d_map(const kernels::Pool2dGeometry& g,
                                               bool count_include_pad) {
  std::vector<LinearEntry> map;
  for (int64_t p = 0; p < g.batch * g.channels; ++p)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        int64_t hstart = oh * g.stride_h - g.pad_h, wstart = ow * g.stride_w - g.pad_w;
        int64_t hend = std::min(hstart + g.kernel_h, g.in_h + g.pad_h);
        int64_t wend = std::min(wstart + g.kernel_w, g.in_w + g.pad_w);
        const int64_t padded_size = (hend - hstart) * (wend - wstart);
        hstart = std::max<int64_t>(hstart, 0);
        wstart = std::max<int64_t>(wstart, 0);
        hend = std::min(hend, g.in_h);
        wend = std::min(wend, g.in_w);
        const int64_t divisor = count_include_pad ? padded_size : (hend - hstart) * (wend - wstart);
        const int64_t o = (p * g.out_h + oh) * g.out_w + ow;
        for (int64_t ih = hstart; ih < hend; ++ih)
          for (int64_t iw = wstart; iw < wend; ++iw)
            map.push_back({o, (p * g.in_h + ih) * g.in_w + iw, 1.0 / divisor});
      }
  return map;
}

template <class T>
std::vector<double> ref_avg_pool2d(const kernels::Pool2dGeometry& g, bool count_include_pad,
                                   const std::vector<T>& x) {
  return apply_linear_map(avg_pool2d_map(g, count_include_pad), x, g.y_numel());
}

// nn.Upsample(scale_factor, mode). Nearest: src = floor(o / s). Bilinear with
// align_corners=False: src = max(0, (o + 0.5) / s - 0.5), taps floor(src) and the next row (the
// last row repeats), weights from the fraction.
inline std::vector<LinearEntry> upsample2d_map(kernels::UpsampleMode mode,
                                               const kernels::Upsample2dGeometry& g) {
  struct Tap {
    int64_t i;
    double w;
  };
  auto taps = [&](int64_t o, int64_t s, int64_t in) {
    if (mode == kernels::UpsampleMode::kNearest) return std::vector<Tap>{{o / s, 1.0}};
    const double src = std::max(0.0, (o + 0.5) / static_cast<double>(s) - 0.5);
    const int64_t i0 = static_cast<int64_t>(std::floor(src));
    const int64_t i1 = std::min(i0 + 1, in - 1);
    const double l1 = src - static_cast<double>(i0);
    return std::vector<Tap>{{i0, 1.0 - l1}, {i1, l1}};
  };
  std::vector<LinearEntry> map;
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  for (int64_t p = 0; p < g.batch * g.channels; ++p)
    for (int64_t oh = 0; oh < out_h; ++oh)
      for (int64_t ow = 0; ow < out_w; ++ow)
        for (const Tap& th : taps(oh, g.scale_h, g.in_h))
          for (const Tap& tw : taps(ow, g.scale_w, g.in_w))
            map.push_back(
                {(p * out_h + oh) * out_w + ow, (p * g.in_h + th.i) * g.in_w + tw.i, th.w * tw.w});
  return map;
}

template <class T>
std::vector<double> ref_upsample2d(const kernels::Upsample2dGeometry& g, bool bilinear,
                                   const std::vector<T>& x) {
  return apply_linear_map(
      upsample2d_map(bilinear ? kernels::UpsampleMode::kBilinear : kernels::UpsampleMode::kNearest,
                     g),
      x, g.y_numel());
}

}  // namespace hg::testing
