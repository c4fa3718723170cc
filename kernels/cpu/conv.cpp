// CPU convolution: im2col (im2col.h) + OpenBLAS sgemm, parallel over the batch. Small-channel
// geometries go to the direct kernels instead (direct_conv.h, which has the rule, and hands the
// stride-1 5x5 ones on to the Winograd kernels of winograd_conv.h): each pass first asks
// direct_conv_takes().
//
// The GEMM operand built by im2col is kept about L2-sized (kColBudget floats), so it is still in
// cache when the GEMM packs it:
// - small samples (few channels, small images): a chunk of S consecutive samples shares one
//   [K, S * P] column matrix and one GEMM (K = in_channels * kernel_h * kernel_w, P = out_h *
//   out_w); its output / the gathered dy is moved between that layout and NCHW by plain copies;
// - large samples: one sample at a time, lowered in tiles of whole output rows, each GEMM reading
//   / writing its slice of the NCHW tensor in place (leading dimension P).
// S and the tile height depend on the geometry alone, so results never depend on the thread
// count. Chunks run on OpenMP threads, each GEMM then single-threaded (the OpenMP build of
// OpenBLAS does not nest); a call with one chunk (batch 1) leaves the threading to the GEMM.
// Buffers are per-thread scratch that only grows: a training loop allocates only once.
//
// Special geometries:
// - 1x1, stride 1, unpadded: x already is the column matrix (no im2col);
// - a kernel covering the whole unpadded input with a 1x1 output is a fully connected layer:
//   one GEMM over the whole batch;
// - one output channel: the GEMM would be a matrix-vector product, cheaper done without
//   materialising col (conv_single_* in im2col.h).
//
// backward_weight sums over the batch deterministically: chunks are dealt to a fixed number of
// groups, each group accumulates its chunks in order into its own partial dw (GEMM with beta 1),
// and the partials are added in group order.
#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "blas_int.h"
#include "conv_kernel_support.h"
#include "cpu_backend.h"
#include "direct_conv.h"
#include "im2col.h"
#include "parallel.h"

namespace hg::kernels::cpu {

namespace {

constexpr int64_t kColBudget = 1 << 16;  // floats of column matrix per GEMM (256 KiB)
constexpr int64_t kMinChunks = 8;        // keep at least this many chunks for load balance
constexpr int64_t kGroups = 16;          // partial dw buffers of backward_weight
constexpr double kParallelFlops = 2e6;   // below this a call runs on one thread

// Growable per-thread buffer: a training loop repeats the same shapes, so after the first step
// no call allocates.
class Scratch {
 public:
  float* get(int64_t n) {
    if (n > size_) {
      data_.reset(new float[static_cast<size_t>(n)]);
      size_ = n;
    }
    return data_.get();
  }

 private:
  std::unique_ptr<float[]> data_;
  int64_t size_ = 0;
};

// Slots: 0 column matrix, 1 GEMM output / gathered dy, 2 backward_weight partials (caller).
float* scratch(int slot, int64_t n) {
  thread_local Scratch slots[3];
  return slots[slot].get(n);
}

void sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              blas_int(m, "m"), blas_int(n, "n"), blas_int(k, "k"), 1.0f, a, blas_int(lda, "lda"),
              b, blas_int(ldb, "ldb"), beta, c, blas_int(ldc, "ldc"));
}

// How a geometry is lowered (see the file comment).
struct Plan {
  int64_t K = 0, P = 0;
  int64_t S = 1, chunks = 0;
  int64_t tile_rows = 0;  // output rows per GEMM when S == 1
  bool direct = false;    // 1x1 stride-1 unpadded: col = x
  bool dense = false;     // whole-input kernel, 1x1 output: a fully connected layer
  bool single = false;    // one output channel: no GEMM
  bool parallel = false;

