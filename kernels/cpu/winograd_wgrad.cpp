// Winograd weight gradient of a stride-1 5x5 convolution (see winograd_conv.h): the dual
// algorithm F(5x5, 2x2) on the same six points as the correlation's F(2x2, 5x5).
//
// Cut dy into 2 x 2 tiles e; tile (ty, tx) meets the 6 x 6 tile d of the zero-bordered x at rows
// 2 ty .. 2 ty + 5, columns 2 tx .. 2 tx + 5, and adds to the 5 x 5 gradient of each channel pair
// the correlation of d with e:
//   dw += A'^T [(G' e G'^T) * (B^T d B)] A'      (* elementwise over the 36 positions)
// B^T depends only on the points, so it is the correlation's matrix and the x tiles go through
// the same input_tiles; G' (6 x 2) evaluates the 2-tap polynomial of e, A'^T (5 x 6) the 5-tap
// one. The output transform is linear, so the sums over tiles and samples run in the transformed
// domain, Z[xi][i][o] = sum_tiles V[xi][tile][i] * E[xi][tile][o] (one GEMM per position, its
// depth the tiles of a group of tile rows), and A' is applied once per call to the summed Z, in
// double. G' is used with its rows scaled to small integers (kDyG), which A' divides out again.
// Odd output sizes: dy gets a zero row / column to whole tiles (zero tiles add nothing).
//
// Determinism: the samples are dealt to min(batch, 16) fixed groups, each summing its samples in
// order into its own Z; the groups' Z are added in group order. Nothing depends on the thread
// count.
#include <algorithm>
#include <stdexcept>

#include "winograd_conv.h"
#include "winograd_tiles.h"

