// Backend-level convolution kernels (conv2d_forward, conv2d_backward_data, conv2d_backward_weight)
// on every device against naive double-precision sums over ops/spatial_reference.h's conv2d terms,
// on awkward geometries: non-square inputs and kernels, stride > kernel, padding, the asymmetric
// implied padding of Keras 'same' with stride 2, dilation 2, 1x1 kernels, channel counts
// 1/3/5/7/17/33, batch 1 and 3, bias null and non-null; plus bitwise determinism of
// backward_weight and the kCudnn contract. On a real GPU in a build with HG_CUDNN every geometry
// also runs through cuDNN, against the same reference.
//
// Inputs are fresh uniform(-1, 1) draws per run (seed from test_seed(), printed on failure;
// HG_TEST_SEED reproduces). Tolerance: |got - want| <= 1e-4 + 1e-4 * |want| (float accumulation
// of at most a few hundred products of magnitude <= 1).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "hourglass/hourglass.h"
#include "hourglass/kernels/backend.h"
#include "ops/spatial_reference.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

using kernels::Backend;
using kernels::Conv2dGeometry;
using kernels::ConvImpl;

constexpr double kAbs = 1e-4;
constexpr double kRel = 1e-4;

class ConvKernelTest : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(ConvKernelTest);

// A named geometry; out sizes follow PyTorch's formula for symmetric padding unless set.
struct Case {
  std::string name;
  Conv2dGeometry g;
};

int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  return (in + 2 * p - d * (k - 1) - 1) / s + 1;
}

Case make_case(std::string name, int64_t batch, int64_t cin, int64_t ih, int64_t iw, int64_t cout,
               int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
               int64_t dh = 1, int64_t dw = 1) {
  Conv2dGeometry g;
  g.batch = batch;
  g.in_channels = cin;
  g.in_h = ih;
  g.in_w = iw;
  g.out_channels = cout;
  g.kernel_h = kh;
  g.kernel_w = kw;
  g.stride_h = sh;
  g.stride_w = sw;
  g.pad_h = ph;
  g.pad_w = pw;
  g.dilation_h = dh;
  g.dilation_w = dw;
  g.out_h = out_size(ih, kh, sh, ph, dh);
  g.out_w = out_size(iw, kw, sw, pw, dw);
  return {std::move(name), g};
}

// Keras padding='same': out = ceil(in / stride), total padding max((out-1)*s + k - in, 0) with the
// smaller half on top / left, so the implied bottom / right padding is one larger when odd.
Case keras_same(std::string name, int64_t batch, int64_t cin, int64_t ih, int64_t iw, int64_t cout,
                int64_t k, int64_t s) {
  Case c = make_case(std::move(name), batch, cin, ih, iw, cout, k, k, s, s, 0, 0);
  c.g.out_h = (ih + s - 1) / s;
  c.g.out_w = (iw + s - 1) / s;
  c.g.pad_h = std::max<int64_t>((c.g.out_h - 1) * s + k - ih, 0) / 2;
  c.g.pad_w = std::max<int64_t>((c.g.out_w - 1) * s + k - iw, 0) / 2;
  return c;
}

std::vector<Case> cases() {
  return {
      make_case("1x1 kernel", 3, 5, 6, 7, 7, 1, 1, 1, 1, 0, 0),
      // 9x8 -> 5x4: rows padded 1 / 1, columns 0 / 1 (asymmetric).
      keras_same("keras same stride 2, odd/even", 3, 3, 9, 8, 5, 3, 2),
      // 14x14 -> 7x7: padding 0 top, 1 bottom.
      keras_same("keras same stride 2, 14x14", 1, 7, 14, 14, 3, 3, 2),
      make_case("stride > kernel, padded", 1, 7, 10, 11, 3, 2, 2, 3, 3, 1, 1),
      make_case("dilation 2", 3, 3, 7, 9, 17, 3, 3, 1, 1, 2, 2, 2, 2),
      make_case("non-square kernel and stride", 3, 17, 6, 10, 1, 3, 2, 1, 2, 1, 0),
      make_case("cin 1, k5", 3, 1, 10, 10, 16, 5, 5, 1, 1, 0, 0),
      make_case("k4 s2 (ConvTranspose 9->20)", 1, 3, 20, 20, 8, 4, 4, 2, 2, 0, 0),
      make_case("k4 s2 p1, dilation (1, 2)", 3, 5, 9, 12, 7, 4, 3, 2, 2, 1, 2, 1, 2),
      make_case("many tiles: cout 33, cin 5", 3, 5, 12, 12, 33, 3, 3, 1, 1, 1, 1),
  };
}

// ---- double references: sums over spatial_reference.h's conv2d terms --------------------------

std::vector<double> ref_forward(const Conv2dGeometry& g, const std::vector<float>& x,
                                const std::vector<float>& w, const std::vector<float>* bias) {
  std::vector<double> y(g.y_numel(), 0.0);
  for_each_conv2d_term(g,
                       [&](int64_t xi, int64_t yi, int64_t wi) { y[yi] += double(x[xi]) * w[wi]; });
  if (bias) {
    const int64_t plane = g.out_h * g.out_w;
    for (int64_t i = 0; i < g.y_numel(); ++i)
      y[i] += (*bias)[(i / plane) % g.out_channels];
  }
  return y;
}

