// Direct convolution kernels for small-channel layers (see direct_conv.h).
//
// All three passes are one of two kernels:
// - a stride-1 correlation out[o, r, c] = bias[o] + sum_{i, a, b} wk[o, i, a, b] *
//   src[i, r - top + a, c - left + b] (src reads 0 outside its plane). The forward pass is that
//   with src = x, top/left = the padding; backward_data is it with src = dy, the roles of the
//   channels swapped, the kernel flipped (wk[ci, co, a, b] = w[co, ci, kh-1-a, kw-1-b]) and
//   top = kernel_h - 1 - pad_h: the adjoint of a stride-1 conv is a "full" correlation, so there
//   is no col2im scatter and no zero-filled column matrix.
// - the weight gradient, a direct reduction:
//   dw[co, ci, a, b] = sum_{n, r, c} dy[n, co, r, c] * xpad[n, ci, r + a, c + b].
// Strides: the forward pass and the weight gradient read x split by stride phase (struct Corr),
// which makes a stride-s conv a stride-1 correlation over s * s times the channels with a kernel
// of ceil(k / s) taps per axis; backward_data computes each phase of dx (rows s I + p) as its own
// stride-1 full correlation of dy with the taps of that phase (struct Phase), then interleaves
// them into dx.
//
// The source is copied per sample into a zero-bordered buffer (out_h + kh - 1) x (out_w + kw - 1)
// (skipped when it already is one), so the inner loops have no bounds tests; kernel rows that
// read only that border for every row of a tile are skipped (tap_rows). Output rows are cut
// into vectors of 8 pixels at columns min(8 j, out_w - 8): the last one may overlap its
// neighbour (it then recomputes, bit for bit, values already stored). Narrow rows (a 9-pixel row
// would compute 16) use flat mode instead (see Corr): vectors over the flattened padded grid.
// Correlation micro-kernel: up to 3 pixel vectors x 4 output channels = 12 AVX accumulators,
// per tap 3 unaligned loads + 4 weight broadcasts for 12 FMAs (20-pixel rows: row20_tile). The
// weights are packed once per call as [channel block][i][a][b][4], so the broadcasts walk memory
// contiguously. Weight gradient micro-kernel: dy transposed per sample to [pixel][channel],
// accumulators of 8 output channels x the kernel columns (see wgrad_tile), so no horizontal sums.
//
// Determinism: forward / backward_data compute each output from one fixed sequence of FMAs,
// whichever thread runs it. backward_weight deals the samples to min(batch, 16) fixed groups,
// each accumulating its samples in order into its own partial dw; the partials are added in
// group order. Nothing depends on the thread count.
//
// The rule (direct_conv_takes): AVX2 + FMA CPU (and HG_CPU_CONV_DIRECT not 0), no dilation,
// stride <= kernel, a kernel larger than 1x1 and at most 7x7, at most 64 channels on each side;
// forward / backward_data: at least 3/4 of the vector lanes computed are real output pixels (in
// row or flat mode, see Corr), strided ones with at least 64 output pixels per phase (the 4x4 /
// 5x5-pixel phases of the MNIST AE's 9x9 stride-2 layers measured slower than GEMM), and fewer than
// 4 output channels only with kernels of at most 9 taps (a 1-channel output is load-bound here: 5x5
// measured faster on GEMM, 3x3 faster direct); weight gradient: at least 8 output channels (the
// vector width), at least 16 output pixels (a 1x1 output is a dense layer, where the GEMM path
// wins) and at most 5 kernel columns per phase. Measured on the MNIST autoencoders' layers
// (bench/results/2026-11-21-cpu-conv-direct.md); other geometries (large channel counts, where
// GEMM's cache blocking pays off, narrow rows, dilation) keep im2col + GEMM. Before all of that,
// stride-1 5x5 geometries that winograd_takes() (8 to 64 channels, batch >= 2) go to the Winograd
// kernels (winograd_conv.h) in all three passes.
#include "direct_conv.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "conv_kernel_support.h"
#include "hourglass/kernels/common/int_math.h"
#include "winograd_conv.h"

#if HG_X86_CONV_KERNELS
#include <immintrin.h>
#endif

namespace hg::kernels::cpu {

namespace {

#if HG_X86_CONV_KERNELS

constexpr int64_t kMaxChannels = 64;
constexpr int64_t kMaxKernel = 7;
constexpr int64_t kMaxWgradKernelW = 5;
constexpr int64_t kMinWgradChannels = 8;   // weight-gradient vectors run over 8 channels
constexpr int64_t kMinStridedPixels = 64;  // per phase: below, the phase split costs more
constexpr int64_t kMinWgradPixels = 16;    // a 1x1 output is a dense layer: GEMM
constexpr int64_t kGroups = 16;            // partial dw buffers of backward_weight
constexpr double kParallelFlops = 2e6;     // below this a call runs on one thread

// The fraction of computed vector lanes that are real output pixels, for rows of `width` pixels
// cut into 8-pixel vectors (0 below 8), and in flat mode (see Corr) with a kw-tap kernel.
double row_efficiency(int64_t width) {
  return width < 8 ? 0.0 : static_cast<double>(width) / static_cast<double>(8 * ((width + 7) / 8));
}
double flat_efficiency(int64_t width, int64_t kw) {
  return static_cast<double>(width) / static_cast<double>(width + kw - 1);
}
bool flat_better(int64_t width, int64_t kw) {
  return flat_efficiency(width, kw) > row_efficiency(width);
}

// Whether corr_tile skips kernel rows that read only the zero border (tap_rows);
// HG_CPU_CONV_TAP_SKIP=0 keeps every row, to benchmark one against the other.
bool tap_skip_enabled() {
  static const bool on = [] {
    const char* env = std::getenv("HG_CPU_CONV_TAP_SKIP");
    return env == nullptr || std::strcmp(env, "0") != 0;
  }();
  return on;
}

// A stride-1 correlation (see the file comment) on one sample, over a source read with strides
// sh, sw: out[o, r, c] = bias[o] + sum wk[o, i, a, b] * src[i, sh r + a - top, sw c + b - left].
// With strides it runs as a stride-1 correlation over the source split by phase: virtual channel
// (i * sh + p) * sw + q holds src[i, sh I + p - top, sw J + q - left] at (I, J), and the virtual
// kernel tap (a', b') of that channel is the real tap (sh a' + p, sw b' + q) (zero past the
// kernel). in_c, kh, kw below are the virtual ones.
struct Corr {
  int64_t in_c, out_c;
  int64_t src_h, src_w;
  int64_t top, left;
  int64_t out_h, out_w;
  int64_t kh, kw;
  int64_t sh = 1, sw = 1;

