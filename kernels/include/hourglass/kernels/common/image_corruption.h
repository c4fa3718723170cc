// Per-element math of the image transforms of corrupt() (regularizer_params.h: block masking,
// block-average downsampling, grayscale), written once for both backends. Every output element
// is computed on its own from x, with each product and sum rounded separately (mul_rn / add_rn
// from regularizer_math.h) in a fixed order, so the CPU and CUDA twins agree bitwise.
#pragma once

#include <cstdint>

#include "hourglass/kernels/common/host_device.h"
#include "hourglass/kernels/common/philox.h"
#include "hourglass/kernels/common/regularizer_math.h"
#include "hourglass/kernels/regularizer_params.h"

namespace hg::kernels {

HG_HOST_DEVICE float div_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}

// A position in [0, count) from Philox number i of the draw at (seed, offset): the uniform in
// [0, 1) scaled by count, clamped against the product rounding up to count.
HG_HOST_DEVICE int64_t philox_index_at(uint64_t seed, uint64_t offset, int64_t i, int64_t count) {
  const float u = philox_uniform_at(seed, offset, i, 0.0f, 1.0f);
  const int64_t k = static_cast<int64_t>(mul_rn(u, static_cast<float>(count)));
  return k < count - 1 ? k : count - 1;
}

// Element i of the image transform p.image of x [N, C, H, W] (p's geometry).
HG_HOST_DEVICE float corrupt_image_element(const CorruptionParams& p, const float* x, uint64_t seed,
                                           uint64_t offset, int64_t i) {
  const int64_t plane = p.height * p.width;
  const int64_t w = i % p.width;
  const int64_t h = (i / p.width) % p.height;
  switch (p.image) {
    case ImageCorruption::kNone:
      return x[i];
    case ImageCorruption::kBlock: {
      // Sample s's square starts at (top, left), drawn from Philox numbers 2 s C H W and
      // 2 s C H W + 1: the two numbers element 0 of the sample would use for itself.
      const int64_t sample_size = p.channels * plane;
      const int64_t first = 2 * (i / sample_size) * sample_size;
      const int64_t top = philox_index_at(seed, offset, first, p.height - p.patch + 1);
      const int64_t left = philox_index_at(seed, offset, first + 1, p.width - p.patch + 1);
      const bool inside = h >= top && h < top + p.patch && w >= left && w < left + p.patch;
      return inside ? 0.0f : x[i];
    }
    case ImageCorruption::kDownsample: {
      // The block of (h, w): rows [h0, h1), columns [w0, w1), clipped to the image; summed row
      // by row, then divided by its pixel count.
      const int64_t h0 = h - h % p.factor, w0 = w - w % p.factor;
      const int64_t h1 = h0 + p.factor < p.height ? h0 + p.factor : p.height;
      const int64_t w1 = w0 + p.factor < p.width ? w0 + p.factor : p.width;
      const float* base = x + (i - h * p.width - w);  // the plane's first element
      float sum = 0.0f;
      for (int64_t r = h0; r < h1; ++r)
        for (int64_t c = w0; c < w1; ++c)
          sum = add_rn(sum, base[r * p.width + c]);
      return div_rn(sum, static_cast<float>((h1 - h0) * (w1 - w0)));
    }
    case ImageCorruption::kGrayscale: {
      // ITU-R BT.601 luma of the sample's pixel (h, w), the same in all three channels.
      const float* red = x + (i / (3 * plane)) * 3 * plane + h * p.width + w;
      const float luma = add_rn(add_rn(mul_rn(0.299f, red[0]), mul_rn(0.587f, red[plane])),
                                mul_rn(0.114f, red[2 * plane]));
      return luma;
    }
  }
  return x[i];
}

}  // namespace hg::kernels
