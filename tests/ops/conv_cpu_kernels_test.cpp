// CpuBackend's convolution kernels (conv2d_forward / backward_data / backward_weight) against
// naive double-precision sums over ops/spatial_reference.h's conv2d terms, on awkward
// geometries: non-square, stride > kernel, padding wider than the kernel, asymmetric implied
// padding, dilation, 1x1 kernels (the no-im2col path), whole-input kernels (the fully connected
// path), batches that split into uneven chunks, bias present or absent, and the stride-1
// geometries of the direct kernels (direct_conv.h: channel counts that are not multiples of the
// channel blocks, rows of exactly 8 pixels or with an overlapping last pixel vector, padding
// wider than the kernel, kernels of 1 to 7 columns, batch 1, kernel rows skipped at the zero
// border), and the Winograd geometries (winograd_conv.h). Outputs start as NaN, so anything a
// kernel fails to overwrite shows. Tolerance per element: 1e-4 * (1 + sum of |terms|). All three
// passes are also checked to be bitwise the same on one thread.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "hourglass/kernels/cpu_backend.h"
#include "ops/spatial_reference.h"

namespace {

using hg::kernels::Conv2dGeometry;

struct Case {
  std::string name;
  int64_t batch, ci, h, w, co, kh, kw, sh, sw, ph, pw, ph_after, pw_after, dh, dw;
  bool bias;
};

Conv2dGeometry geometry(const Case& c) {
  Conv2dGeometry g;
  g.batch = c.batch;
  g.in_channels = c.ci;
  g.in_h = c.h;
  g.in_w = c.w;
  g.out_channels = c.co;
  g.kernel_h = c.kh;
  g.kernel_w = c.kw;
  g.stride_h = c.sh;
  g.stride_w = c.sw;
  g.pad_h = c.ph;
  g.pad_w = c.pw;
  g.dilation_h = c.dh;
  g.dilation_w = c.dw;
  g.out_h = (c.h + c.ph + c.ph_after - c.dh * (c.kh - 1) - 1) / c.sh + 1;
  g.out_w = (c.w + c.pw + c.pw_after - c.dw * (c.kw - 1) - 1) / c.sw + 1;
  return g;
}

std::vector<float> random_vector(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& e : v)
    e = u(rng);
  return v;
}

// A reference value and the sum of the absolute values of its terms (for the tolerance).
struct Ref {
  std::vector<double> value, magnitude;
  explicit Ref(int64_t n) : value(static_cast<size_t>(n)), magnitude(static_cast<size_t>(n)) {}
  void add(int64_t i, double term) {
    value[i] += term;
    magnitude[i] += std::fabs(term);
  }
};

void expect_close(const std::vector<float>& got, const Ref& ref, const std::string& what) {
  ASSERT_EQ(got.size(), ref.value.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double tol = 1e-4 * (1.0 + ref.magnitude[i]);
    const bool ok = std::fabs(static_cast<double>(got[i]) - ref.value[i]) <= tol;
    if (!ok && reported++ < 5)
      ADD_FAILURE() << what << "[" << i << "] = " << got[i] << ", reference " << ref.value[i];
  }
}

std::vector<float> nans(int64_t n) {
  return std::vector<float>(static_cast<size_t>(n), std::numeric_limits<float>::quiet_NaN());
}

class ConvCpuKernels : public ::testing::TestWithParam<Case> {};

