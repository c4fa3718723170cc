// Backend-level tests of the pooling and upsampling kernels (max / avg pool, nearest / bilinear
// upsample, forward and backward) on every device, against the naive double references of
// ops/spatial_reference.h (PyTorch's definitions). Shapes are awkward on purpose: odd and
// non-square sizes, stride < kernel (overlapping windows), padding, ceil mode with a partial last
// window, 3 and 5 channels, batch 1 and 2, scales 2, 3 and (2, 3). Inputs are fresh random numbers
// each run (the seed is in every failure; HG_TEST_SEED reproduces it).
//
// Tolerances: forward and backward outputs within 1e-5 abs + 1e-5 rel of the double reference
// (each is a sum of at most a few dozen float terms of magnitude <= 1, so float rounding stays
// near 1e-6); max-pool values and argmax exactly; the adjoint identity <dy, f(x)> == <f^T(dy), x>
// within 1e-5 of sum |dy| |f(x)|.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "hourglass/core/tensor.h"
#include "hourglass/kernels/backend.h"
#include "ops/spatial_reference.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

using kernels::Pool2dGeometry;
using kernels::Upsample2dGeometry;
using kernels::UpsampleMode;

class PoolKernelsTest : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(PoolKernelsTest);

constexpr double kAbs = 1e-5, kRel = 1e-5;

// ---- geometry as torch.nn.MaxPool2d / AvgPool2d computes it -----------------------------------

int64_t pool_out(int64_t in, int64_t k, int64_t s, int64_t p, bool ceil_mode) {
  const int64_t span = in + 2 * p - k;
  int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;  // the last window must start inside
  return out;
}

struct PoolCase {
  int64_t batch, channels, in_h, in_w, k_h, k_w, s_h, s_w, p_h, p_w;
  bool ceil_mode;
};

Pool2dGeometry geometry(const PoolCase& c) {
  Pool2dGeometry g;
  g.batch = c.batch;
  g.channels = c.channels;
  g.in_h = c.in_h;
  g.in_w = c.in_w;
  g.kernel_h = c.k_h;
  g.kernel_w = c.k_w;
  g.stride_h = c.s_h;
  g.stride_w = c.s_w;
  g.pad_h = c.p_h;
  g.pad_w = c.p_w;
  g.out_h = pool_out(c.in_h, c.k_h, c.s_h, c.p_h, c.ceil_mode);
  g.out_w = pool_out(c.in_w, c.k_w, c.s_w, c.p_w, c.ceil_mode);
  return g;
}

std::string describe(const Pool2dGeometry& g) {
  return "pool x [" + std::to_string(g.batch) + "," + std::to_string(g.channels) + "," +
         std::to_string(g.in_h) + "," + std::to_string(g.in_w) + "] -> [" +
         std::to_string(g.out_h) + "," + std::to_string(g.out_w) + "] kernel " +
         std::to_string(g.kernel_h) + "x" + std::to_string(g.kernel_w) + " stride " +
         std::to_string(g.stride_h) + "x" + std::to_string(g.stride_w) + " pad " +
         std::to_string(g.pad_h) + "x" + std::to_string(g.pad_w);
}

// The cases every pooling test runs (PyTorch-valid: pad <= kernel / 2).
const std::vector<PoolCase>& pool_cases() {
  static const std::vector<PoolCase> cases = {
      {1, 3, 7, 9, 2, 2, 2, 2, 0, 0, false},  // odd sizes: the last row/column is dropped
      {2, 5, 8, 7, 3, 3, 2, 2, 1, 1, true},   // ceil mode: partial last window in both axes
      {1, 3, 8, 5, 3, 2, 1, 1, 1, 0, false},  // stride < kernel: overlapping windows
      {2, 3, 5, 11, 3, 3, 2, 3, 1, 1, true},  // non-square strides, ceil mode
      {1, 5, 6, 7, 2, 3, 2, 2, 1, 1, true},   // even kernel with padding, ceil mode
      {2, 3, 4, 6, 4, 6, 4, 6, 0, 0, false},  // global pooling
      {1, 3, 1, 1, 1, 1, 1, 1, 0, 0, false},  // one pixel
  };
  return cases;
}

