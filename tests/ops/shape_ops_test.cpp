// Shape ops through the op harness on every device: reshape (with -1) and flatten are views
// whose gradient is the reshaped upstream gradient; plus their error messages.
// Tolerances: exact values (abs/rel 1e-6), gradients abs/rel 1e-3.
#include <gtest/gtest.h>

#include "hourglass/hourglass.h"
#include "hourglass/ops/ops.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

class ShapeOps : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(ShapeOps);

// y = op(x) * x.reshape(...) so the gradient of a pure view is mixed with a real product.
OpCase view_case(const char* name, const Shape& in, const Shape& out,
                 std::function<Tensor(const Tensor&)> view) {
  OpCase c;
  c.name = name;
  c.inputs = {float_input("x", in, uniform(-2, 2))};
  c.op = [view, out](const std::vector<Tensor>& v) {
    return view(v[0]) * reshape(v[0], out.dims());
  };
  c.output_shape = out;
  c.reference = [](const HostValues& v) { return ref_map(v[0], [](double x) { return x * x; }); };
  c.forward = {1e-6, 1e-6};
  return c;
}

TEST_P(ShapeOps, ReshapeAndFlatten) {
  HG_REQUIRE_DEVICE(device());
  check_op(device(), [](Rng& rng) {
    const int64_t n = pick(rng, {1, 3, 7}), c = pick(rng, {1, 2, 3});
    return view_case("reshape -1", Shape{n, c, 4, 5}, Shape{n, c * 20}, [](const Tensor& x) {
      return reshape(x, {x.dim(0), -1});
    });
  });
  check_op(device(), [](Rng& rng) {
    const int64_t n = pick(rng, {1, 3, 7});
    return view_case("flatten()", Shape{n, 2, 3, 5}, Shape{n, 30},
                     [](const Tensor& x) { return flatten(x); });
  });
  check_op(device(), [](Rng& rng) {
    const int64_t n = pick(rng, {1, 3, 7});
    return view_case("flatten(x, 0, 1)", Shape{n, 2, 3}, Shape{n * 2, 3},
                     [](const Tensor& x) { return flatten(x, 0, 1); });
  });
  check_op(device(), [](Rng&) {
    return view_case("flatten(x, 0)", Shape{4, 2, 3}, Shape{24},
                     [](const Tensor& x) { return flatten(x, 0); });
  });
}

TEST_P(ShapeOps, ViewsShareStorage) {
  HG_REQUIRE_DEVICE(device());
  const Tensor x = Tensor::zeros(Shape{2, 3, 4}, device());
  EXPECT_TRUE(flatten(x).same_storage(x));
  EXPECT_EQ(flatten(x).shape(), (Shape{2, 12}));
  EXPECT_EQ(flatten(Tensor::scalar(1.0f, device())).shape(), Shape{1});
}

TEST(ShapeErrors, Messages) {
  const Tensor x = Tensor::zeros(Shape{2, 3});
  expect_error([&] { reshape(x, {4, 2}); }, {"reshape", "[2, 3]", "[4, 2]"});
  expect_error([&] { reshape(x, {-1, -1}); }, {"-1"});
  expect_error([&] { flatten(x, 1, 0); }, {"flatten", "[2, 3]"});
  expect_error([&] { flatten(x, 0, 5); }, {"flatten", "[2, 3]"});
}

}  // namespace
}  // namespace hg::testing