TEST_P(ConvCpuKernels, MatchDoubleReference) {
  const Case& c = GetParam();
  const Conv2dGeometry g = geometry(c);
  ASSERT_GT(g.out_h, 0);
  ASSERT_GT(g.out_w, 0);
  hg::kernels::Backend& cpu = hg::kernels::cpu_backend();
  const std::vector<float> x = random_vector(g.x_numel(), 1);
  const std::vector<float> w = random_vector(g.w_numel(), 2);
  const std::vector<float> dy = random_vector(g.y_numel(), 3);
  const std::vector<float> bias_out = random_vector(g.out_channels, 4);
  const std::vector<float> bias_in = random_vector(g.in_channels, 5);
  const float* b_out = c.bias ? bias_out.data() : nullptr;
  const float* b_in = c.bias ? bias_in.data() : nullptr;

  Ref y_ref(g.y_numel()), dx_ref(g.x_numel()), dw_ref(g.w_numel()), db_ref(g.out_channels);
  hg::testing::for_each_conv2d_term(g, [&](int64_t xi, int64_t yi, int64_t wi) {
    y_ref.add(yi, static_cast<double>(w[wi]) * x[xi]);
    dx_ref.add(xi, static_cast<double>(w[wi]) * dy[yi]);
    dw_ref.add(wi, static_cast<double>(dy[yi]) * x[xi]);
  });
  const int64_t P = g.out_h * g.out_w, HW = g.in_h * g.in_w;
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t co = 0; co < g.out_channels; ++co)
      for (int64_t p = 0; p < P; ++p) {
        const int64_t i = (n * g.out_channels + co) * P + p;
        if (c.bias) y_ref.add(i, bias_out[co]);
        db_ref.add(co, dy[i]);
      }
    if (c.bias)
      for (int64_t ci = 0; ci < g.in_channels; ++ci)
        for (int64_t p = 0; p < HW; ++p)
          dx_ref.add((n * g.in_channels + ci) * HW + p, bias_in[ci]);
  }

  std::vector<float> y = nans(g.y_numel()), dx = nans(g.x_numel()), dw = nans(g.w_numel());
  std::vector<float> db = nans(g.out_channels);
  cpu.conv2d_forward(g, x.data(), w.data(), b_out, y.data());
  cpu.conv2d_backward_data(g, dy.data(), w.data(), b_in, dx.data());
  cpu.conv2d_backward_weight(g, x.data(), dy.data(), dw.data(), c.bias ? db.data() : nullptr);
  expect_close(y, y_ref, "y");
  expect_close(dx, dx_ref, "dx");
  expect_close(dw, dw_ref, "dw");
  if (c.bias) expect_close(db, db_ref, "dbias");

  // Deterministic: bitwise the same on a second call and on one thread.
  std::vector<float> y2 = nans(g.y_numel()), dx2 = nans(g.x_numel()), dw2 = nans(g.w_numel());
  std::vector<float> db2 = nans(g.out_channels);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  cpu.conv2d_forward(g, x.data(), w.data(), b_out, y2.data());
  cpu.conv2d_backward_data(g, dy.data(), w.data(), b_in, dx2.data());
  cpu.conv2d_backward_weight(g, x.data(), dy.data(), dw2.data(), c.bias ? db2.data() : nullptr);
  omp_set_num_threads(threads);
  EXPECT_EQ(y, y2);
  EXPECT_EQ(dx, dx2);
  EXPECT_EQ(dw, dw2);
  if (c.bias) {
    EXPECT_EQ(db, db2);
  }
}