// ---- host <-> device
// -----------------------------------------------------------------------------

std::vector<float> random_floats(Rng& rng, int64_t n, double lo, double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v)
    x = static_cast<float>(dist(rng));
  return v;
}

Tensor upload(const std::vector<float>& v, Device device) {
  return Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())}, device);
}

Tensor empty_floats(int64_t n, Device device) {
  return Tensor::empty(Shape{n}, DType::kFloat32, device);
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int failures = 0;
  for (size_t i = 0; i < got.size() && failures < 5; ++i) {
    const double tol = kAbs + kRel * std::fabs(want[i]);
    if (!(std::fabs(got[i] - want[i]) <= tol)) {
      ADD_FAILURE() << what << ": element " << i << " is " << got[i] << ", expected " << want[i];
      ++failures;
    }
  }
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i)
    s += static_cast<double>(a[i]) * b[i];
  return s;
}

double abs_dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i)
    s += std::fabs(static_cast<double>(a[i]) * b[i]);
  return s;
}

// <dy, y> == <dx, x>: the backward kernel is the adjoint of the forward one.
void expect_adjoint(const std::vector<float>& x, const std::vector<float>& y,
                    const std::vector<float>& dy, const std::vector<float>& dx,
                    const std::string& what) {
  const double lhs = dot(dy, y), rhs = dot(dx, x);
  const double scale = abs_dot(dy, y) + abs_dot(dx, x);
  EXPECT_NEAR(lhs, rhs, 1e-5 * scale) << what << ": <dy, f(x)> vs <f^T(dy), x>";
}

// ---- max pooling ------------------------------------------------------------------------------

// Runs forward and backward of max pooling on `device` and checks them against the references.
void check_max_pool(Device device, const Pool2dGeometry& g, const std::vector<float>& x, Rng& rng) {
  SCOPED_TRACE(describe(g));
  kernels::Backend& backend = backend_for(device);
  const Tensor xd = upload(x, device);
  Tensor yd = empty_floats(g.y_numel(), device);
  Tensor ad = Tensor::empty(Shape{g.y_numel()}, DType::kInt32, device);
  backend.max_pool2d_forward(g, xd.data<float>(), yd.data<float>(), ad.data<int32_t>());
  std::vector<int32_t> want_argmax;
  const std::vector<double> want_y = ref_max_pool2d(g, x, &want_argmax);
  const std::vector<float> y = yd.to_vector();
  EXPECT_EQ(ad.to_vector_i32(), want_argmax) << "argmax";
  for (size_t i = 0; i < y.size(); ++i) {
    if (std::isnan(want_y[i]))
      EXPECT_TRUE(std::isnan(y[i])) << "y[" << i << "] should be NaN";
    else
      EXPECT_EQ(y[i], want_y[i]) << "y[" << i << "]";  // a max is one of the inputs, exactly
  }

  const std::vector<float> dy = random_floats(rng, g.y_numel(), -1.0, 1.0);
  const Tensor dyd = upload(dy, device);
  Tensor dxd = empty_floats(g.x_numel(), device);
  backend.fill(dxd.data<float>(), std::nanf(""), g.x_numel());  // every element must be written
  backend.max_pool2d_backward(g, dyd.data<float>(), ad.data<int32_t>(), dxd.data<float>());
  const std::vector<float> dx = dxd.to_vector();
  expect_close(dx, ref_max_pool2d_backward(g, dy, want_argmax), "max_pool2d_backward");

  // Deterministic: the same call again gives bitwise the same gradient.
  backend.max_pool2d_backward(g, dyd.data<float>(), ad.data<int32_t>(), dxd.data<float>());
  EXPECT_EQ(dxd.to_vector(), dx) << "max_pool2d_backward is not reproducible";
}