  int64_t hp() const { return out_h + kh - 1; }  // padded source rows
  int64_t wp() const { return out_w + kw - 1; }  // padded source columns
  int64_t taps() const { return in_c * kh * kw; }
  // The source can be read in place: no border or phase split needed, and large enough.
  // Flat mode (narrow rows): the pixel vectors run over the flat index q = r * wp() + c of an
  // output grid as wide as the padded source, so every tap reads src at q + a * wp() + b, one
  // contiguous run across rows. The wp() - out_w columns past each row are computed and dropped:
  // a row of 9 pixels with a 2-tap kernel computes 10 per row instead of 16.
  int64_t flat_len() const { return (out_h - 1) * wp() + out_w; }  // up to the last real pixel
  bool flat() const { return flat_better(out_w, kw) && flat_len() >= 8; }
  bool in_place() const {
    return !flat() && sh == 1 && sw == 1 && top == 0 && left == 0 && src_h >= hp() && src_w >= wp();
  }
  double flops() const {
    return 2.0 * static_cast<double>(out_c * taps()) * static_cast<double>(out_h * out_w);
  }
};

Corr forward_corr(const Conv2dGeometry& g) {
  const int64_t sh = g.stride_h, sw = g.stride_w;
  return {g.in_channels * sh * sw,
          g.out_channels,
          g.in_h,
          g.in_w,
          g.pad_h,
          g.pad_w,
          g.out_h,
          g.out_w,
          ceil_div(g.kernel_h, sh),
          ceil_div(g.kernel_w, sw),
          sh,
          sw};
}

// The real weight index ((co * ci_n + ci) * kh + a) * kw + b of forward_corr's virtual tap
// (virtual channel vi, a', b'), or -1 past the kernel.
int64_t real_tap(const Conv2dGeometry& g, int64_t co, int64_t vi, int64_t va, int64_t vb) {
  const int64_t sh = g.stride_h, sw = g.stride_w;
  const int64_t ci = vi / (sh * sw), p = vi / sw % sh, q = vi % sw;
  const int64_t a = sh * va + p, b = sw * vb + q;
  if (a >= g.kernel_h || b >= g.kernel_w) return -1;
  return ((co * g.in_channels + ci) * g.kernel_h + a) * g.kernel_w + b;
}

// A source plane set as the kernels read it: plane i, row p, column q at
// data[i * plane + p * pitch + q].
struct Src {
  const float* data;
  int64_t pitch, plane;
};

// The source of one sample with its zero border, split by phase (or the source itself when
// in_place()).
Src padded(const Corr& c, const float* src) {
  if (c.in_place()) return {src, c.src_w, c.src_h * c.src_w};
  const int64_t hp = c.hp(), wp = c.wp(), sh = c.sh, sw = c.sw;
  float* buf = thread_scratch(Scratch::kPaddedSource, c.in_c * hp * wp);
  // Stride 1: the columns J with 0 <= J - left < src_w.
  const int64_t j0 = std::clamp<int64_t>(c.left, 0, wp);
  const int64_t j1 = std::clamp<int64_t>(c.left + c.src_w, j0, wp);
  for (int64_t vi = 0; vi < c.in_c; ++vi) {
    const int64_t i = vi / (sh * sw), p = vi / sw % sh, q = vi % sw;
    for (int64_t I = 0; I < hp; ++I) {
      float* row = buf + (vi * hp + I) * wp;
      const int64_t sr = sh * I + p - c.top;
      if (sr < 0 || sr >= c.src_h) {
        std::fill(row, row + wp, 0.0f);
        continue;
      }
      const float* srow = src + (i * c.src_h + sr) * c.src_w;
      if (sw == 1) {
        std::fill(row, row + j0, 0.0f);
        std::memcpy(row + j0, srow + (j0 - c.left), static_cast<size_t>(j1 - j0) * sizeof(float));
        std::fill(row + j1, row + wp, 0.0f);
      } else {
        for (int64_t J = 0; J < wp; ++J) {
          const int64_t sc = sw * J + q - c.left;
          row[J] = sc >= 0 && sc < c.src_w ? srow[sc] : 0.0f;
        }
      }
    }
  }
  return {buf, wp, hp * wp};
}

// backward_data as one stride-1 correlation per output phase (p, q): dx rows sh I + p, columns
// sw J + q. Rows: the taps a = sh t + m (m = (p + pad_h) mod sh) reach dx row sh I + p from dy
// row I + d - t (d = (p + pad_h - m) / sh); with the kernel flipped (t' = T - 1 - t) that is a
// correlation with top = T - 1 - d. Likewise for columns.
struct Phase {
  Corr c;
  int64_t p, q;     // dx row / column phase
  int64_t m, mq;    // first real tap row / column of the phase
  int64_t wpk_off;  // the phase's packed weights
};

Phase backward_data_phase(const Conv2dGeometry& g, int64_t p, int64_t q, int64_t wpk_off) {
  const int64_t sh = g.stride_h, sw = g.stride_w;
  const int64_t m = (p + g.pad_h) % sh, mq = (q + g.pad_w) % sw;
  const int64_t T = ceil_div(g.kernel_h - m, sh), U = ceil_div(g.kernel_w - mq, sw);
  const int64_t d = (p + g.pad_h - m) / sh, dq = (q + g.pad_w - mq) / sw;
  const Corr c{g.out_channels,
               g.in_channels,
               g.out_h,
               g.out_w,
               T - 1 - d,
               U - 1 - dq,
               ceil_div(g.in_h - p, sh),
               ceil_div(g.in_w - q, sw),
               T,
               U};
  return {c, p, q, m, mq, wpk_off};
}

// Whether two backward_data phases read the same zero-bordered source (padded() depends on
// nothing else: they share the channels, the source and unit strides).
bool same_border(const Corr& a, const Corr& b) {
  return a.top == b.top && a.left == b.left && a.out_h == b.out_h && a.out_w == b.out_w &&
         a.kh == b.kh && a.kw == b.kw;
}

// Output channel blocks of the correlation: blocks of 4, then one of 2 and / or one of 1.
struct Block {
  int64_t o0;
  int cb;
};
int64_t block_count(int64_t out_c) {
  return out_c / 4 + (out_c % 4) / 2 + (out_c % 2);
}
Block block_at(int64_t idx, int64_t out_c) {
  const int64_t full = out_c / 4, rem = out_c % 4;
  if (idx < full) return {4 * idx, 4};
  if (idx == full && rem >= 2) return {4 * full, 2};
  return {out_c - 1, 1};
}

// wpk: block after block (block at o0 starts at o0 * taps), each [i][a][b][cb].
template <class W>
void pack_weights(const Corr& c, W weight, float* wpk) {
  const int64_t taps = c.taps();
  for (int64_t bi = 0; bi < block_count(c.out_c); ++bi) {
    const Block blk = block_at(bi, c.out_c);
    float* dst = wpk + blk.o0 * taps;
    for (int64_t i = 0; i < c.in_c; ++i)
      for (int64_t a = 0; a < c.kh; ++a)
        for (int64_t b = 0; b < c.kw; ++b)
          for (int o = 0; o < blk.cb; ++o)
            *dst++ = weight(blk.o0 + o, i, a, b);
  }
}

// The first column of pixel vector j of a row of out_w >= 8 pixels.
inline int64_t vector_col(int64_t j, int64_t out_w) {
  return std::min(8 * j, out_w - 8);
}

// RR output rows x RB pixel vectors (first columns cols[]) x CB channels. Narrow channel blocks
// (CB 1 or 2) take several rows at once, so there are still about 12 independent accumulators
// (FMA latency x throughput) rather than 3.
template <int RR, int RB, int CB>
HG_AVX2_FMA void corr_tile(const float* srow, const Src& s, const float* wk, const Corr& c,
                           const int64_t* cols, const float* bias, float* orow, int64_t out_w,
                           int64_t out_plane, int64_t a0, int64_t a1) {
  __m256 acc[RR][RB][CB];
#pragma GCC unroll 4
  for (int o = 0; o < CB; ++o) {
    const __m256 b0 = bias != nullptr ? _mm256_set1_ps(bias[o]) : _mm256_setzero_ps();
#pragma GCC unroll 4
    for (int k = 0; k < RR; ++k)
#pragma GCC unroll 3
      for (int j = 0; j < RB; ++j)
        acc[k][j][o] = b0;
  }
  const int64_t in_c = c.in_c, kh = c.kh, kw = c.kw, plane = s.plane, pitch = s.pitch;
  // Only the kernel rows [a0, a1) (the others read only the zero border for every row of the
  // tile, see tap_rows): wk steps over the skipped ones.
  const float* wi = wk;
  for (int64_t i = 0; i < in_c; ++i, wi += kh * kw * CB)
    for (int64_t a = a0; a < a1; ++a) {
      const float* row = srow + i * plane + a * pitch;
      wk = wi + a * kw * CB;
      for (int64_t b = 0; b < kw; ++b, wk += CB) {
        if constexpr (RR == 1) {
          // The pixel vectors stay in registers while the channels' weights are broadcast.
          __m256 xv[RB];
#pragma GCC unroll 3
          for (int j = 0; j < RB; ++j)
            xv[j] = _mm256_loadu_ps(row + cols[j] + b);
#pragma GCC unroll 4
          for (int o = 0; o < CB; ++o) {
            const __m256 wb = _mm256_broadcast_ss(wk + o);
#pragma GCC unroll 3
            for (int j = 0; j < RB; ++j)
              acc[0][j][o] = _mm256_fmadd_ps(xv[j], wb, acc[0][j][o]);
          }
        } else {
          // The CB weights stay in registers while the RR * RB pixel vectors stream past.
          __m256 wb[CB];
#pragma GCC unroll 4
          for (int o = 0; o < CB; ++o)
            wb[o] = _mm256_broadcast_ss(wk + o);
#pragma GCC unroll 4
          for (int k = 0; k < RR; ++k)
#pragma GCC unroll 3
            for (int j = 0; j < RB; ++j) {
              const __m256 xv = _mm256_loadu_ps(row + k * pitch + cols[j] + b);
#pragma GCC unroll 4
              for (int o = 0; o < CB; ++o)
                acc[k][j][o] = _mm256_fmadd_ps(xv, wb[o], acc[k][j][o]);
            }
        }
      }
    }
#pragma GCC unroll 4
  for (int o = 0; o < CB; ++o)
#pragma GCC unroll 4
    for (int k = 0; k < RR; ++k)
#pragma GCC unroll 3
      for (int j = 0; j < RB; ++j)
        _mm256_storeu_ps(orow + o * out_plane + k * out_w + cols[j], acc[k][j][o]);
}

using CorrTile = void (*)(const float*, const Src&, const float*, const Corr&, const int64_t*,
                          const float*, float*, int64_t, int64_t, int64_t, int64_t);

// The kernel rows [a0, a1) that output rows [r, r + rr) of a row-mode correlation need: tap row a
// of output row r + k reads padded source row r + k + a, which is zero border unless it lies in
// [top, top + src_h) (stride 1; a strided source mixes phases, so it keeps every row). Skipping
// the others drops only products with a zero source value: for the "full" correlations of
// backward_data (top = kh - 1 - pad) that is up to (kh - 1) / 2 of the rows near the top and
// bottom edges (a 20x20 -> 24x24 5x5 one does 1/6 fewer FMAs). The result is the same up to
// the sign of zero sums (and the NaN a non-finite weight times zero would have made).
std::pair<int64_t, int64_t> tap_rows(const Corr& c, int64_t r, int64_t rr) {
  if (c.sh != 1 || !tap_skip_enabled()) return {0, c.kh};
  const int64_t a0 = std::clamp<int64_t>(c.top - r - rr + 1, 0, c.kh);
  const int64_t a1 = std::clamp<int64_t>(c.top + c.src_h - r, a0, c.kh);
  return {a0, a1};
}

// Rows per tile for a channel block width (RR * 3 * CB <= 12 accumulators).
int tile_rows(int cb) {
  return cb == 4 ? 1 : cb == 2 ? 2 : 4;
}

// The tile for rb vectors, cb channels and rr rows (rr is tile_rows(cb) or 1).
CorrTile corr_tile_for(int rr, int rb, int cb) {
  static const CorrTile table[2][3][3] = {
      {{corr_tile<1, 1, 1>, corr_tile<1, 1, 2>, corr_tile<1, 1, 4>},
       {corr_tile<1, 2, 1>, corr_tile<1, 2, 2>, corr_tile<1, 2, 4>},
       {corr_tile<1, 3, 1>, corr_tile<1, 3, 2>, corr_tile<1, 3, 4>}},
      {{corr_tile<4, 1, 1>, corr_tile<2, 1, 2>, corr_tile<1, 1, 4>},
       {corr_tile<4, 2, 1>, corr_tile<2, 2, 2>, corr_tile<1, 2, 4>},
       {corr_tile<4, 3, 1>, corr_tile<2, 3, 2>, corr_tile<1, 3, 4>}},
  };
  return table[rr == 1 ? 0 : 1][rb - 1][cb == 4 ? 2 : cb - 1];
}

// Rows of 20 pixels (the MNIST AE's 24x24 -> 20x20 5x5 layers) waste 4 of corr_tile's 24 lanes
// per row. row20_tile<true> computes, for a 4-channel block, columns 0-15 of row r as two vectors
// plus one vector holding columns 16-19 of rows r and r + 1 (two 4-lane halves); row20_tile<false>
// then computes columns 0-15 of row r + 1. Two rows take 20 FMAs per tap instead of 24; the loads
// and broadcasts stay at about 14. Each output is bias + the same (i, a, b) sequence of FMAs as
// in corr_tile, so the bits do not change.
template <bool Tail>
HG_AVX2_FMA void row20_tile(const float* srow, const Src& s, const float* wk, const Corr& c,
                            const float* bias, float* orow, int64_t out_plane, int64_t a0,
                            int64_t a1) {
  constexpr int64_t W = 20;
  constexpr int NV = Tail ? 3 : 2;
  __m256 acc[NV][4];
#pragma GCC unroll 4
  for (int o = 0; o < 4; ++o) {
    const __m256 b0 = bias != nullptr ? _mm256_set1_ps(bias[o]) : _mm256_setzero_ps();
#pragma GCC unroll 3
    for (int j = 0; j < NV; ++j)
      acc[j][o] = b0;
  }
  const int64_t in_c = c.in_c, kh = c.kh, kw = c.kw, plane = s.plane, pitch = s.pitch;
  for (int64_t i = 0; i < in_c; ++i)
    for (int64_t a = a0; a < a1; ++a) {
      const float* row = srow + i * plane + a * pitch;
      const float* w = wk + ((i * kh + a) * kw) * 4;
      for (int64_t b = 0; b < kw; ++b, w += 4) {
        __m256 x[NV];
        x[0] = _mm256_loadu_ps(row + b);
        x[1] = _mm256_loadu_ps(row + 8 + b);
        if constexpr (Tail) x[NV - 1] = _mm256_loadu2_m128(row + pitch + 16 + b, row + 16 + b);
#pragma GCC unroll 4
        for (int o = 0; o < 4; ++o) {
          const __m256 wb = _mm256_broadcast_ss(w + o);
#pragma GCC unroll 3
          for (int j = 0; j < NV; ++j)
            acc[j][o] = _mm256_fmadd_ps(x[j], wb, acc[j][o]);
        }
      }
    }
#pragma GCC unroll 4
  for (int o = 0; o < 4; ++o) {
    float* out = orow + o * out_plane;
    _mm256_storeu_ps(out, acc[0][o]);
    _mm256_storeu_ps(out + 8, acc[1][o]);
    if constexpr (Tail) _mm256_storeu2_m128(out + W + 16, out + 16, acc[NV - 1][o]);
  }
}

// Whether HG_CPU_CONV_ROW20=0 keeps 20-pixel rows on corr_tile (to benchmark one against the
// other).
bool row20_enabled() {
  static const bool on = [] {
    const char* env = std::getenv("HG_CPU_CONV_ROW20");
    return env == nullptr || std::strcmp(env, "0") != 0;
  }();
  return on;
}

// Channel blocks [b0, b1) of one sample.
void corr_blocks(const Corr& c, const Src& s, const float* wpk, const float* bias, float* out,
                 int64_t b0, int64_t b1) {
  const int64_t nvec = (c.out_w + 7) / 8, out_plane = c.out_h * c.out_w, taps = c.taps();
  if (c.flat()) {
    // Vectors over the flat grid into tmp [channel][flat_len], then its real columns copied out.
    const int64_t len = c.flat_len(), wp = c.wp(), nq = (len + 7) / 8;
    float* tmp = thread_scratch(Scratch::kFlatOutput, c.out_c * len);
    for (int64_t bi = b0; bi < b1; ++bi) {
      const Block blk = block_at(bi, c.out_c);
      const float* wk = wpk + blk.o0 * taps;
      const float* bb = bias != nullptr ? bias + blk.o0 : nullptr;
      for (int64_t j0 = 0; j0 < nq; j0 += 3) {
        const int rb = static_cast<int>(std::min<int64_t>(3, nq - j0));
        int64_t cols[3] = {0, 0, 0};
        for (int t = 0; t < rb; ++t)
          cols[t] = vector_col(j0 + t, len);
        corr_tile_for(1, rb, blk.cb)(s.data, s, wk, c, cols, bb, tmp + blk.o0 * len, 0, len, 0,
                                     c.kh);
      }
      for (int64_t o = blk.o0; o < blk.o0 + blk.cb; ++o)
        for (int64_t r = 0; r < c.out_h; ++r)
          std::memcpy(out + o * out_plane + r * c.out_w, tmp + o * len + r * wp,
                      static_cast<size_t>(c.out_w) * sizeof(float));
    }
    return;
  }
  for (int64_t bi = b0; bi < b1; ++bi) {
    const Block blk = block_at(bi, c.out_c);
    const float* wk = wpk + blk.o0 * taps;
    const float* bb = bias != nullptr ? bias + blk.o0 : nullptr;
    const int rows = tile_rows(blk.cb);
    const bool row20 = c.out_w == 20 && blk.cb == 4 && row20_enabled();
    if (row20)
      // Row pairs with row20_tile; an odd last row with corr_tile below.
      for (int64_t r = 0; r + 2 <= c.out_h; r += 2) {
        const float* srow = s.data + r * s.pitch;
        float* orow = out + blk.o0 * out_plane + r * c.out_w;
        // The first tile also computes row r + 1's last 4 columns: the kernel rows of both.
        auto [a0, a1] = tap_rows(c, r, 2);
        row20_tile<true>(srow, s, wk, c, bb, orow, out_plane, a0, a1);
        std::tie(a0, a1) = tap_rows(c, r + 1, 1);
        row20_tile<false>(srow + s.pitch, s, wk, c, bb, orow + c.out_w, out_plane, a0, a1);
      }
    for (int64_t r = row20 ? c.out_h / 2 * 2 : 0; r < c.out_h;) {
      const int rr = r + rows <= c.out_h ? rows : 1;
      float* orow = out + blk.o0 * out_plane + r * c.out_w;
      const auto [a0, a1] = tap_rows(c, r, rr);
      for (int64_t j0 = 0; j0 < nvec; j0 += 3) {
        const int rb = static_cast<int>(std::min<int64_t>(3, nvec - j0));
        int64_t cols[3] = {0, 0, 0};
        for (int t = 0; t < rb; ++t)
          cols[t] = vector_col(j0 + t, c.out_w);
        corr_tile_for(rr, rb, blk.cb)(s.data + r * s.pitch, s, wk, c, cols, bb, orow, c.out_w,
                                      out_plane, a0, a1);
      }
      r += rr;
    }
  }
}

// The correlation over the batch: parallel over samples, or over channel blocks for batch 1.
void run_corr(const Corr& c, int64_t batch, const float* src, const float* wpk, const float* bias,
              float* out) {
  const int64_t src_stride = c.in_c / (c.sh * c.sw) * c.src_h * c.src_w;
  const int64_t out_stride = c.out_c * c.out_h * c.out_w;
  const int64_t blocks = block_count(c.out_c);
  const bool parallel = c.flops() * static_cast<double>(batch) > kParallelFlops;
  if (batch == 1) {
    const Src s = padded(c, src);
#pragma omp parallel for schedule(dynamic, 1) if (parallel && blocks > 1)
    for (int64_t bi = 0; bi < blocks; ++bi)
      corr_blocks(c, s, wpk, bias, out, bi, bi + 1);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
  for (int64_t n = 0; n < batch; ++n) {
    const Src s = padded(c, src + n * src_stride);
    corr_blocks(c, s, wpk, bias, out + n * out_stride, 0, blocks);
  }
}

// Weight gradient of CV * 8 output channels x KW kernel columns for one (ci, a) and one sample:
// pt[b * co_pad + co] += sum_{r, c} dy[co, r, c] * x[r + a, c + b], with dy transposed to
// dyt[(r * out_w + c) * co_pad + co] (co_pad: the channels rounded up to 8, zeros beyond). The
// accumulators are vectors over 8 channels: per pixel CV loads of dy, KW broadcasts of x, CV * KW
// FMAs, and no horizontal sums.
template <int CV, int KW>
HG_AVX2_FMA void wgrad_tile(const float* dyt, int64_t co_pad, int64_t out_h, int64_t out_w,
                            const float* xrow, int64_t pitch, float* pt) {
  __m256 acc[CV][KW];
#pragma GCC unroll 6
  for (int v = 0; v < CV; ++v)
#pragma GCC unroll 5
    for (int b = 0; b < KW; ++b)
      acc[v][b] = _mm256_setzero_ps();
  for (int64_t r = 0; r < out_h; ++r) {
    const float* xr = xrow + r * pitch;
    const float* d = dyt + r * out_w * co_pad;
    for (int64_t c = 0; c < out_w; ++c, d += co_pad) {
      __m256 dv[CV];
#pragma GCC unroll 6
      for (int v = 0; v < CV; ++v)
        dv[v] = _mm256_loadu_ps(d + 8 * v);
#pragma GCC unroll 5
      for (int b = 0; b < KW; ++b) {
        const __m256 xb = _mm256_broadcast_ss(xr + c + b);
#pragma GCC unroll 6
        for (int v = 0; v < CV; ++v)
          acc[v][b] = _mm256_fmadd_ps(dv[v], xb, acc[v][b]);
      }
    }
  }
#pragma GCC unroll 6
  for (int v = 0; v < CV; ++v)
#pragma GCC unroll 5
    for (int b = 0; b < KW; ++b) {
      float* p = pt + b * co_pad + 8 * v;
      _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), acc[v][b]));
    }
}

