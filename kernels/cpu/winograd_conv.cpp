// Winograd F(2x2, 5x5) correlation: the forward pass and the stride-1 backward_data pass of a
// 5x5 convolution (see winograd_conv.h).
//
// A tile of 2 x 2 output pixels reads a 6 x 6 input tile d (rows 2 ty .. 2 ty + 5 and columns
// 2 tx .. 2 tx + 5 of the zero-bordered source). Per channel pair, with g the 5 x 5 kernel,
//   Y = A^T [(G g G^T) * (B^T d B)] A      (* elementwise over the 36 positions)
// from Toom-Cook with the points 0, 1, -1, 1/2, -1/2 and infinity: a correlation is the
// transpose of a linear convolution, so A^T evaluates the 2-tap polynomial at the points, G
// the 5-tap one, and B^T is the transposed inverse of the 6-point evaluation matrix. Of the
// point sets tried, this one had the smallest float32 error (about half that of 0, +-1, +-2).
// The rows of B^T are scaled to small integers (winograd_tiles.h) and the inverse scales folded
// into G, so the input transform multiplies exactly and only the weights (transformed once per
// call, in double) carry the fractions.
//
// The sum over input channels happens between the transforms: for each of the 36 positions xi,
// M[xi][tile][o] = sum_i V[xi][tile][i] * U[xi][i][o], one small GEMM per position with depth =
// the input channels. That turns the 100 multiplications of a direct 2 x 2 output per channel
// pair into 36, at the price of the transforms (about 264 operations per 6 x 6 tile and 8
// input channels, 80 per 2 x 2 output and 8 output channels).
//
// Layout: channels innermost (pixel-major) everywhere, so a transform is a fixed sequence of
// additions and FMAs on vectors of 8 channels with compile-time coefficients. Per sample: the
// source is transposed into a zero-bordered pixel-major buffer; per row of tiles, input
// transform -> V [tiles][36][in_c_pad], GEMM -> M [tiles][36][out_c_pad], output transform
// (+ bias) -> a pixel-major output; the output is transposed back to channel-major at the end.
// Channel counts are padded to multiples of 8 with zeros (weights and input), so padded lanes
// compute zeros that are never stored. Odd output sizes compute one more tile row / column whose
// extra pixels are dropped.
//
// The rule (winograd_takes): AVX2 + FMA (and HG_CPU_CONV_WINOGRAD not 0); 8 to 64 channels on
// each side (with fewer input channels the transforms cost more than the multiplications they
// save); outputs of at least 4 x 4; batch >= 2 (the work is split over samples; a single sample
// stays with the direct kernels, which split over channels). Measured per layer and end to end
// in bench/results/2026-11-21-cpu-conv-winograd.md.
#include "winograd_conv.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "winograd_tiles.h"

namespace hg::kernels::cpu {

#if HG_X86_CONV_KERNELS

namespace {

using namespace winograd;

constexpr float kAT[2][kSide] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 0.5f, -0.5f, 1}};

// G, 6 x 5: row k evaluates the 5-tap polynomial at point k (the last row, infinity, takes its
// leading coefficient), divided by the scale of B^T's row k.
double g_entry(int k, int a) {
  double v = k == kSide - 1 ? (a == kTaps - 1 ? 1.0 : 0.0) : 1.0;
  if (k < kSide - 1)
    for (int e = 0; e < a; ++e)
      v *= kPoints[k];
  return v / kBTScale[k];
}

// M[xi] = V[xi] U[xi] for the 36 positions of one tile row, in blocks of up to 6 tiles x 16
// output channels; the tiles are split into ceil(tw / 6) blocks of equal size (10: 5 + 5).
void products(const Plan& p, const float* v, const float* u, float* m) {
  const int64_t co_vectors = p.co_pad / kLanes;
  const int64_t blocks = (p.tw + kMaxRows - 1) / kMaxRows;
  for (int64_t xi = 0; xi < kPositions; ++xi)
    for (int64_t k0 = 0; k0 < co_vectors; k0 += kMaxVectors) {
      const int vectors = static_cast<int>(std::min<int64_t>(kMaxVectors, co_vectors - k0));
      for (int64_t bi = 0; bi < blocks; ++bi) {
        const int64_t t0 = bi * p.tw / blocks, t1 = (bi + 1) * p.tw / blocks;
        const GemmBlock blk{v + (t0 * kPositions + xi) * p.ci_pad,
                            kPositions * p.ci_pad,
                            1,
                            p.ci_pad,
                            u + xi * p.ci_pad * p.co_pad + kLanes * k0,
                            p.co_pad,
                            m + (t0 * kPositions + xi) * p.co_pad + kLanes * k0,
                            kPositions * p.co_pad};
        multiply_block(blk, static_cast<int>(t1 - t0), vectors, false);
      }
    }
}