TEST_P(PoolKernelsTest, MaxPoolMatchesReference) {
  HG_REQUIRE_DEVICE(device());
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (HG_TEST_SEED reproduces)");
  Rng rng(seed);
  for (const PoolCase& c : pool_cases()) {
    const Pool2dGeometry g = geometry(c);
    check_max_pool(device(), g, random_floats(rng, g.x_numel(), -1.0, 1.0), rng);
  }
}

TEST_P(PoolKernelsTest, MaxPoolPaddingNeverWins) {
  HG_REQUIRE_DEVICE(device());
  Rng rng(test_seed());
  // All inputs negative: a padded zero would beat every one of them if it competed.
  for (const PoolCase& c : {PoolCase{2, 3, 7, 6, 3, 3, 2, 2, 1, 1, true},
                            PoolCase{1, 5, 5, 4, 2, 2, 1, 1, 1, 1, false}}) {
    const Pool2dGeometry g = geometry(c);
    check_max_pool(device(), g, random_floats(rng, g.x_numel(), -3.0, -1.0), rng);
  }
}

TEST_P(PoolKernelsTest, MaxPoolTiesGoToTheFirstMaximum) {
  HG_REQUIRE_DEVICE(device());
  Rng rng(test_seed());
  std::uniform_int_distribution<int> level(0, 2);
  for (const PoolCase& c : {PoolCase{2, 3, 7, 9, 3, 3, 2, 2, 1, 1, true},
                            PoolCase{1, 5, 6, 5, 3, 2, 1, 1, 0, 1, false}}) {
    const Pool2dGeometry g = geometry(c);
    std::vector<float> x(static_cast<size_t>(g.x_numel()));
    for (float& v : x)
      v = static_cast<float>(level(rng));  // three levels: most windows hold ties
    check_max_pool(device(), g, x, rng);
  }
  // A constant plane: every window's argmax is its top-left real element.
  const Pool2dGeometry g = geometry({1, 3, 5, 5, 3, 3, 2, 2, 1, 1, false});
  check_max_pool(device(), g, std::vector<float>(static_cast<size_t>(g.x_numel()), 0.5f), rng);
}

TEST_P(PoolKernelsTest, MaxPoolPropagatesNaN) {
  HG_REQUIRE_DEVICE(device());
  Rng rng(test_seed());
  const Pool2dGeometry g = geometry({2, 3, 6, 7, 3, 3, 2, 2, 1, 1, true});
  std::vector<float> x = random_floats(rng, g.x_numel(), -1.0, 1.0);
  std::uniform_int_distribution<int64_t> at(0, g.x_numel() - 1);
  for (int i = 0; i < 12; ++i)
    x[static_cast<size_t>(at(rng))] = std::numeric_limits<float>::quiet_NaN();
  check_max_pool(device(), g, x, rng);

  // Known answer: max_pool2d of [1, nan, 2, nan] with kernel (1, 4) in torch is (nan, index 3).
  const Pool2dGeometry row = geometry({1, 1, 1, 4, 1, 4, 1, 4, 0, 0, false});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor xd = upload({1.0f, nan, 2.0f, nan}, device());
  Tensor yd = empty_floats(1, device());
  Tensor ad = Tensor::empty(Shape{1}, DType::kInt32, device());
  backend_for(device()).max_pool2d_forward(row, xd.data<float>(), yd.data<float>(),
                                           ad.data<int32_t>());
  EXPECT_TRUE(std::isnan(yd.to_vector()[0]));
  EXPECT_EQ(ad.to_vector_i32()[0], 3);
}

// ---- average pooling --------------------------------------------------------------------------

