// Double-precision references of the spatial ops (conv2d, its adjoint conv_transpose2d, max /
// average pooling, nearest / bilinear upsampling), written straight from the index formulas of
// torch.nn.functional so the op tests compare the kernels with something independent of them.
// Every tensor is a flat row-major NCHW vector; geometries are the kernels' own structs, with
// every size already resolved.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "hourglass/kernels/conv_params.h"

namespace hg::testing {

// y[n, co, oh, ow] = b[co] + sum w[co, ci, i, j] x[n, ci, oh*s - p + i*d, ow*s - p + j*d];
// `b` may be empty.
inline std::vector<double> ref_conv2d(const kernels::Conv2dGeometry& g,
                                      const std::vector<double>& x, const std::vector<double>& w,
                                      const std::vector<double>& b) {
  std::vector<double> y(static_cast<size_t>(g.y_numel()), 0.0);
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t co = 0; co < g.out_channels; ++co)
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          double acc = b.empty() ? 0.0 : b[co];
          for (int64_t ci = 0; ci < g.in_channels; ++ci)
            for (int64_t i = 0; i < g.kernel_h; ++i) {
              const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h;
              if (ih < 0 || ih >= g.in_h) continue;
              for (int64_t j = 0; j < g.kernel_w; ++j) {
                const int64_t iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
                if (iw < 0 || iw >= g.in_w) continue;
                acc += w[((co * g.in_channels + ci) * g.kernel_h + i) * g.kernel_w + j] *
                       x[((n * g.in_channels + ci) * g.in_h + ih) * g.in_w + iw];
              }
            }
          y[((n * g.out_channels + co) * g.out_h + oh) * g.out_w + ow] = acc;
        }
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

// Max over each window's in-input elements (padding never wins).
inline std::vector<double> ref_max_pool2d(const kernels::Pool2dGeometry& g,
                                          const std::vector<double>& x) {
  std::vector<double> y(static_cast<size_t>(g.y_numel()));
  for (int64_t p = 0; p < g.batch * g.channels; ++p)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        double best = -std::numeric_limits<double>::infinity();
        for (int64_t ih = oh * g.stride_h - g.pad_h; ih < oh * g.stride_h - g.pad_h + g.kernel_h;
             ++ih)
          for (int64_t iw = ow * g.stride_w - g.pad_w; iw < ow * g.stride_w - g.pad_w + g.kernel_w;
               ++iw)
            if (ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w)
              best = std::max(best, x[(p * g.in_h + ih) * g.in_w + iw]);
        y[(p * g.out_h + oh) * g.out_w + ow] = best;
      }
  return y;
}

// PyTorch's AvgPool2d: the window is first clipped to the padded input (in + pad on each side;
// that size is the divisor with count_include_pad), then to the input (the divisor without).
inline std::vector<double> ref_avg_pool2d(const kernels::Pool2dGeometry& g, bool count_include_pad,
                                          const std::vector<double>& x) {
  std::vector<double> y(static_cast<size_t>(g.y_numel()));
  for (int64_t p = 0; p < g.batch * g.channels; ++p)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        int64_t h0 = oh * g.stride_h - g.pad_h, w0 = ow * g.stride_w - g.pad_w;
        int64_t h1 = std::min(h0 + g.kernel_h, g.in_h + g.pad_h);
        int64_t w1 = std::min(w0 + g.kernel_w, g.in_w + g.pad_w);
        const int64_t padded_count = (h1 - h0) * (w1 - w0);
        h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0);
        h1 = std::min(h1, g.in_h), w1 = std::min(w1, g.in_w);
        double sum = 0.0;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw)
            sum += x[(p * g.in_h + ih) * g.in_w + iw];
        const int64_t count = count_include_pad ? padded_count : (h1 - h0) * (w1 - w0);
        y[(p * g.out_h + oh) * g.out_w + ow] = sum / static_cast<double>(count);
      }
  return y;
}

// Nearest: out[o] = in[o / scale]. Bilinear (align_corners=False): source coordinate
// (o + 0.5) / scale - 0.5 clamped below at 0, interpolating between floor and floor + 1
// (clamped to the last row / column).
inline std::vector<double> ref_upsample2d(const kernels::Upsample2dGeometry& g, bool bilinear,
                                          const std::vector<double>& x) {
  const int64_t oh_n = g.out_h(), ow_n = g.out_w();
  std::vector<double> y(static_cast<size_t>(g.y_numel()));
  auto source = [](int64_t o, int64_t scale, int64_t in, int64_t* i0, int64_t* i1, double* t) {
    const double s = std::max((o + 0.5) / static_cast<double>(scale) - 0.5, 0.0);
    *i0 = std::min(static_cast<int64_t>(std::floor(s)), in - 1);
    *i1 = std::min(*i0 + 1, in - 1);
    *t = s - static_cast<double>(*i0);
  };
  for (int64_t p = 0; p < g.batch * g.channels; ++p)
    for (int64_t oh = 0; oh < oh_n; ++oh)
      for (int64_t ow = 0; ow < ow_n; ++ow) {
        const double* plane = x.data() + p * g.in_h * g.in_w;
        double v;
        if (!bilinear) {
          v = plane[(oh / g.scale_h) * g.in_w + ow / g.scale_w];
        } else {
          int64_t h0, h1, w0, w1;
          double th, tw;
          source(oh, g.scale_h, g.in_h, &h0, &h1, &th);
          source(ow, g.scale_w, g.in_w, &w0, &w1, &tw);
          v = (1 - th) * ((1 - tw) * plane[h0 * g.in_w + w0] + tw * plane[h0 * g.in_w + w1]) +
              th * ((1 - tw) * plane[h1 * g.in_w + w0] + tw * plane[h1 * g.in_w + w1]);
        }
        y[(p * oh_n + oh) * ow_n + ow] = v;
      }
  return y;
}

}  // namespace hg::testing