using WgradTile = void (*)(const float*, int64_t, int64_t, int64_t, const float*, int64_t, float*);

// Channel vectors per weight-gradient tile for a kernel width: CV * KW accumulators + CV dy
// vectors + 1 broadcast fit in the 16 AVX registers.
int wgrad_vectors(int64_t kw) {
  return kw >= 4 ? 2 : kw == 3 ? 3 : kw == 2 ? 4 : 6;
}

template <int KW, int... CV>
WgradTile wgrad_tile_pick(int cv, std::integer_sequence<int, CV...>) {
  WgradTile t = nullptr;
  ((cv == CV + 1 ? (t = wgrad_tile<CV + 1, KW>, 0) : 0), ...);
  return t;
}

WgradTile wgrad_tile_for(int cv, int64_t kw) {
  switch (kw) {
    case 1:
      return wgrad_tile_pick<1>(cv, std::make_integer_sequence<int, 6>());
    case 2:
      return wgrad_tile_pick<2>(cv, std::make_integer_sequence<int, 4>());
    case 3:
      return wgrad_tile_pick<3>(cv, std::make_integer_sequence<int, 3>());
    case 4:
      return wgrad_tile_pick<4>(cv, std::make_integer_sequence<int, 2>());
    default:
      return wgrad_tile_pick<5>(cv, std::make_integer_sequence<int, 2>());
  }
}

