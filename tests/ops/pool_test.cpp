// max_pool2d and avg_pool2d through the op harness on every device: odd and non-square inputs,
// overlapping windows (stride < kernel: max-pool gradients add up), stride > kernel, padding,
// ceil mode (including the Keras MaxPool 'same' case 7 -> 4 and a last window that PyTorch
// drops), count_include_pad on and off; then ties, and the error messages.
//
// Tolerances: forward abs/rel 1e-5 (max is exact; averages of <= 9 values); gradients 1e-3.
// Inputs are continuous random values, so windows have no ties and the finite differences of
// the max are well defined.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hourglass/hourglass.h"
#include "ops/spatial_reference.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

class PoolOps : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(PoolOps);

struct PoolSpec {
  std::string name;
  int64_t n, c, h, w;
  Pool2dOptions options;
};

Pool2dOptions pool_options(std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                           std::array<int64_t, 2> padding, bool ceil_mode,
                           bool count_include_pad = true) {
  Pool2dOptions o;
  o.kernel = kernel, o.stride = stride, o.padding = padding;
  o.ceil_mode = ceil_mode, o.count_include_pad = count_include_pad;
  return o;
}

// PyTorch's pooling size, written out here independently of the library.
int64_t torch_pool_size(int64_t in, int64_t k, int64_t s, int64_t p, bool ceil_mode) {
  const int64_t span = in + 2 * p - k;
  int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

OpCase pool_case(const PoolSpec& s, bool max) {
  const Pool2dOptions o = s.options;
  kernels::Pool2dGeometry g;
  g.batch = s.n, g.channels = s.c, g.in_h = s.h, g.in_w = s.w;
  g.kernel_h = o.kernel[0], g.kernel_w = o.kernel[1];
  g.stride_h = o.stride[0] ? o.stride[0] : o.kernel[0];
  g.stride_w = o.stride[1] ? o.stride[1] : o.kernel[1];
  g.pad_h = o.padding[0], g.pad_w = o.padding[1];
  g.out_h = torch_pool_size(s.h, g.kernel_h, g.stride_h, g.pad_h, o.ceil_mode);
  g.out_w = torch_pool_size(s.w, g.kernel_w, g.stride_w, g.pad_w, o.ceil_mode);
  OpCase c;
  c.name = std::string(max ? "max_pool2d " : "avg_pool2d ") + s.name;
  c.inputs = {float_input("x", Shape{s.n, s.c, s.h, s.w}, uniform(-1, 1))};
  c.op = [o, max](const std::vector<Tensor>& in) {
    return max ? max_pool2d(in[0], o) : avg_pool2d(in[0], o);
  };
  c.output_shape = Shape{s.n, s.c, g.out_h, g.out_w};
  c.reference = [g, max, o](const HostValues& v) {
    return max ? ref_max_pool2d(g, v[0]) : ref_avg_pool2d(g, o.count_include_pad, v[0]);
  };
  c.forward = {1e-5, 1e-5};
  return c;
}

const std::vector<PoolSpec>& pool_specs() {
  static const std::vector<PoolSpec> specs = {
      {"2x2 default stride on odd 7x5 (floor drops the last row)", 2, 3, 7, 5,
       pool_options({2, 2}, {0, 0}, {0, 0}, false)},
      {"2x2 ceil mode 7x7 -> 4x4 (Keras MaxPool 'same')", 1, 2, 7, 7,
       pool_options({2, 2}, {0, 0}, {0, 0}, true)},
      {"3x3 stride 2 ceil mode on 6x8", 2, 2, 6, 8, pool_options({3, 3}, {2, 2}, {0, 0}, true)},
      {"3x3 stride 2 padding 1", 1, 3, 7, 6, pool_options({3, 3}, {2, 2}, {1, 1}, false)},
      {"2x2 stride 1 (overlapping windows)", 2, 1, 5, 6,
       pool_options({2, 2}, {1, 1}, {0, 0}, false)},
      {"stride 3 > kernel 2", 1, 2, 8, 7, pool_options({2, 2}, {3, 3}, {0, 0}, false)},
      {"non-square 3x2 kernel, stride (2, 1), padding (1, 0)", 2, 2, 6, 5,
       pool_options({3, 2}, {2, 1}, {1, 0}, false)},
      {"2x2 padding 1 ceil mode on 5x5 (PyTorch drops a window in the padding)", 1, 2, 5, 5,
       pool_options({2, 2}, {2, 2}, {1, 1}, true)},
      {"4x4 padding 2 ceil mode, stride 3", 1, 1, 7, 9, pool_options({4, 4}, {3, 3}, {2, 2}, true)},
      {"1x1 kernel stride 2", 1, 3, 5, 4, pool_options({1, 1}, {2, 2}, {0, 0}, false)},
  };
  return specs;
}

TEST_P(PoolOps, MaxPool2d) {
  HG_REQUIRE_DEVICE(device());
  for (const PoolSpec& s : pool_specs())
    check_op(device(), [&](Rng&) { return pool_case(s, true); });
}

TEST_P(PoolOps, AvgPool2dCountingPadding) {
  HG_REQUIRE_DEVICE(device());
  for (const PoolSpec& s : pool_specs())
    check_op(device(), [&](Rng&) { return pool_case(s, false); });
}

TEST_P(PoolOps, AvgPool2dNotCountingPadding) {
  HG_REQUIRE_DEVICE(device());
  for (PoolSpec s : pool_specs()) {
    s.options.count_include_pad = false;
    s.name += ", count_include_pad=False";
    check_op(device(), [&](Rng&) { return pool_case(s, false); });
  }
}

TEST_P(PoolOps, MaxPoolTiesGoToTheFirstElement) {
  HG_REQUIRE_DEVICE(device());
  // Every window of a constant plane ties; the gradient goes to each window's first element
  // (PyTorch's behaviour), and overlapping windows add up.
  Tensor x = Tensor::full(Shape{1, 1, 3, 3}, 2.0f, device());
  x.set_requires_grad(true);
  const Tensor y = max_pool2d(x, pool_options({2, 2}, {1, 1}, {0, 0}, false));
  EXPECT_EQ(y.to_vector(), std::vector<float>(4, 2.0f));
  backward(sum(y));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1, 1, 0, 1, 1, 0, 0, 0, 0}));
}

