// Shared pieces of the CPU convolution kernels (see conv_kernel_support.h).
#include "conv_kernel_support.h"

#include <cstdlib>
#include <cstring>
#include <memory>

#include "cpu_features.h"
#include "simd_clones.h"

#if HG_X86_CONV_KERNELS
#include <immintrin.h>
#endif

namespace hg::kernels::cpu {

bool avx2_fma_kernels_enabled(const char* switch_name) {
  const char* env = std::getenv(switch_name);
  if (env != nullptr && std::strcmp(env, "0") == 0) return false;
  return HG_X86_CONV_KERNELS && cpu_features().avx2_fma;
}

float* thread_scratch(Scratch slot, int64_t n) {
  struct Buffer {
    std::unique_ptr<float[]> data;
    int64_t size = 0;
  };
  thread_local Buffer slots[static_cast<int>(Scratch::kCount)];
  Buffer& b = slots[static_cast<int>(slot)];
  if (n > b.size) {
    b.data.reset(new float[static_cast<size_t>(n)]);
    b.size = n;
  }
  return b.data.get();
}

HG_SIMD_CLONES double sum_in_double(const float* __restrict v, int64_t n) {
  constexpr int kLanes = 8;
  double lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j)
      lanes[j] += static_cast<double>(v[i + j]);
  for (int j = 0; i < n; ++i, ++j)
    lanes[j] += static_cast<double>(v[i]);
  double s = 0.0;
  for (double l : lanes)
    s += l;
  return s;
}

void sum_group_partials(const double* partial, int64_t groups, int64_t channels, float* out) {
  for (int64_t c = 0; c < channels; ++c) {
    double s = 0.0;
    for (int64_t g = 0; g < groups; ++g)
      s += partial[g * channels + c];
    out[c] = static_cast<float>(s);
  }
}

#if HG_X86_CONV_KERNELS

HG_AVX2_FMA void transpose_matrix(const float* src, int64_t rows, int64_t cols, int64_t src_ld,
                                  float* dst, int64_t dst_ld) {
  const int64_t r8 = rows / 8 * 8, c8 = cols / 8 * 8;
  for (int64_t j0 = 0; j0 < c8; j0 += 8) {
    for (int64_t i0 = 0; i0 < r8; i0 += 8) {
      __m256 r[8], t[8], u[8];
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k)
        r[k] = _mm256_loadu_ps(src + (i0 + k) * src_ld + j0);
#pragma GCC unroll 4
      for (int k = 0; k < 8; k += 2) {
        t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
        t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
      }
#pragma GCC unroll 2
      for (int k = 0; k < 8; k += 4) {
        u[k] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
      // u[k] (k < 4): rows i0..i0+3 of column j0 + k (low half) and of column j0 + k + 4 (high
      // half); u[k + 4]: the same for rows i0+4..i0+7.
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) {
        _mm256_storeu_ps(dst + (j0 + k) * dst_ld + i0,
                         _mm256_permute2f128_ps(u[k], u[k + 4], 0x20));
        _mm256_storeu_ps(dst + (j0 + k + 4) * dst_ld + i0,
                         _mm256_permute2f128_ps(u[k], u[k + 4], 0x31));
      }
    }
    for (int64_t j = j0; j < j0 + 8; ++j)
      for (int64_t i = r8; i < rows; ++i)
        dst[j * dst_ld + i] = src[i * src_ld + j];
  }
  for (int64_t j = c8; j < cols; ++j)
    for (int64_t i = 0; i < rows; ++i)
      dst[j * dst_ld + i] = src[i * src_ld + j];
}

#endif  // HG_X86_CONV_KERNELS

}  // namespace hg::kernels::cpu