// dyt[p * co_pad + o] = dy[o * plane + p] for o < co_n, 0 up to co_pad (a scalar gather cost
// about 2.5% of the torch-conv training step; transpose_matrix works in 8 x 8 register blocks).
void transpose_dy(const float* dy, int64_t co_n, int64_t plane, int64_t co_pad, float* dyt) {
  transpose_matrix(dy, co_n, plane, plane, dyt, co_pad);
  if (co_pad > co_n)
    for (int64_t p = 0; p < plane; ++p)
      std::fill(dyt + p * co_pad + co_n, dyt + (p + 1) * co_pad, 0.0f);
}

// pt (+)= the weight gradient of one sample over forward_corr's virtual taps, pt laid out
// [virtual channel][a'][b'][co_pad]; dyt as wgrad_tile.
void wgrad_sample(const Conv2dGeometry& g, const Corr& c, const Src& s, const float* dyt,
                  int64_t co_pad, float* pt) {
  const int64_t vectors = co_pad / 8, main_cv = wgrad_vectors(c.kw);
  for (int64_t v0 = 0; v0 < vectors;) {
    const int cv = static_cast<int>(std::min(main_cv, vectors - v0));
    const WgradTile tile = wgrad_tile_for(cv, c.kw);
    for (int64_t vi = 0; vi < c.in_c; ++vi)
      for (int64_t a = 0; a < c.kh; ++a)
        tile(dyt + 8 * v0, co_pad, g.out_h, g.out_w, s.data + vi * s.plane + a * s.pitch, s.pitch,
             pt + (vi * c.kh + a) * c.kw * co_pad + 8 * v0);
    v0 += cv;
  }
}