namespace hg::kernels::cpu {

#if HG_X86_CONV_KERNELS

namespace {

using namespace winograd;

constexpr int64_t kGroups = 16;    // partial Z buffers
constexpr int64_t kMinDepth = 16;  // tiles per GEMM: tile rows are grouped to reach this

// G' row k = (1, p_k) / (B^T row scale k) (infinity: (0, 1) / 4), times kDyScale[k].
constexpr float kDyG[kSide][2] = {{1, 0}, {1, 1}, {1, -1}, {2, 1}, {2, -1}, {0, 1}};
constexpr double kDyScale[kSide] = {1, 6, 6, 1.5, 1.5, 4};

// A'^T[a][k] = p_k^a; the infinity column takes the leading coefficient (a = 4).
double at_entry(int a, int k) {
  if (k == kSide - 1) return a == kTaps - 1 ? 1.0 : 0.0;
  double v = 1.0;
  for (int e = 0; e < a; ++e)
    v *= kPoints[k];
  return v;
}

// dyt[(r * 2 tw + c) * co_pad + o] = dy[o, r, c]; 0 past the output and in padded channels.
void load_dy_pixel_major(const Correlation5x5& c, const Plan& p, const float* dy, float* dyt) {
  const int64_t width = 2 * p.tw, plane = c.out_h * c.out_w, row_len = width * p.co_pad;
  for (int64_t r = 0; r < 2 * p.th; ++r) {
    float* row = dyt + r * row_len;
    if (r >= c.out_h) {
      std::fill(row, row + row_len, 0.0f);
      continue;
    }
    transpose_matrix(dy + r * c.out_w, c.out_c, c.out_w, plane, row, p.co_pad);
    if (p.co_pad > c.out_c)
      for (int64_t x = 0; x < c.out_w; ++x)
        std::fill(row + x * p.co_pad + c.out_c, row + (x + 1) * p.co_pad, 0.0f);
    std::fill(row + c.out_w * p.co_pad, row + row_len, 0.0f);
  }
}

// e[(tx * 36 + xi) * co_pad + o] = (G' e G'^T)[xi] for the 2 x 2 dy tiles of tile row ty.
HG_AVX2_FMA void dy_tiles(const Plan& p, const float* dyt, int64_t ty, float* e) {
  const int64_t width = 2 * p.tw;
  for (int64_t tx = 0; tx < p.tw; ++tx)
    for (int64_t o0 = 0; o0 < p.co_pad; o0 += kLanes) {
      __m256 d[4], t[2 * kSide], z[kPositions];
#pragma GCC unroll 2
      for (int r = 0; r < 2; ++r)
#pragma GCC unroll 2
        for (int s = 0; s < 2; ++s)
          d[r * 2 + s] = _mm256_loadu_ps(dyt + ((2 * ty + r) * width + 2 * tx + s) * p.co_pad + o0);
#pragma GCC unroll 2
      for (int s = 0; s < 2; ++s)
        apply(kDyG, d + s, 2, t + s, 2);  // t = G' d (6 x 2), column by column
#pragma GCC unroll 6
      for (int k = 0; k < kSide; ++k)
        apply(kDyG, t + 2 * k, 1, z + kSide * k, 1);  // z = t G'^T (6 x 6), row by row
#pragma GCC unroll 36
      for (int xi = 0; xi < kPositions; ++xi)
        _mm256_storeu_ps(e + (tx * kPositions + xi) * p.co_pad + o0, z[xi]);
    }
}

// z[(xi * ci_pad + i) * co_pad + o] += the transformed-domain products of one sample.
void accumulate_sample(const Correlation5x5& c, const Plan& p, const float* x, const float* dy,
                       float* z) {
  const int64_t rows_per_group = std::min(p.th, (kMinDepth + p.tw - 1) / p.tw);
  const int64_t group_tiles = rows_per_group * p.tw;
  float* xt = thread_scratch(Scratch::kWinogradInput, p.hb * p.wb * p.ci_pad);
  float* dyt = thread_scratch(Scratch::kWinogradOutput, 4 * p.th * p.tw * p.co_pad);
  float* v = thread_scratch(Scratch::kWinogradTiles, kPositions * group_tiles * p.ci_pad);
  float* e = thread_scratch(Scratch::kWinogradProducts, kPositions * group_tiles * p.co_pad);
  load_pixel_major(c, p, x, xt);
  load_dy_pixel_major(c, p, dy, dyt);
  const int64_t co_vectors = p.co_pad / kLanes;
  const int64_t row_blocks = (p.ci_pad + kMaxRows - 1) / kMaxRows;
  for (int64_t ty0 = 0; ty0 < p.th; ty0 += rows_per_group) {
    const int64_t rows = std::min(rows_per_group, p.th - ty0), tiles = rows * p.tw;
    for (int64_t r = 0; r < rows; ++r) {
      input_tiles(p, xt, ty0 + r, v + r * p.tw * kPositions * p.ci_pad);
      dy_tiles(p, dyt, ty0 + r, e + r * p.tw * kPositions * p.co_pad);
    }
    for (int64_t xi = 0; xi < kPositions; ++xi)
      for (int64_t k0 = 0; k0 < co_vectors; k0 += kMaxVectors) {
        const int vectors = static_cast<int>(std::min<int64_t>(kMaxVectors, co_vectors - k0));
        for (int64_t bi = 0; bi < row_blocks; ++bi) {
          const int64_t i0 = bi * p.ci_pad / row_blocks, i1 = (bi + 1) * p.ci_pad / row_blocks;
          const GemmBlock blk{v + xi * p.ci_pad + i0,
                              1,
                              kPositions * p.ci_pad,
                              tiles,
                              e + xi * p.co_pad + kLanes * k0,
                              kPositions * p.co_pad,
                              z + (xi * p.ci_pad + i0) * p.co_pad + kLanes * k0,
                              p.co_pad};
          multiply_block(blk, static_cast<int>(i1 - i0), vectors, true);
        }
      }
  }
}

}  // namespace

void winograd_weight_gradient(const Correlation5x5& c, int64_t batch, const float* x,
                              const float* dy, float* dw) {
  const Plan p = plan_of(c);
  const int64_t groups = std::min(batch, kGroups), z_size = kPositions * p.ci_pad * p.co_pad;
  const int64_t x_stride = c.in_c * c.src_h * c.src_w, dy_stride = c.out_c * c.out_h * c.out_w;
  float* partial = thread_scratch(Scratch::kWeightPartials, groups * z_size);
  std::fill(partial, partial + groups * z_size, 0.0f);
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t gi = 0; gi < groups; ++gi)
    for (int64_t n = gi * batch / groups; n < (gi + 1) * batch / groups; ++n)
      accumulate_sample(c, p, x + n * x_stride, dy + n * dy_stride, partial + gi * z_size);
  // The groups' Z added in group order into the first (contiguously: a strided gather per
  // channel pair was 10% of the call), then dw[o, i] = A'^T (Z with the dy scales divided out) A'.
  for (int64_t gi = 1; gi < groups; ++gi)
    for (int64_t j = 0; j < z_size; ++j)
      partial[j] += partial[gi * z_size + j];
  double at[kTaps][kSide];
  for (int a = 0; a < kTaps; ++a)
    for (int k = 0; k < kSide; ++k)
      at[a][k] = at_entry(a, k);
  for (int64_t o = 0; o < c.out_c; ++o)
    for (int64_t i = 0; i < c.in_c; ++i) {
      double zs[kSide][kSide];
      for (int k = 0; k < kSide; ++k)
        for (int l = 0; l < kSide; ++l)
          zs[k][l] = partial[((k * kSide + l) * p.ci_pad + i) * p.co_pad + o] /
                     (kDyScale[k] * kDyScale[l]);
      double g[kTaps][kTaps];
      sandwich(at, zs, g);
      for (int a = 0; a < kTaps; ++a)
        for (int b = 0; b < kTaps; ++b)
          dw[((o * c.in_c + i) * kTaps + a) * kTaps + b] = static_cast<float>(g[a][b]);
    }
}

#else  // !HG_X86_CONV_KERNELS: no AVX2 kernels here; winograd_takes() is false.

void winograd_weight_gradient(const Correlation5x5&, int64_t, const float*, const float*, float*) {
  throw std::logic_error("winograd_weight_gradient: no Winograd kernels on this platform");
}

#endif  // HG_X86_CONV_KERNELS

}  // namespace hg::kernels::cpu