  explicit Plan(const Conv2dGeometry& g) {
    K = g.in_channels * g.kernel_h * g.kernel_w;
    P = g.out_h * g.out_w;
    const bool unpadded = g.pad_h == 0 && g.pad_w == 0;
    direct = g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && unpadded &&
             g.out_h == g.in_h && g.out_w == g.in_w;
    dense = unpadded && g.out_h == 1 && g.out_w == 1 && g.kernel_h == g.in_h &&
            g.kernel_w == g.in_w && g.dilation_h == 1 && g.dilation_w == 1;
    single = g.out_channels == 1 && !dense;
    tile_rows = g.out_h;
    if (direct || single) {
      S = 1;
    } else if (K * P > kColBudget) {
      S = 1;
      tile_rows = std::clamp<int64_t>(kColBudget / std::max<int64_t>(1, K * g.out_w), 1, g.out_h);
    } else {
      S = std::max<int64_t>(1, kColBudget / std::max<int64_t>(1, K * P));
      S = std::min(S, std::max<int64_t>(1, (g.batch + kMinChunks - 1) / kMinChunks));
    }
    chunks = (g.batch + S - 1) / S;
    const double flops = 2.0 * static_cast<double>(g.out_channels) * static_cast<double>(K) *
                         static_cast<double>(P) * static_cast<double>(g.batch);
    parallel = chunks > 1 && flops > kParallelFlops;
  }
  int64_t samples(int64_t chunk, int64_t batch) const { return std::min(S, batch - chunk * S); }
};

// y[c, i] = bias[c] (or 0) for i < n, over `channels` rows of n.
void fill_channels(const float* bias, int64_t channels, int64_t n, float* y, int64_t ld) {
  for (int64_t c = 0; c < channels; ++c) {
    const float b = bias != nullptr ? bias[c] : 0.0f;
    float* row = y + c * ld;
    for (int64_t i = 0; i < n; ++i)
      row[i] = b;
  }
}

// dst[c, s * P + p] = src_s[c, p] for the s_n samples src_s = src + s * stride: the chunk's
// NCHW planes gathered into one [channels, s_n * P] matrix.
void gather(const float* src, int64_t stride, int64_t s_n, int64_t channels, int64_t P,
            float* dst) {
  const int64_t ld = s_n * P;
  for (int64_t s = 0; s < s_n; ++s)
    for (int64_t c = 0; c < channels; ++c)
      std::memcpy(dst + c * ld + s * P, src + s * stride + c * P,
                  static_cast<size_t>(P) * sizeof(float));
}

// The GEMM operand of output rows [oh0, oh1) of s_n samples starting at x (rows of
// s_n * (oh1 - oh0) * out_w columns, or x itself with leading dimension P when direct).
struct Operand {
  const float* data;
  int64_t ld;
};

Operand columns(const Conv2dGeometry& g, const Plan& plan, const float* x, int64_t s_n, int64_t oh0,
                int64_t oh1) {
  if (plan.direct) return {x, plan.P};
  const int64_t cols = (oh1 - oh0) * g.out_w, ld = s_n * cols;
  const int64_t x_stride = g.in_channels * g.in_h * g.in_w;
  float* col = scratch(0, plan.K * ld);
  im2col(g, x, x_stride, s_n, oh0, oh1, col, ld);
  return {col, ld};
}

}  // namespace

void CpuBackend::conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w,
                                const float* bias, float* y) {
  if (g.y_numel() == 0) return;
  if (direct_conv_takes(g, ConvPass::kForward)) return direct_conv_forward(g, x, w, bias, y);
  const Plan plan(g);
  const int64_t co_n = g.out_channels, K = plan.K, P = plan.P, N = g.batch, ow_n = g.out_w;
  const int64_t x_stride = g.in_channels * g.in_h * g.in_w, y_stride = co_n * P;
  if (K == 0) {
    for (int64_t n = 0; n < N; ++n)
      fill_channels(bias, co_n, P, y + n * y_stride, P);
    return;
  }
  if (plan.dense) {
    // y [N, Co] = x [N, K] * w^T, on top of the bias.
    for (int64_t n = 0; n < N; ++n)
      for (int64_t o = 0; o < co_n; ++o)
        y[n * co_n + o] = bias != nullptr ? bias[o] : 0.0f;
    sgemm(false, true, N, co_n, K, x, K, w, K, 1.0f, y, co_n);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1) if (plan.parallel)
  for (int64_t c = 0; c < plan.chunks; ++c) {
    const int64_t n0 = c * plan.S, s_n = plan.samples(c, N);
    float* yn = y + n0 * y_stride;
    const float* xn = x + n0 * x_stride;
    if (plan.single) {
      fill_channels(bias, 1, P, yn, P);
      conv_single_forward(g, xn, w, yn);
    } else if (s_n == 1) {
      // Tiles of output rows, each GEMM on top of the bias in place.
      fill_channels(bias, co_n, P, yn, P);
      for (int64_t oh0 = 0; oh0 < g.out_h; oh0 += plan.tile_rows) {
        const int64_t oh1 = std::min(g.out_h, oh0 + plan.tile_rows);
        const Operand b = columns(g, plan, xn, 1, oh0, oh1);
        sgemm(false, false, co_n, (oh1 - oh0) * ow_n, K, w, K,
              b.data + (plan.direct ? oh0 * ow_n : 0), b.ld, 1.0f, yn + oh0 * ow_n, P);
      }
    } else {
      // One GEMM for the chunk on top of the bias, then copied back to NCHW.
      const int64_t ld = s_n * P;
      const Operand b = columns(g, plan, xn, s_n, 0, g.out_h);
      float* out = scratch(1, co_n * ld);
      fill_channels(bias, co_n, ld, out, ld);
      sgemm(false, false, co_n, ld, K, w, K, b.data, b.ld, 1.0f, out, ld);
      for (int64_t s = 0; s < s_n; ++s)
        for (int64_t o = 0; o < co_n; ++o)
          std::memcpy(yn + s * y_stride + o * P, out + o * ld + s * P,
                      static_cast<size_t>(P) * sizeof(float));
    }
  }
}