// HG_CPU_CONV_DIRECT=0 keeps every geometry on im2col + GEMM, to benchmark one path against
// the other.
bool direct_enabled() {
  static const bool ok = avx2_fma_kernels_enabled("HG_CPU_CONV_DIRECT");
  return ok;
}

#endif  // HG_X86_CONV_KERNELS

}  // namespace

#if HG_X86_CONV_KERNELS

namespace {

// The Winograd kernels' view of a stride-1 5x5 correlation, when they take it for this batch.
std::optional<Correlation5x5> winograd_view(const Corr& c, int64_t batch) {
  if (c.kh != 5 || c.kw != 5 || c.sh != 1 || c.sw != 1) return std::nullopt;
  const Correlation5x5 w{c.in_c, c.out_c, c.src_h, c.src_w, c.top, c.left, c.out_h, c.out_w};
  if (!winograd_takes(w, batch)) return std::nullopt;
  return w;
}

// Runs the correlation with the Winograd kernels; w is the Conv2d weight in `layout`.
void winograd_run(const Correlation5x5& wc, int64_t batch, const float* src, const float* w,
                  WinogradWeights layout, const float* bias, float* out) {
  float* u = thread_scratch(Scratch::kPackedWeights, winograd_weights_size(wc));
  winograd_transform_weights(wc, w, layout, u);
  winograd_correlate(wc, batch, src, u, bias, out);
}

}  // namespace