// name, batch, ci, h, w, co, kh, kw, sh, sw, ph, pw, ph_after, pw_after, dh, dw, bias
INSTANTIATE_TEST_SUITE_P(
    Geometries, ConvCpuKernels,
    ::testing::Values(
        Case{"NonSquarePadded", 3, 3, 7, 5, 5, 3, 2, 1, 1, 1, 0, 1, 0, 1, 1, true},
        Case{"StrideBeyondKernel", 1, 5, 8, 7, 7, 2, 2, 3, 3, 0, 0, 0, 0, 1, 1, false},
        // Keras 'same' with stride 2 on an even size: no top padding, one row at the bottom.
        Case{"AsymmetricImpliedPadding", 3, 3, 8, 9, 5, 3, 3, 2, 2, 0, 1, 1, 1, 1, 1, true},
        Case{"PaddingWiderThanKernel", 3, 7, 5, 4, 3, 2, 2, 1, 1, 2, 3, 2, 3, 1, 1, true},
        Case{"Dilation2", 3, 7, 9, 6, 3, 3, 3, 1, 2, 2, 2, 2, 2, 2, 2, false},
        Case{"PointwiseDirect", 3, 5, 4, 6, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, true},
        Case{"PointwiseStridedPadded", 3, 5, 5, 6, 7, 1, 1, 2, 2, 1, 1, 1, 0, 1, 1, true},
        Case{"WholeInputKernel", 3, 3, 4, 3, 5, 4, 3, 1, 1, 0, 0, 0, 0, 1, 1, true},
        Case{"OneByOneOutputNotWhole", 3, 3, 5, 5, 5, 4, 4, 2, 2, 0, 0, 0, 0, 1, 1, true},
        Case{"TransposedConvShape", 3, 5, 9, 9, 7, 4, 4, 2, 2, 0, 0, 0, 0, 1, 1, true},
        // Chunks of several samples (the last one short), several partial-dw groups, threads.
        Case{"ManySmallSamples", 37, 4, 10, 10, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true},
        Case{"OneInputChannelBatch19", 19, 1, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false},
        Case{"SingleSampleLarge", 1, 16, 14, 14, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true},
        // One output channel (no GEMM): unit stride with padding, then strided and dilated.
        Case{"OneOutputChannel", 3, 5, 9, 7, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true},
        Case{"OneOutputChannelStrided", 3, 3, 9, 8, 1, 3, 2, 2, 3, 1, 0, 1, 1, 2, 1, false},
        // Samples larger than the column budget: lowered in tiles of output rows (the last
        // tile shorter).
        Case{"RowTiles", 2, 8, 24, 20, 4, 3, 3, 1, 1, 0, 1, 2, 1, 1, 1, true},
        Case{"RowTilesStridedPadded", 2, 16, 24, 17, 3, 5, 5, 2, 2, 2, 2, 1, 2, 1, 1, true},
        // Direct kernels (stride 1, rows of >= 8 pixels). 19 output channels: blocks of 4, 2
        // and 1, weight-gradient vectors of 8 channels padded to 24; 13 rows of 13 pixels: the
        // last pixel vector overlaps the first.
        Case{"DirectOddChannels", 3, 3, 11, 13, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true},
        // 5x5 kernel, rows of exactly 8, batch 1 (parallel over channel blocks).
        Case{"DirectKernel5Batch1", 1, 5, 12, 12, 10, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, true},
        Case{"DirectKernel4Overlap", 2, 4, 9, 12, 9, 4, 4, 1, 1, 0, 0, 0, 0, 1, 1, false},
        // 13 channels with a 2x2 kernel; 4 channels with a 1x3 kernel (weight gradient on the
        // GEMM path: fewer than 8 channels).
        Case{"DirectKernel2x2", 2, 7, 5, 17, 13, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1, true},
        Case{"DirectKernel1x3", 2, 3, 4, 10, 4, 1, 3, 1, 1, 0, 1, 0, 1, 1, 1, true},
        // Padding wider than the kernel: backward_data's full correlation starts inside dy.
        Case{"DirectPaddingWiderThanKernel", 2, 3, 6, 10, 8, 2, 3, 1, 1, 3, 4, 3, 4, 1, 1, true},
        // 7x6 kernel: direct forward / backward_data, GEMM weight gradient (more than 5 columns).
        Case{"DirectWideKernel", 2, 2, 9, 16, 3, 7, 6, 1, 1, 1, 2, 1, 2, 1, 1, true},
        // One input channel (backward_data: one output channel; 5x5 stays on GEMM, 3x3 below
        // goes direct with row tiles).
        Case{"DirectOneInputChannel", 3, 1, 12, 12, 9, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, true},
        // Strided direct kernels (split by stride phase), rows wide enough for the direct rule:
        // 4x4 stride 2; 3x3 stride 2 padded, batch 1; stride 3 with a 5x5 kernel (phases of 2
        // and 1 taps; only the weight gradient is direct: rows of 6).
        Case{"DirectStride2Kernel4", 2, 5, 20, 32, 9, 4, 4, 2, 2, 0, 0, 0, 0, 1, 1, true},
        Case{"DirectStride2PaddedBatch1", 1, 3, 21, 31, 10, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, true},
        // 10x10 outputs and 11x11 dx phases: flat mode (vectors across rows).
        Case{"DirectStride2Flat", 2, 4, 22, 22, 8, 4, 4, 2, 2, 0, 0, 0, 0, 1, 1, true},
        Case{"DirectStride3Kernel5", 2, 4, 17, 18, 8, 5, 5, 3, 3, 2, 2, 2, 2, 1, 1, false},
        Case{"DirectOneInputChannel3x3", 2, 1, 11, 16, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true},
        // Kernel rows that read only the zero border are skipped per row tile: backward_data's
        // full correlation of a 5x5 kernel (top 4; 3 channels: tiles of 2 and 4 rows), and a
        // padded 3x3 forward (top 1; 4 channels: one-row tiles) over 16 input channels.
        Case{"DirectFullCorrelationRowSkip", 2, 3, 8, 24, 32, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, true},
        Case{"DirectPaddedRowSkip", 2, 16, 5, 20, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true},
        // Rows of 20 pixels in row mode with 4-channel blocks (row20_tile: row pairs, the last
        // 4 columns of both in one vector), padded so that the border rows are skipped, with an
        // odd last row; forward and backward_data both take it.
        Case{"DirectRow20Padded", 2, 4, 7, 20, 4, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, true},
        // Winograd F(2x2, 5x5) (winograd_conv.h: stride-1 5x5, 8 to 64 channels, batch >= 2) for
        // forward and backward_data: odd output sizes (a last tile row / column half dropped),
        // channel counts padded to 16 and 24; a torch-conv 32 -> 32 layer; padding wider than
        // the kernel (backward_data's correlation then starts one row / column inside dy).
        Case{"Winograd5x5OddSizes", 3, 9, 15, 14, 17, 5, 5, 1, 1, 1, 1, 1, 1, 1, 1, true},
        Case{"Winograd5x5TorchConvLayer", 2, 32, 24, 24, 32, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, true},
        Case{"Winograd5x5PaddingWiderThanKernel", 2, 8, 6, 9, 12, 5, 5, 1, 1, 5, 5, 5, 5, 1, 1,
             false},
        // More than 64 channels: the rule keeps im2col + GEMM.
        Case{"ManyChannelsGemm", 1, 65, 4, 8, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(ConvCpuKernelsEmpty, EmptyBatchZeroesWeightGradients) {
  Conv2dGeometry g;
  g.batch = 0;
  g.in_channels = 2;
  g.in_h = g.in_w = 3;
  g.out_channels = 3;
  g.out_h = g.out_w = 3;
  g.kernel_h = g.kernel_w = 1;
  std::vector<float> dw = nans(g.w_numel()), db = nans(3);
  hg::kernels::cpu_backend().conv2d_backward_weight(g, nullptr, nullptr, dw.data(), db.data());
  EXPECT_EQ(dw, std::vector<float>(6, 0.0f));
  EXPECT_EQ(db, std::vector<float>(3, 0.0f));
}

}  // namespace
