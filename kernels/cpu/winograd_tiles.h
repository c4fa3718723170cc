// The machinery the Winograd F(2x2, 5x5) correlation (winograd_conv.cpp) and weight gradient
// (winograd_wgrad.cpp) share: the transform matrices, the per-sample buffer plan, the
// compile-time matrix application on channel vectors, the pixel-major source with its zero
// border, the input-tile transform, and the GEMM micro-kernels that multiply in the transformed
// domain. Internal to kernels/cpu; only built where HG_X86_CONV_KERNELS.
#pragma once

#include <cstdint>

#include "conv_kernel_support.h"
#include "winograd_conv.h"

#if HG_X86_CONV_KERNELS
#include <immintrin.h>

namespace hg::kernels::cpu::winograd {

constexpr int kTaps = 5;        // kernel side
constexpr int kSide = 6;        // input tile side
constexpr int kPositions = 36;  // kSide * kSide
constexpr int64_t kLanes = 8;   // floats per AVX vector
constexpr int64_t kMinChannels = 8, kMaxChannels = 64, kMinOutput = 4;

// The finite points of the Toom-Cook algorithms; the sixth is infinity.
constexpr double kPoints[kSide - 1] = {0, 1, -1, 0.5, -0.5};

// B^T of the points 0, 1, -1, 1/2, -1/2, infinity (winograd_conv.cpp derives it), its rows
// scaled by kBTScale to small integers:
//   1  0 -5  0  4  0 /  0 -1 -1  4  4  0 /  0  1 -1 -4  4  0 /
//   0  1  2 -1 -2  0 /  0 -1  2  1 -2  0 /  0  1  0 -5  0  4
// Both the correlation and the weight gradient transform 6 x 6 source tiles with it
// (input_tiles). The other factor of each product (weights or dy) divides the scales out.
constexpr double kBTScale[kSide] = {1, 6, 6, 0.75, 0.75, 4};

// Buffer sizes of one sample.
struct Plan {
  int64_t th, tw;  // tile rows, tile columns (2 x 2 output pixels each)
  int64_t hb, wb;  // the bordered pixel-major source: 2 th + 4 rows, 2 tw + 4 columns
  int64_t ci_pad, co_pad;
};
Plan plan_of(const Correlation5x5& c);

bool enabled();  // AVX2 + FMA and HG_CPU_CONV_WINOGRAD not 0
bool geometry_fits(const Correlation5x5& c, int64_t batch);

// out[k * os] = sum_j m[k][j] * in[j * is] for the R rows of m. Inlined and unrolled, the
// coefficients are compile-time constants: zero terms vanish and +-1 become additions.
template <int R, int C>
HG_AVX2_FMA __attribute__((always_inline)) inline void apply(const float (&m)[R][C],
                                                             const __m256* in, int is, __m256* out,
                                                             int os) {
#pragma GCC unroll 6
  for (int k = 0; k < R; ++k) {
    __m256 acc = _mm256_setzero_ps();
    bool first = true;
#pragma GCC unroll 6
    for (int j = 0; j < C; ++j) {
      const float coef = m[k][j];
      if (coef == 0.0f) continue;
      const __m256 v = in[j * is];
      if (first)
        acc = coef == 1.0f ? v : _mm256_mul_ps(_mm256_set1_ps(coef), v);
      else if (coef == 1.0f)
        acc = _mm256_add_ps(acc, v);
      else if (coef == -1.0f)
        acc = _mm256_sub_ps(acc, v);
      else
        acc = _mm256_fmadd_ps(_mm256_set1_ps(coef), v, acc);
      first = false;
    }
    out[k * os] = acc;
  }
}

// out = m x m^T for an R x C matrix m and a C x C matrix x, in double: the transforms applied
// once per call (the weights into the Winograd domain, the summed weight gradient out of it).
template <int R, int C>
void sandwich(const double (&m)[R][C], const double (&x)[C][C], double (&out)[R][R]) {
  double mx[R][C] = {};
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < C; ++j)
      for (int k = 0; k < C; ++k)
        mx[i][k] += m[i][j] * x[j][k];
  for (int i = 0; i < R; ++i)
    for (int l = 0; l < R; ++l) {
      double s = 0.0;
      for (int k = 0; k < C; ++k)
        s += mx[i][k] * m[l][k];
      out[i][l] = s;
    }
}

// xt[(y * wb + x) * ci_pad + i] = src[i, y - top, x - left] of one sample, 0 outside the source
// and in the padded channels.
void load_pixel_major(const Correlation5x5& c, const Plan& p, const float* src, float* xt);

// v[(tx * 36 + xi) * ci_pad + i] = (B^T d B)[xi] for the 6 x 6 tiles d of tile row ty. Tile by
// tile (not position by position), so each tile's 36 x ci_pad values are written contiguously.
void input_tiles(const Plan& p, const float* xt, int64_t ty, float* v);

// A strided GEMM block of rows x (8 * vectors) outputs:
//   m[t * m_ld + 8 k + l] (+)= sum_{j < depth} a[t * a_row + j * a_depth] * b[j * b_ld + 8 k + l]
// for t < rows <= 6, k < vectors <= 2 (accumulating into m when `accumulate`). Up to 6 x 2
// accumulators: with the 2 b vectors and one broadcast they fit the 16 registers, and per step
// 2 loads + 6 broadcasts feed 12 FMAs, enough to cover the FMA latency on two ports.
constexpr int kMaxRows = 6, kMaxVectors = 2;
struct GemmBlock {
  const float* a;
  int64_t a_row, a_depth, depth;
  const float* b;
  int64_t b_ld;
  float* m;
  int64_t m_ld;
};
void multiply_block(const GemmBlock& blk, int rows, int vectors, bool accumulate);

}  // namespace hg::kernels::cpu::winograd

#endif  // HG_X86_CONV_KERNELS