TEST_P(PoolKernelsTest, AvgPoolMatchesReferenceAndIsItsAdjoint) {
  HG_REQUIRE_DEVICE(device());
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (HG_TEST_SEED reproduces)");
  Rng rng(seed);
  kernels::Backend& backend = backend_for(device());
  bool saw_partial_window = false;
  for (const PoolCase& c : pool_cases()) {
    const Pool2dGeometry g = geometry(c);
    // A ceil-mode window hanging past the right padding (the case the divisor rule is about).
    saw_partial_window |= (g.out_h - 1) * g.stride_h - g.pad_h + g.kernel_h > g.in_h + g.pad_h;
    for (bool include_pad : {true, false}) {
      SCOPED_TRACE(describe(g) + (include_pad ? ", count_include_pad" : ", exclude pad"));
      const std::vector<LinearEntry> map = avg_pool2d_map(g, include_pad);
      const std::vector<float> x = random_floats(rng, g.x_numel(), -1.0, 1.0);
      const std::vector<float> dy = random_floats(rng, g.y_numel(), -1.0, 1.0);
      const Tensor xd = upload(x, device()), dyd = upload(dy, device());
      Tensor yd = empty_floats(g.y_numel(), device()), dxd = empty_floats(g.x_numel(), device());
      backend.fill(dxd.data<float>(), std::nanf(""), g.x_numel());
      backend.avg_pool2d_forward(g, include_pad, xd.data<float>(), yd.data<float>());
      backend.avg_pool2d_backward(g, include_pad, dyd.data<float>(), dxd.data<float>());
      const std::vector<float> y = yd.to_vector(), dx = dxd.to_vector();
      expect_close(y, apply_linear_map(map, x, g.y_numel()), "avg_pool2d_forward");
      expect_close(dx, apply_linear_map_transpose(map, dy, g.x_numel()), "avg_pool2d_backward");
      expect_adjoint(x, y, dy, dx, "avg_pool2d");
      backend.avg_pool2d_backward(g, include_pad, dyd.data<float>(), dxd.data<float>());
      EXPECT_EQ(dxd.to_vector(), dx) << "avg_pool2d_backward is not reproducible";
    }
  }
  EXPECT_TRUE(saw_partial_window) << "the cases should include a ceil-mode partial window";
}

TEST_P(PoolKernelsTest, AvgPoolDivisorsFollowPyTorch) {
  HG_REQUIRE_DEVICE(device());
  kernels::Backend& backend = backend_for(device());
  // 1 x 1 x 4 x 4 of ones, kernel 3, stride 2, pad 1, ceil mode: out 3 x 3 (the last window
  // starts at row 3 and spans rows 3..5, past in + pad = 5). Known answers from
  // torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=...)(torch.ones(1, 1, 4, 4)).
  // Window rows [-1, 2), [1, 4), [3, 6) hold 2, 3, 1 real rows and 3, 3, 2 rows of [-1, 5), so
  // included: (2, 3, 1) x (2, 3, 1) over (3, 3, 2) x (3, 3, 2); excluded: every output is 1.
  const Pool2dGeometry g = geometry({1, 1, 4, 4, 3, 3, 2, 2, 1, 1, true});
  ASSERT_EQ(g.out_h, 3);
  const Tensor x = Tensor::ones(Shape{16}, device());
  Tensor y = empty_floats(9, device());
  backend.avg_pool2d_forward(g, true, x.data<float>(), y.data<float>());
  const std::vector<double> included = {4.0 / 9, 6.0 / 9, 2.0 / 6, 6.0 / 9, 1.0,
                                        3.0 / 6, 2.0 / 6, 3.0 / 6, 1.0 / 4};
  expect_close(y.to_vector(), included, "count_include_pad=True");
  backend.avg_pool2d_forward(g, false, x.data<float>(), y.data<float>());
  expect_close(y.to_vector(), std::vector<double>(9, 1.0), "count_include_pad=False");
}

// ---- upsampling -------------------------------------------------------------------------------