// A correlation whose computed vector lanes are at least 3/4 real output pixels (in flat mode
// when that is better; a row of fewer than 8 pixels needs flat mode).
bool lanes_well_used(const Corr& c) {
  return (c.flat() ? flat_efficiency(c.out_w, c.kw) : row_efficiency(c.out_w)) >= 0.75;
}

bool direct_conv_takes(const Conv2dGeometry& g, ConvPass pass) {
  if (!direct_enabled()) return false;
  if (g.dilation_h != 1 || g.dilation_w != 1) return false;
  if (g.batch == 0 || g.in_channels == 0 || g.out_channels == 0 || g.out_h == 0 || g.in_h == 0)
    return false;
  if (g.in_channels > kMaxChannels || g.out_channels > kMaxChannels) return false;
  if (g.kernel_h * g.kernel_w == 1 || g.kernel_h > kMaxKernel || g.kernel_w > kMaxKernel)
    return false;
  // Every stride phase meets at least one kernel tap.
  if (g.stride_h > g.kernel_h || g.stride_w > g.kernel_w) return false;
  const bool strided = g.stride_h > 1 || g.stride_w > 1;
  const bool unit_stride = g.stride_h == 1 && g.stride_w == 1;
  switch (pass) {
    case ConvPass::kForward:
      if (winograd_view(forward_corr(g), g.batch)) return true;
      return lanes_well_used(forward_corr(g)) &&
             (!strided || g.out_h * g.out_w >= kMinStridedPixels) &&
             (g.out_channels >= 4 || g.kernel_h * g.kernel_w <= 9);
    case ConvPass::kBackwardData:
      if (unit_stride && winograd_view(backward_data_phase(g, 0, 0, 0).c, g.batch)) return true;
      // Every dx phase; dx has the correlation's output channels.
      for (int64_t p = 0; p < g.stride_h; ++p)
        for (int64_t q = 0; q < g.stride_w; ++q)
          if (const Corr c = backward_data_phase(g, p, q, 0).c;
              !lanes_well_used(c) || (strided && c.out_h * c.out_w < kMinStridedPixels))
            return false;
      return g.in_channels >= 4 || g.kernel_h * g.kernel_w <= 9;
    case ConvPass::kBackwardWeight:
      if (winograd_view(forward_corr(g), g.batch)) return true;
      return g.out_channels >= kMinWgradChannels && g.out_h * g.out_w >= kMinWgradPixels &&
             ceil_div(g.kernel_w, g.stride_w) <= kMaxWgradKernelW;
  }
  return false;
}