std::vector<double> ref_backward_data(const Conv2dGeometry& g, const std::vector<float>& dy,
                                      const std::vector<float>& w, const std::vector<float>* bias) {
  std::vector<double> dx(g.x_numel(), 0.0);
  for_each_conv2d_term(
      g, [&](int64_t xi, int64_t yi, int64_t wi) { dx[xi] += double(dy[yi]) * w[wi]; });
  if (bias) {
    const int64_t plane = g.in_h * g.in_w;
    for (int64_t i = 0; i < g.x_numel(); ++i)
      dx[i] += (*bias)[(i / plane) % g.in_channels];
  }
  return dx;
}

std::vector<double> ref_backward_weight(const Conv2dGeometry& g, const std::vector<float>& x,
                                        const std::vector<float>& dy) {
  std::vector<double> dw(g.w_numel(), 0.0);
  for_each_conv2d_term(
      g, [&](int64_t xi, int64_t yi, int64_t wi) { dw[wi] += double(dy[yi]) * x[xi]; });
  return dw;
}

std::vector<double> ref_bias_grad(const Conv2dGeometry& g, const std::vector<float>& dy) {
  std::vector<double> db(g.out_channels, 0.0);
  const int64_t plane = g.out_h * g.out_w;
  for (int64_t i = 0; i < g.y_numel(); ++i)
    db[(i / plane) % g.out_channels] += dy[i];
  return db;
}

// ---- device buffers -----------------------------------------------------------------------------

class DeviceBuffer {
 public:
  DeviceBuffer(Backend& backend, int64_t n) : backend_(backend), bytes_(size_t(n) * 4) {
    ptr_ = static_cast<float*>(backend_.allocate(bytes_ > 0 ? bytes_ : 4));
  }
  DeviceBuffer(Backend& backend, const std::vector<float>& host)
      : DeviceBuffer(backend, int64_t(host.size())) {
    backend_.copy_from_host(ptr_, host.data(), bytes_);
  }
  ~DeviceBuffer() { backend_.deallocate(ptr_, bytes_ > 0 ? bytes_ : 4); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  float* get() const { return ptr_; }
  std::vector<float> to_host() const {
    std::vector<float> v(bytes_ / 4);
    backend_.copy_to_host(v.data(), ptr_, bytes_);
    return v;
  }

 private:
  Backend& backend_;
  size_t bytes_;
  float* ptr_;
};

std::vector<float> random_values(Rng& rng, int64_t n) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& e : v)
    e = u(rng);
  return v;
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int failures = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::abs(double(got[i]) - want[i]);
    if (!(err <= kAbs + kRel * std::abs(want[i])) && ++failures <= 5)
      ADD_FAILURE() << what << ": element " << i << " is " << got[i] << ", want " << want[i];
  }
  EXPECT_EQ(failures, 0) << what << ": " << failures << " of " << got.size()
                         << " elements out of tolerance";
}

std::string describe(const Case& c, bool with_bias) {
  const Conv2dGeometry& g = c.g;
  return c.name + " [N" + std::to_string(g.batch) + " " + std::to_string(g.in_channels) + "x" +
         std::to_string(g.in_h) + "x" + std::to_string(g.in_w) + " -> " +
         std::to_string(g.out_channels) + "x" + std::to_string(g.out_h) + "x" +
         std::to_string(g.out_w) + "]" + (with_bias ? " with bias" : " without bias");
}

// The implementations to check on a device: our kernels everywhere, and cuDNN too on a real GPU
// in builds with HG_CUDNN (the emulator cannot run cuDNN). Both are held to the same double
// reference, which compares native against cuDNN on every geometry.
std::vector<ConvImpl> impls_on(Device device) {
  std::vector<ConvImpl> impls{ConvImpl::kNative};
  if (device.is_cuda() && !cuda_is_emulated() && cudnn_available())
    impls.push_back(ConvImpl::kCudnn);
  return impls;
}

// Runs body(g, with_bias, what, rng, backend) for every geometry of cases() and implementation,
// without and with bias, with inputs drawn from one seeded stream (the seed is in every failure).
template <class F>
void for_each_case(Device device, F&& body) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Rng rng(seed);
  Backend& b = backend_for(device);
  for (const ConvImpl impl : impls_on(device))
    for (Case c : cases()) {
      c.g.impl = impl;
      if (impl == ConvImpl::kCudnn) c.name += " (cuDNN)";
      for (bool with_bias : {false, true})
        body(c.g, with_bias, describe(c, with_bias), rng, b);
    }
}

TEST_P(ConvKernelTest, ForwardMatchesReference) {
  HG_REQUIRE_DEVICE(device());
  for_each_case(device(), [](const Conv2dGeometry& g, bool with_bias, const std::string& what,
                             Rng& rng, Backend& b) {
    const auto x = random_values(rng, g.x_numel());
    const auto w = random_values(rng, g.w_numel());
    const auto bias = random_values(rng, g.out_channels);
    DeviceBuffer dx(b, x), dw(b, w), dbias(b, bias), dy(b, g.y_numel());
    b.conv2d_forward(g, dx.get(), dw.get(), with_bias ? dbias.get() : nullptr, dy.get());
    expect_close(dy.to_host(), ref_forward(g, x, w, with_bias ? &bias : nullptr),
                 "forward " + what);
  });
}