TEST_P(PoolKernelsTest, UpsampleMatchesReferenceAndIsItsAdjoint) {
  HG_REQUIRE_DEVICE(device());
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (HG_TEST_SEED reproduces)");
  Rng rng(seed);
  kernels::Backend& backend = backend_for(device());
  struct Case {
    int64_t batch, channels, in_h, in_w, scale_h, scale_w;
  };
  const std::vector<Case> cases = {
      {1, 3, 5, 7, 2, 2}, {2, 5, 3, 4, 3, 3}, {1, 3, 4, 5, 2, 3},
      {2, 3, 1, 1, 3, 2}, {1, 5, 7, 3, 1, 2}, {2, 3, 2, 6, 3, 1},
  };
  for (const Case& c : cases) {
    Upsample2dGeometry g;
    g.batch = c.batch;
    g.channels = c.channels;
    g.in_h = c.in_h;
    g.in_w = c.in_w;
    g.scale_h = c.scale_h;
    g.scale_w = c.scale_w;
    for (UpsampleMode mode : {UpsampleMode::kNearest, UpsampleMode::kBilinear}) {
      SCOPED_TRACE(std::string(mode == UpsampleMode::kNearest ? "nearest" : "bilinear") + " [" +
                   std::to_string(c.batch) + "," + std::to_string(c.channels) + "," +
                   std::to_string(c.in_h) + "," + std::to_string(c.in_w) + "] scale " +
                   std::to_string(c.scale_h) + "x" + std::to_string(c.scale_w));
      const std::vector<LinearEntry> map = upsample2d_map(mode, g);
      const std::vector<float> x = random_floats(rng, g.x_numel(), -1.0, 1.0);
      const std::vector<float> dy = random_floats(rng, g.y_numel(), -1.0, 1.0);
      const Tensor xd = upload(x, device()), dyd = upload(dy, device());
      Tensor yd = empty_floats(g.y_numel(), device()), dxd = empty_floats(g.x_numel(), device());
      backend.fill(dxd.data<float>(), std::nanf(""), g.x_numel());
      backend.upsample2d_forward(mode, g, xd.data<float>(), yd.data<float>());
      backend.upsample2d_backward(mode, g, dyd.data<float>(), dxd.data<float>());
      const std::vector<float> y = yd.to_vector(), dx = dxd.to_vector();
      expect_close(y, apply_linear_map(map, x, g.y_numel()), "upsample2d_forward");
      expect_close(dx, apply_linear_map_transpose(map, dy, g.x_numel()), "upsample2d_backward");
      expect_adjoint(x, y, dy, dx, "upsample2d");
      backend.upsample2d_backward(mode, g, dyd.data<float>(), dxd.data<float>());
      EXPECT_EQ(dxd.to_vector(), dx) << "upsample2d_backward is not reproducible";
    }
  }
}

TEST_P(PoolKernelsTest, BilinearKnownAnswer) {
  HG_REQUIRE_DEVICE(device());
  kernels::Backend& backend = backend_for(device());
  // torch.nn.Upsample(scale_factor=2, mode='bilinear')(torch.tensor([[[[1., 2.], [3., 4.]]]]))
  // = rows [1, 1.25, 1.75, 2], [1.5, 1.75, 2.25, 2.5], [2.5, 2.75, 3.25, 3.5], [3, 3.25, 3.75, 4].
  Upsample2dGeometry g;
  g.batch = g.channels = 1;
  g.in_h = g.in_w = 2;
  g.scale_h = g.scale_w = 2;
  const Tensor x = upload({1, 2, 3, 4}, device());
  Tensor y = empty_floats(16, device());
  backend.upsample2d_forward(UpsampleMode::kBilinear, g, x.data<float>(), y.data<float>());
  expect_close(y.to_vector(),
               {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4},
               "bilinear 2x2 -> 4x4");
}

}  // namespace
}  // namespace hg::testing
