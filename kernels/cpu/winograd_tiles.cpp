// Shared Winograd F(2x2, 5x5) machinery (see winograd_tiles.h).
#include "winograd_tiles.h"

#if HG_X86_CONV_KERNELS

#include <algorithm>
#include <utility>

namespace hg::kernels::cpu::winograd {

Plan plan_of(const Correlation5x5& c) {
  Plan p;
  p.th = (c.out_h + 1) / 2;
  p.tw = (c.out_w + 1) / 2;
  p.hb = 2 * p.th + kTaps - 1;
  p.wb = 2 * p.tw + kTaps - 1;
  p.ci_pad = (c.in_c + kLanes - 1) / kLanes * kLanes;
  p.co_pad = (c.out_c + kLanes - 1) / kLanes * kLanes;
  return p;
}

bool enabled() {
  static const bool ok = avx2_fma_kernels_enabled("HG_CPU_CONV_WINOGRAD");
  return ok;
}

bool geometry_fits(const Correlation5x5& c, int64_t batch) {
  return enabled() && batch >= 2 && c.in_c >= kMinChannels && c.out_c >= kMinChannels &&
         c.in_c <= kMaxChannels && c.out_c <= kMaxChannels && c.out_h >= kMinOutput &&
         c.out_w >= kMinOutput;
}

void load_pixel_major(const Correlation5x5& c, const Plan& p, const float* src, float* xt) {
  // Columns x0 <= x < x1 hold source pixels.
  const int64_t x0 = std::clamp<int64_t>(c.left, 0, p.wb);
  const int64_t x1 = std::clamp<int64_t>(c.left + c.src_w, x0, p.wb);
  const int64_t row_len = p.wb * p.ci_pad;
  for (int64_t y = 0; y < p.hb; ++y) {
    float* row = xt + y * row_len;
    const int64_t sy = y - c.top;
    if (sy < 0 || sy >= c.src_h || x1 == x0) {
      std::fill(row, row + row_len, 0.0f);
      continue;
    }
    std::fill(row, row + x0 * p.ci_pad, 0.0f);
    std::fill(row + x1 * p.ci_pad, row + row_len, 0.0f);
    transpose_matrix(src + sy * c.src_w + (x0 - c.left), c.in_c, x1 - x0, c.src_h * c.src_w,
                     row + x0 * p.ci_pad, p.ci_pad);
    if (p.ci_pad > c.in_c)
      for (int64_t x = x0; x < x1; ++x)
        std::fill(row + x * p.ci_pad + c.in_c, row + (x + 1) * p.ci_pad, 0.0f);
  }
}

namespace {

// r[k * os] = sum_j kBT[k][j] d[j * is] with the rows' shared subexpressions: 12 operations
// where a row-by-row product takes 18.
//   r0 = d0 - 5 d2 + 4 d4          r1 = (4 d4 - d2) + (4 d3 - d1)   r2 = (4 d4 - d2) - (4 d3 - d1)
//   r3 = 2 (d2 - d4) + (d1 - d3)   r4 = 2 (d2 - d4) - (d1 - d3)     r5 = d1 - 5 d3 + 4 d5
HG_AVX2_FMA __attribute__((always_inline)) inline void bt6(const __m256* d, int is, __m256* r,
                                                           int os) {
  const __m256 two = _mm256_set1_ps(2.0f), four = _mm256_set1_ps(4.0f);
  const __m256 five = _mm256_set1_ps(5.0f);
  const __m256 d0 = d[0], d1 = d[is], d2 = d[2 * is], d3 = d[3 * is], d4 = d[4 * is],
               d5 = d[5 * is];
  const __m256 a = _mm256_fmsub_ps(four, d4, d2), b = _mm256_fmsub_ps(four, d3, d1);
  const __m256 c = _mm256_sub_ps(d1, d3), e = _mm256_sub_ps(d2, d4);
  r[0] = _mm256_fmadd_ps(four, d4, _mm256_fnmadd_ps(five, d2, d0));
  r[os] = _mm256_add_ps(a, b);
  r[2 * os] = _mm256_sub_ps(a, b);
  r[3 * os] = _mm256_fmadd_ps(two, e, c);
  r[4 * os] = _mm256_fmsub_ps(two, e, c);
  r[5 * os] = _mm256_fmadd_ps(four, d5, _mm256_fnmadd_ps(five, d3, d1));
}

}  // namespace

// B^T runs down each source column once per tile row (neighbouring tiles share 4 of their 6
// columns), then B along each tile's rows.
HG_AVX2_FMA void input_tiles(const Plan& p, const float* xt, int64_t ty, float* v) {
  float* cols = thread_scratch(Scratch::kWinogradColumns, p.wb * kSide * kLanes);
  for (int64_t i0 = 0; i0 < p.ci_pad; i0 += kLanes) {
    const float* base = xt + 2 * ty * p.wb * p.ci_pad + i0;
    for (int64_t x = 0; x < p.wb; ++x) {
      __m256 d[kSide], r[kSide];
#pragma GCC unroll 6
      for (int j = 0; j < kSide; ++j)
        d[j] = _mm256_loadu_ps(base + (j * p.wb + x) * p.ci_pad);
      bt6(d, 1, r, 1);
#pragma GCC unroll 6
      for (int k = 0; k < kSide; ++k)
        _mm256_storeu_ps(cols + (x * kSide + k) * kLanes, r[k]);
    }
    for (int64_t tx = 0; tx < p.tw; ++tx)
#pragma GCC unroll 6
      for (int k = 0; k < kSide; ++k) {
        __m256 d[kSide], r[kSide];
#pragma GCC unroll 6
        for (int j = 0; j < kSide; ++j)
          d[j] = _mm256_loadu_ps(cols + ((2 * tx + j) * kSide + k) * kLanes);
        bt6(d, 1, r, 1);
#pragma GCC unroll 6
        for (int l = 0; l < kSide; ++l)
          _mm256_storeu_ps(v + (tx * kPositions + k * kSide + l) * p.ci_pad + i0, r[l]);
      }
  }
}

namespace {

template <int TT, int CV, bool kAccumulate>
HG_AVX2_FMA void gemm_block(const GemmBlock& blk) {
  __m256 acc[TT][CV];
#pragma GCC unroll 8
  for (int t = 0; t < TT; ++t)
#pragma GCC unroll 8
    for (int k = 0; k < CV; ++k)
      acc[t][k] =
          kAccumulate ? _mm256_loadu_ps(blk.m + t * blk.m_ld + kLanes * k) : _mm256_setzero_ps();
  const float* a = blk.a;
  const float* b = blk.b;
  for (int64_t j = 0; j < blk.depth; ++j, a += blk.a_depth, b += blk.b_ld) {
    __m256 w[CV];
#pragma GCC unroll 8
    for (int k = 0; k < CV; ++k)
      w[k] = _mm256_loadu_ps(b + kLanes * k);
#pragma GCC unroll 8
    for (int t = 0; t < TT; ++t) {
      const __m256 s = _mm256_broadcast_ss(a + t * blk.a_row);
#pragma GCC unroll 8
      for (int k = 0; k < CV; ++k)
        acc[t][k] = _mm256_fmadd_ps(s, w[k], acc[t][k]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < TT; ++t)
#pragma GCC unroll 8
    for (int k = 0; k < CV; ++k)
      _mm256_storeu_ps(blk.m + t * blk.m_ld + kLanes * k, acc[t][k]);
}

using GemmKernel = void (*)(const GemmBlock&);

template <bool kAccumulate, int... TT>
GemmKernel gemm_kernel(int rows, int vectors, std::integer_sequence<int, TT...>) {
  static constexpr GemmKernel table[kMaxVectors][sizeof...(TT)] = {
      {gemm_block<TT + 1, 1, kAccumulate>...}, {gemm_block<TT + 1, 2, kAccumulate>...}};
  return table[vectors - 1][rows - 1];
}

}  // namespace

void multiply_block(const GemmBlock& blk, int rows, int vectors, bool accumulate) {
  const auto seq = std::make_integer_sequence<int, kMaxRows>();
  (accumulate ? gemm_kernel<true>(rows, vectors, seq)
              : gemm_kernel<false>(rows, vectors, seq))(blk);
}

}  // namespace hg::kernels::cpu::winograd

#endif  // HG_X86_CONV_KERNELS