// yt[((2 ty + r) * 2 tw + 2 tx + s) * co_pad + o] = (A^T M A)[r][s] + bias[o] for tile row ty.
HG_AVX2_FMA void output_tiles(const Plan& p, const float* m, const float* bias_pad, int64_t ty,
                              float* yt) {
  const int64_t width = 2 * p.tw;
  for (int64_t tx = 0; tx < p.tw; ++tx)
    for (int64_t o0 = 0; o0 < p.co_pad; o0 += kLanes) {
      __m256 s[kPositions], t[2 * kSide], y[4];
#pragma GCC unroll 36
      for (int xi = 0; xi < kPositions; ++xi)
        s[xi] = _mm256_loadu_ps(m + (tx * kPositions + xi) * p.co_pad + o0);
#pragma GCC unroll 6
      for (int c = 0; c < kSide; ++c)
        apply(kAT, s + c, kSide, t + c, kSide);  // t = A^T s (2 x 6)
#pragma GCC unroll 2
      for (int r = 0; r < 2; ++r)
        apply(kAT, t + r * kSide, 1, y + 2 * r, 1);  // y = t A (2 x 2)
      const __m256 b = _mm256_loadu_ps(bias_pad + o0);
#pragma GCC unroll 2
      for (int r = 0; r < 2; ++r)
#pragma GCC unroll 2
        for (int c = 0; c < 2; ++c)
          _mm256_storeu_ps(yt + ((2 * ty + r) * width + 2 * tx + c) * p.co_pad + o0,
                           _mm256_add_ps(y[2 * r + c], b));
    }
}

void correlate_sample(const Correlation5x5& c, const Plan& p, const float* src, const float* u,
                      const float* bias_pad, float* out) {
  float* xt = thread_scratch(Scratch::kWinogradInput, p.hb * p.wb * p.ci_pad);
  float* v = thread_scratch(Scratch::kWinogradTiles, kPositions * p.tw * p.ci_pad);
  float* m = thread_scratch(Scratch::kWinogradProducts, kPositions * p.tw * p.co_pad);
  float* yt = thread_scratch(Scratch::kWinogradOutput, 4 * p.th * p.tw * p.co_pad);
  load_pixel_major(c, p, src, xt);
  for (int64_t ty = 0; ty < p.th; ++ty) {
    input_tiles(p, xt, ty, v);
    products(p, v, u, m);
    output_tiles(p, m, bias_pad, ty, yt);
  }
  // Back to channel-major, row by row (the computed rows / columns past the output dropped).
  const int64_t plane = c.out_h * c.out_w;
  for (int64_t r = 0; r < c.out_h; ++r)
    transpose_matrix(yt + r * 2 * p.tw * p.co_pad, c.out_w, c.out_c, p.co_pad, out + r * c.out_w,
                     plane);
}

}  // namespace

bool winograd_takes(const Correlation5x5& c, int64_t batch) {
  return geometry_fits(c, batch);
}

int64_t winograd_weights_size(const Correlation5x5& c) {
  const Plan p = plan_of(c);
  return kPositions * p.ci_pad * p.co_pad;
}

void winograd_transform_weights(const Correlation5x5& c, const float* w, WinogradWeights layout,
                                float* u) {
  // u[(xi * ci_pad + i) * co_pad + o] = (G g G^T)[xi] for the kernel g of the pair (i, o).
  const Plan p = plan_of(c);
  double G[kSide][kTaps];
  for (int k = 0; k < kSide; ++k)
    for (int a = 0; a < kTaps; ++a)
      G[k][a] = g_entry(k, a);
  std::fill(u, u + winograd_weights_size(c), 0.0f);
  for (int64_t o = 0; o < c.out_c; ++o)
    for (int64_t i = 0; i < c.in_c; ++i) {
      double g[kTaps][kTaps];
      for (int a = 0; a < kTaps; ++a)
        for (int b = 0; b < kTaps; ++b)
          g[a][b] =
              layout == WinogradWeights::kForward
                  ? w[((o * c.in_c + i) * kTaps + a) * kTaps + b]
                  : w[((i * c.out_c + o) * kTaps + (kTaps - 1 - a)) * kTaps + (kTaps - 1 - b)];
      double ggt[kSide][kSide];
      sandwich(G, g, ggt);
      for (int k = 0; k < kSide; ++k)
        for (int l = 0; l < kSide; ++l)
          u[((k * kSide + l) * p.ci_pad + i) * p.co_pad + o] = static_cast<float>(ggt[k][l]);
    }
}

void winograd_correlate(const Correlation5x5& c, int64_t batch, const float* src, const float* u,
                        const float* bias, float* out) {
  const Plan p = plan_of(c);
  std::vector<float> bias_pad(static_cast<size_t>(p.co_pad), 0.0f);
  if (bias != nullptr) std::copy(bias, bias + c.out_c, bias_pad.begin());
  const int64_t src_stride = c.in_c * c.src_h * c.src_w, out_stride = c.out_c * c.out_h * c.out_w;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t n = 0; n < batch; ++n)
    correlate_sample(c, p, src + n * src_stride, u, bias_pad.data(), out + n * out_stride);
}

#else  // !HG_X86_CONV_KERNELS: no AVX2 kernels here; winograd_takes() is false.

bool winograd_takes(const Correlation5x5&, int64_t) {
  return false;
}
int64_t winograd_weights_size(const Correlation5x5&) {
  throw std::logic_error("winograd_weights_size: no Winograd kernels on this platform");
}
void winograd_transform_weights(const Correlation5x5&, const float*, WinogradWeights, float*) {
  throw std::logic_error("winograd_transform_weights: no Winograd kernels on this platform");
}
void winograd_correlate(const Correlation5x5&, int64_t, const float*, const float*, const float*,
                        float*) {
  throw std::logic_error("winograd_correlate: no Winograd kernels on this platform");
}

#endif  // HG_X86_CONV_KERNELS

}  // namespace hg::kernels::cpu