void direct_conv_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                         float* y) {
  const Corr c = forward_corr(g);
  if (const auto wc = winograd_view(c, g.batch)) {
    winograd_run(*wc, g.batch, x, w, WinogradWeights::kForward, bias, y);
    return;
  }
  float* wpk = thread_scratch(Scratch::kPackedWeights, c.out_c * c.taps());
  pack_weights(
      c,
      [&](int64_t co, int64_t vi, int64_t a, int64_t b) {
        const int64_t t = real_tap(g, co, vi, a, b);
        return t >= 0 ? w[t] : 0.0f;
      },
      wpk);
  run_corr(c, g.batch, x, wpk, bias, y);
}

void direct_conv_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                               const float* bias, float* dx) {
  const int64_t sh = g.stride_h, sw = g.stride_w, ci_n = g.in_channels, kh = g.kernel_h;
  const int64_t kw = g.kernel_w;
  const bool strided = sh > 1 || sw > 1;
  if (!strided) {
    // One phase, written straight into dx.
    const Corr c = backward_data_phase(g, 0, 0, 0).c;
    if (const auto wc = winograd_view(c, g.batch)) {
      winograd_run(*wc, g.batch, dy, w, WinogradWeights::kAdjoint, bias, dx);
      return;
    }
    float* wpk = thread_scratch(Scratch::kPackedWeights, g.w_numel());
    // Correlation channel o = ci, input channel i = co, the kernel flipped.
    pack_weights(
        c,
        [&](int64_t ci, int64_t co, int64_t a, int64_t b) {
          return w[((co * ci_n + ci) * kh + (kh - 1 - a)) * kw + (kw - 1 - b)];
        },
        wpk);
    run_corr(c, g.batch, dy, wpk, bias, dx);
    return;
  }
  // Every real tap belongs to exactly one phase, so the phases' packed weights fill w_numel.
  std::vector<Phase> phases;
  phases.reserve(static_cast<size_t>(sh * sw));
  float* wpk = thread_scratch(Scratch::kPackedWeights, g.w_numel());
  int64_t off = 0;
  for (int64_t p = 0; p < sh; ++p)
    for (int64_t q = 0; q < sw; ++q) {
      const Phase ph = backward_data_phase(g, p, q, off);
      const int64_t T = ph.c.kh, U = ph.c.kw;
      pack_weights(
          ph.c,
          [&](int64_t ci, int64_t co, int64_t t, int64_t u) {
            const int64_t a = sh * (T - 1 - t) + ph.m, b = sw * (U - 1 - u) + ph.mq;
            return w[((co * ci_n + ci) * kh + a) * kw + b];
          },
          wpk + off);
      off += ph.c.out_c * ph.c.taps();
      phases.push_back(ph);
    }
  const int64_t y_stride = g.out_channels * g.out_h * g.out_w, hw = g.in_h * g.in_w;
  const int64_t blocks = block_count(ci_n);
  const bool parallel =
      2.0 * static_cast<double>(g.w_numel() * hw) * static_cast<double>(g.batch) > kParallelFlops;
  // Channel blocks [b0, b1) of sample n: each phase into a buffer, then interleaved into dx.
  auto sample = [&](int64_t n, int64_t b0, int64_t b1) {
    const Corr* bordered = nullptr;  // the phase whose zero-bordered dy `s` holds
    Src s{};
    for (const Phase& ph : phases) {
      const Corr& c = ph.c;
      // Phases with the same border and size read the same bordered dy (all four phases of a
      // 4x4 stride-2 layer): it is built once.
      if (bordered == nullptr || !same_border(*bordered, c)) {
        s = padded(c, dy + n * y_stride);
        bordered = &c;
      }
      const int64_t plane = c.out_h * c.out_w;
      float* out = thread_scratch(Scratch::kSampleTemp, ci_n * plane);
      corr_blocks(c, s, wpk + ph.wpk_off, bias, out, b0, b1);
      const int64_t o0 = block_at(b0, ci_n).o0;
      const int64_t o1 = b1 < blocks ? block_at(b1, ci_n).o0 : ci_n;
      for (int64_t o = o0; o < o1; ++o)
        for (int64_t I = 0; I < c.out_h; ++I) {
          const float* src = out + o * plane + I * c.out_w;
          float* dst = dx + (n * ci_n + o) * hw + (sh * I + ph.p) * g.in_w + ph.q;
          for (int64_t J = 0; J < c.out_w; ++J)
            dst[sw * J] = src[J];
        }
    }
  };
  if (g.batch == 1) {
#pragma omp parallel for schedule(dynamic, 1) if (parallel && blocks > 1)
    for (int64_t bi = 0; bi < blocks; ++bi)
      sample(0, bi, bi + 1);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
  for (int64_t n = 0; n < g.batch; ++n)
    sample(n, 0, blocks);
}

void direct_conv_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy,
                                 float* dw, float* dbias) {
  const Corr c = forward_corr(g);  // x split by phase with its zero border, as forward reads it
  const int64_t N = g.batch, co_n = g.out_channels, ci_n = g.in_channels;
  const int64_t plane = g.out_h * g.out_w, x_stride = ci_n * g.in_h * g.in_w;
  const int64_t y_stride = co_n * plane, co_pad = (co_n + 7) / 8 * 8;
  if (const auto wc = winograd_view(c, N)) {
    winograd_weight_gradient(*wc, N, x, dy, dw);
    if (dbias != nullptr)
      for (int64_t o = 0; o < co_n; ++o) {
        double s = 0.0;
        for (int64_t n = 0; n < N; ++n)
          s += sum_in_double(dy + n * y_stride + o * plane, plane);
        dbias[o] = static_cast<float>(s);
      }
    return;
  }
  const int64_t vtaps = c.taps(), pt_n = vtaps * co_pad;
  const int64_t groups = std::min(N, kGroups);
  float* partial = thread_scratch(Scratch::kWeightPartials, groups * pt_n);
  std::fill(partial, partial + groups * pt_n, 0.0f);
  double bias_partial[kGroups * kMaxChannels] = {};
  const bool parallel = c.flops() * static_cast<double>(N) > kParallelFlops;
#pragma omp parallel for schedule(dynamic, 1) if (parallel && groups > 1)
  for (int64_t gi = 0; gi < groups; ++gi) {
    for (int64_t n = gi * N / groups; n < (gi + 1) * N / groups; ++n) {
      const float* dyn = dy + n * y_stride;
      // dy of the sample transposed to [pixel][co_pad].
      float* dyt = thread_scratch(Scratch::kSampleTemp, plane * co_pad);
      transpose_dy(dyn, co_n, plane, co_pad, dyt);
      wgrad_sample(g, c, padded(c, x + n * x_stride), dyt, co_pad, partial + gi * pt_n);
      if (dbias != nullptr)
        for (int64_t o = 0; o < co_n; ++o)
          bias_partial[gi * co_n + o] += sum_in_double(dyn + o * plane, plane);
    }
  }
  // dw[real tap] = sum of the group partials [virtual tap, co], in group order.
  for (int64_t vt = 0; vt < vtaps; ++vt) {
    const int64_t vi = vt / (c.kh * c.kw), va = vt / c.kw % c.kh, vb = vt % c.kw;
    for (int64_t o = 0; o < co_n; ++o) {
      const int64_t t = real_tap(g, o, vi, va, vb);
      if (t < 0) continue;
      float s = partial[vt * co_pad + o];
      for (int64_t gi = 1; gi < groups; ++gi)
        s += partial[gi * pt_n + vt * co_pad + o];
      dw[t] = s;
    }
  }
  if (dbias != nullptr) sum_group_partials(bias_partial, groups, co_n, dbias);
}

#else  // !HG_X86_CONV_KERNELS: no AVX2 kernels on this platform; conv.cpp never calls them.

bool direct_conv_takes(const Conv2dGeometry&, ConvPass) {
  return false;
}

void direct_conv_forward(const Conv2dGeometry&, const float*, const float*, const float*, float*) {
  throw std::logic_error("direct_conv_forward: no direct conv kernels on this platform");
}
void direct_conv_backward_data(const Conv2dGeometry&, const float*, const float*, const float*,
                               float*) {
  throw std::logic_error("direct_conv_backward_data: no direct conv kernels on this platform");
}
void direct_conv_backward_weight(const Conv2dGeometry&, const float*, const float*, float*,
                                 float*) {
  throw std::logic_error("direct_conv_backward_weight: no direct conv kernels on this platform");
}

#endif  // HG_X86_CONV_KERNELS

}  // namespace hg::kernels::cpu