TEST(PoolErrors, BadShapesAndOptions) {
  const Tensor x = Tensor::zeros(Shape{1, 2, 5, 5});
  expect_error(
      [&] {
        max_pool2d(Tensor::zeros(Shape{2, 5, 5}));
      },
      {"max_pool2d", "rank 4", "[2, 5, 5]"});
  expect_error([&] { avg_pool2d(Tensor::zeros(Shape{2, 5, 5})); }, {"avg_pool2d", "rank 4"});
  expect_error(
      [&] {
        max_pool2d(x, pool_options({3, 3}, {1, 1}, {2, 1}, false));
      },
      {"padding (2, 1)", "at most half the kernel size (3, 3)"});
  expect_error(
      [&] {
        avg_pool2d(x, pool_options({0, 2}, {1, 1}, {0, 0}, false));
      },
      {"kernel must be >= 1", "(0, 2)"});
  expect_error(
      [&] {
        max_pool2d(x, pool_options({2, 2}, {-1, 1}, {0, 0}, false));
      },
      {"stride must be >= 1"});
  expect_error(
      [&] {
        max_pool2d(x, pool_options({6, 2}, {1, 1}, {0, 0}, false));
      },
      {"kernel (6, 2) is larger than the padded input (5, 5)"});
  expect_error(
      [&] {
        max_pool2d(x, pool_options({2, 2}, {1, 1}, {-1, 0}, false));
      },
      {"padding must be >= 0"});
  expect_error(
      [&] {
        max_pool2d(Tensor::zeros(Shape{1, 1, 4, 4}, Device::cpu(), DType::kUInt8));
      },
      {"max_pool2d", "float32", "uint8"});
}

}  // namespace
}  // namespace hg::testing