void CpuBackend::conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                                      const float* bias, float* dx) {
  if (g.x_numel() == 0) return;
  if (direct_conv_takes(g, ConvPass::kBackwardData))
    return direct_conv_backward_data(g, dy, w, bias, dx);
  const Plan plan(g);
  const int64_t co_n = g.out_channels, ci_n = g.in_channels, K = plan.K, P = plan.P, N = g.batch;
  const int64_t hw = g.in_h * g.in_w, x_stride = ci_n * hw, y_stride = co_n * P, ow_n = g.out_w;
  if (co_n == 0 || P == 0) {
    for (int64_t n = 0; n < N; ++n)
      fill_channels(bias, ci_n, hw, dx + n * x_stride, hw);
    return;
  }
  if (plan.dense) {
    // dx [N, K] = dy [N, Co] * w [Co, K] on top of the bias; K runs over (ci, ih, iw).
    for (int64_t n = 0; n < N; ++n)
      fill_channels(bias, ci_n, hw, dx + n * x_stride, hw);
    sgemm(false, false, N, K, co_n, dy, co_n, w, K, 1.0f, dx, K);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1) if (plan.parallel)
  for (int64_t c = 0; c < plan.chunks; ++c) {
    const int64_t n0 = c * plan.S, s_n = plan.samples(c, N);
    float* dxn = dx + n0 * x_stride;
    const float* dyn = dy + n0 * y_stride;
    if (plan.single) {
      fill_channels(bias, ci_n, hw, dxn, hw);
      conv_single_backward_data(g, dyn, w, dxn);
    } else if (plan.direct) {
      // dx_n [Ci, P] = w^T [Ci, Co] * dy_n [Co, P] on top of the bias.
      fill_channels(bias, ci_n, hw, dxn, hw);
      sgemm(true, false, ci_n, P, co_n, w, K, dyn, P, 1.0f, dxn, P);
    } else if (s_n == 1) {
      // Per tile of output rows: dcol = w^T [K, Co] * dy tile, summed onto the input pixels.
      fill_channels(bias, ci_n, hw, dxn, hw);
      for (int64_t oh0 = 0; oh0 < g.out_h; oh0 += plan.tile_rows) {
        const int64_t oh1 = std::min(g.out_h, oh0 + plan.tile_rows), cols = (oh1 - oh0) * ow_n;
        float* dcol = scratch(0, K * cols);
        sgemm(true, false, K, cols, co_n, w, K, dyn + oh0 * ow_n, P, 0.0f, dcol, cols);
        col2im_add(g, dcol, cols, oh0, oh1, dxn);
      }
    } else {
      const int64_t ld = s_n * P;
      float* dyc = scratch(1, co_n * ld);
      gather(dyn, y_stride, s_n, co_n, P, dyc);
      float* dcol = scratch(0, K * ld);
      sgemm(true, false, K, ld, co_n, w, K, dyc, ld, 0.0f, dcol, ld);
      for (int64_t s = 0; s < s_n; ++s) {
        float* d = dxn + s * x_stride;
        fill_channels(bias, ci_n, hw, d, hw);
        col2im_add(g, dcol + s * P, ld, 0, g.out_h, d);
      }
    }
  }
}