TEST_P(ConvKernelTest, BackwardDataMatchesReference) {
  HG_REQUIRE_DEVICE(device());
  for_each_case(device(), [](const Conv2dGeometry& g, bool with_bias, const std::string& what,
                             Rng& rng, Backend& b) {
    const auto dy = random_values(rng, g.y_numel());
    const auto w = random_values(rng, g.w_numel());
    const auto bias = random_values(rng, g.in_channels);
    DeviceBuffer ddy(b, dy), dw(b, w), dbias(b, bias), ddx(b, g.x_numel());
    b.fill(ddx.get(), std::nanf(""), g.x_numel());  // every element must be overwritten
    b.conv2d_backward_data(g, ddy.get(), dw.get(), with_bias ? dbias.get() : nullptr, ddx.get());
    expect_close(ddx.to_host(), ref_backward_data(g, dy, w, with_bias ? &bias : nullptr),
                 "backward_data " + what);
  });
}

TEST_P(ConvKernelTest, BackwardWeightMatchesReference) {
  HG_REQUIRE_DEVICE(device());
  for_each_case(device(), [](const Conv2dGeometry& g, bool with_bias, const std::string& what,
                             Rng& rng, Backend& b) {
    const auto x = random_values(rng, g.x_numel());
    const auto dy = random_values(rng, g.y_numel());
    DeviceBuffer dx(b, x), ddy(b, dy), dw(b, g.w_numel()), dbias(b, g.out_channels);
    b.fill(dw.get(), std::nanf(""), g.w_numel());
    b.fill(dbias.get(), std::nanf(""), g.out_channels);
    b.conv2d_backward_weight(g, dx.get(), ddy.get(), dw.get(), with_bias ? dbias.get() : nullptr);
    expect_close(dw.to_host(), ref_backward_weight(g, x, dy), "backward_weight " + what);
    if (with_bias)
      expect_close(dbias.to_host(), ref_bias_grad(g, dy), "backward_weight bias " + what);
  });
}

// A long reduction (N*OH*OW = 3 * 24 * 24 = 1728 pixels, several chunks on the CUDA backend):
// two calls give bitwise the same dw and dbias.
TEST_P(ConvKernelTest, BackwardWeightIsBitwiseDeterministic) {
  HG_REQUIRE_DEVICE(device());
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Rng rng(seed);
  Backend& b = backend_for(device());
  const Conv2dGeometry g = make_case("", 3, 3, 24, 24, 5, 3, 3, 1, 1, 1, 1).g;
  const auto x = random_values(rng, g.x_numel());
  const auto dy = random_values(rng, g.y_numel());
  DeviceBuffer dx(b, x), ddy(b, dy);
  std::vector<float> dw[2], db[2];
  for (int run = 0; run < 2; ++run) {
    DeviceBuffer dw_dev(b, g.w_numel()), db_dev(b, g.out_channels);
    b.conv2d_backward_weight(g, dx.get(), ddy.get(), dw_dev.get(), db_dev.get());
    dw[run] = dw_dev.to_host();
    db[run] = db_dev.to_host();
  }
  EXPECT_EQ(0, std::memcmp(dw[0].data(), dw[1].data(), dw[0].size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(db[0].data(), db[1].data(), db[0].size() * sizeof(float)));
  expect_close(dw[0], ref_backward_weight(g, x, dy), "backward_weight (long reduction)");
  expect_close(db[0], ref_bias_grad(g, dy), "backward_weight bias (long reduction)");
}

// ConvImpl::kCudnn either computes the same convolution (the CPU ignores the choice; a CUDA build
// with HG_CUDNN runs cuDNN) or, in a CUDA build without HG_CUDNN, refuses with a message that
// names HG_CUDNN.
TEST_P(ConvKernelTest, CudnnChoiceComputesTheSameOrSaysTheBuildLacksIt) {
  HG_REQUIRE_DEVICE(device());
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Rng rng(seed);
  Backend& b = backend_for(device());
  Conv2dGeometry g = keras_same("", 1, 3, 9, 8, 5, 3, 2).g;
  g.impl = ConvImpl::kCudnn;
  const auto x = random_values(rng, g.x_numel());
  const auto w = random_values(rng, g.w_numel());
  DeviceBuffer dx(b, x), dw(b, w), dy(b, g.y_numel());
  try {
    b.conv2d_forward(g, dx.get(), dw.get(), nullptr, dy.get());
  } catch (const std::exception& e) {
    EXPECT_TRUE(device().is_cuda()) << e.what();
    EXPECT_NE(std::string(e.what()).find("HG_CUDNN"), std::string::npos) << e.what();
    return;
  }
  expect_close(dy.to_host(), ref_forward(g, x, w, nullptr), "forward with ConvImpl::kCudnn");
}

}  // namespace
}  // namespace hg::testing