void CpuBackend::conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy,
                                        float* dw, float* dbias) {
  if (direct_conv_takes(g, ConvPass::kBackwardWeight))
    return direct_conv_backward_weight(g, x, dy, dw, dbias);
  const Plan plan(g);
  const int64_t co_n = g.out_channels, K = plan.K, P = plan.P, N = g.batch, ow_n = g.out_w;
  const int64_t w_n = co_n * K;
  if (N == 0 || P == 0) {  // empty sums
    std::fill(dw, dw + w_n, 0.0f);
    if (dbias != nullptr) std::fill(dbias, dbias + co_n, 0.0f);
    return;
  }
  const int64_t x_stride = g.in_channels * g.in_h * g.in_w, y_stride = co_n * P;
  if (plan.dense && K > 0) {
    // dw [Co, K] = dy^T [Co, N] * x [N, K].
    sgemm(true, false, co_n, K, N, dy, co_n, x, K, 0.0f, dw, K);
    if (dbias != nullptr)
      for (int64_t o = 0; o < co_n; ++o) {
        double s = 0.0;
        for (int64_t n = 0; n < N; ++n)
          s += dy[n * co_n + o];
        dbias[o] = static_cast<float>(s);
      }
    return;
  }
  // Chunks [first(gi), first(gi + 1)) belong to group gi.
  const int64_t groups = std::min(plan.chunks, kGroups);
  auto first = [&](int64_t gi) { return gi * plan.chunks / groups; };
  float* partial = groups == 1 ? dw : scratch(2, groups * w_n);
  std::vector<double> bias_partial(static_cast<size_t>(dbias != nullptr ? groups * co_n : 0));
#pragma omp parallel for schedule(dynamic, 1) if (plan.parallel)
  for (int64_t gi = 0; gi < groups; ++gi) {
    float* acc = partial + gi * w_n;
    bool fresh = true;  // acc not yet written: the next GEMM overwrites it (beta 0)
    if (plan.single) {
      std::fill(acc, acc + w_n, 0.0f);
      fresh = false;
    }
    for (int64_t c = first(gi); c < first(gi + 1); ++c) {
      const int64_t n0 = c * plan.S, s_n = plan.samples(c, N);
      const float* xn = x + n0 * x_stride;
      const float* dyc = dy + n0 * y_stride;
      int64_t ld = P;
      if (s_n > 1) {
        ld = s_n * P;
        float* buf = scratch(1, co_n * ld);
        gather(dyc, y_stride, s_n, co_n, P, buf);
        dyc = buf;
      }
      if (K == 0) {
        // No weights: only dbias below.
      } else if (plan.single) {
        conv_single_backward_weight(g, xn, dyc, acc);
      } else if (s_n == 1) {
        // dw_g [Co, K] (+)= dy tile [Co, cols] * col tile^T [cols, K], tile after tile.
        for (int64_t oh0 = 0; oh0 < g.out_h; oh0 += plan.tile_rows) {
          const int64_t oh1 = std::min(g.out_h, oh0 + plan.tile_rows), cols = (oh1 - oh0) * ow_n;
          const Operand b = columns(g, plan, xn, 1, oh0, oh1);
          sgemm(false, true, co_n, K, cols, dyc + oh0 * ow_n, P,
                b.data + (plan.direct ? oh0 * ow_n : 0), b.ld, fresh ? 0.0f : 1.0f, acc, K);
          fresh = false;
        }
      } else {
        const Operand b = columns(g, plan, xn, s_n, 0, g.out_h);
        sgemm(false, true, co_n, K, ld, dyc, ld, b.data, b.ld, fresh ? 0.0f : 1.0f, acc, K);
        fresh = false;
      }
      if (dbias != nullptr)
        for (int64_t o = 0; o < co_n; ++o)
          bias_partial[gi * co_n + o] += sum_in_double(dyc + o * ld, s_n * P);
    }
  }
  if (groups > 1 && K > 0) {
#pragma omp parallel for if (w_n * groups > kParallelThreshold)
    for (int64_t i = 0; i < w_n; ++i) {
      float s = partial[i];
      for (int64_t gi = 1; gi < groups; ++gi)
        s += partial[gi * w_n + i];
      dw[i] = s;
    }
  }
  if (dbias != nullptr) sum_group_partials(bias_partial.data(), groups, co_n, dbias);
}

}  // namespace hg::kernels::cpu
