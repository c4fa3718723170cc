// Elementwise ops through the op harness on every device: broadcasting arithmetic, scalar
// arithmetic, activations and pointwise math, to_float; plus their error messages.
//
// Tolerances: forward abs/rel 1e-5 (transcendental float functions are within a few ulp);
// gradients abs/rel 1e-3 against double central differences (default of the harness).
#include <gtest/gtest.h>

#include <cmath>

#include "hourglass/hourglass.h"
#include "hourglass/ops/ops.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

class ElementwiseOps : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(ElementwiseOps);

struct BinaryCase {
  const char* name;
  std::function<Tensor(const Tensor&, const Tensor&)> op;
  std::function<double(double, double)> ref;
};

const std::vector<BinaryCase>& binary_cases() {
  static const std::vector<BinaryCase> cases = {
      {"add", [](const Tensor& a, const Tensor& b) { return a + b; },
       [](double a, double b) { return a + b; }},
      {"sub", [](const Tensor& a, const Tensor& b) { return a - b; },
       [](double a, double b) { return a - b; }},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; },
       [](double a, double b) { return a * b; }},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; },
       [](double a, double b) { return a / b; }},
  };
  return cases;
}

// The broadcasting patterns autoencoders use, with random odd sizes.
std::vector<std::pair<Shape, Shape>> broadcast_pairs(Rng& rng) {
  const int64_t n = pick(rng), d = pick(rng, {1, 3, 7, 37}), c = pick(rng, {1, 2, 5});
  return {
      {Shape{n, d}, Shape{n, d}},           // same shape
      {Shape{n, d}, Shape{d}},              // bias
      {Shape{n, d}, Shape{1, d}},           // kept-dim row
      {Shape{n, 1}, Shape{n, d}},           // per-row scale
      {Shape{}, Shape{n, d}},               // scalar on the left
      {Shape{n, d}, Shape{}},               // scalar on the right
      {Shape{c, 1, d}, Shape{n, 1}},        // both operands stretched
      {Shape{2, c, 3, 4}, Shape{c, 1, 1}},  // per-channel NCHW
  };
}

TEST_P(ElementwiseOps, BinaryBroadcasting) {
  HG_REQUIRE_DEVICE(device());
  for (const BinaryCase& bc : binary_cases()) {
    for (size_t pattern = 0; pattern < 8; ++pattern) {
      check_op(device(), [&](Rng& rng) {
        const auto [sa, sb] = broadcast_pairs(rng)[pattern];
        OpCase c;
        c.name = std::string(bc.name) + " " + sa.str() + " with " + sb.str();
        c.inputs = {float_input("a", sa, uniform(-2, 2)),
                    float_input("b", sb,
                                std::string(bc.name) == "div" ? signed_magnitude(0.5, 2.0)
                                                              : uniform(-2, 2))};
        c.op = [&bc](const std::vector<Tensor>& in) { return bc.op(in[0], in[1]); };
        c.output_shape = ref_broadcast_shape(sa, sb);
        c.reference = [sa = sa, sb = sb, &bc](const HostValues& v) {
          return ref_broadcast(sa, v[0], sb, v[1], bc.ref);
        };
        return c;
      });
    }
  }
}

TEST_P(ElementwiseOps, SameInputOnBothSides) {
  HG_REQUIRE_DEVICE(device());
  check_op(device(), [](Rng& rng) {
    const Shape s{pick(rng), pick(rng, {1, 3, 7})};
    OpCase c;
    c.name = "x * x + x";
    c.inputs = {float_input("x", s, uniform(-2, 2))};
    c.op = [](const std::vector<Tensor>& in) { return in[0] * in[0] + in[0]; };
    c.output_shape = s;
    c.reference = [](const HostValues& v) {
      return ref_map(v[0], [](double x) { return x * x + x; });
    };
    return c;
  });
}

struct UnaryCase {
  const char* name;
  std::function<Tensor(const Tensor&)> op;
  std::function<double(double)> ref;
  ValueGen values;
};

std::vector<UnaryCase> unary_cases() {
  const auto sigmoid_ref = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  return {
      {"neg", [](const Tensor& x) { return neg(x); }, [](double x) { return -x; }, uniform(-3, 3)},
      {"unary minus", [](const Tensor& x) { return -x; }, [](double x) { return -x; },
       uniform(-3, 3)},
      {"abs", [](const Tensor& x) { return abs(x); }, [](double x) { return std::fabs(x); },
       uniform_away_from(-3, 3, 0.0, 0.05)},
      {"square", [](const Tensor& x) { return square(x); }, [](double x) { return x * x; },
       uniform(-3, 3)},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, [](double x) { return std::sqrt(x); },
       uniform(0.1, 4)},
      {"exp", [](const Tensor& x) { return exp(x); }, [](double x) { return std::exp(x); },
       uniform(-4, 4)},
      {"log", [](const Tensor& x) { return log(x); }, [](double x) { return std::log(x); },
       uniform(0.1, 5)},
      {"relu", [](const Tensor& x) { return relu(x); }, [](double x) { return x > 0 ? x : 0.0; },
       uniform_away_from(-3, 3, 0.0, 0.05)},
      {"leaky_relu(0.2)", [](const Tensor& x) { return leaky_relu(x, 0.2f); },
       [](double x) { return x > 0 ? x : double(0.2f) * x; }, uniform_away_from(-3, 3, 0.0, 0.05)},
      {"leaky_relu default", [](const Tensor& x) { return leaky_relu(x); },
       [](double x) { return x > 0 ? x : double(0.01f) * x; }, uniform_away_from(-3, 3, 0.0, 0.05)},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, sigmoid_ref, uniform(-8, 8)},
      {"tanh", [](const Tensor& x) { return tanh(x); }, [](double x) { return std::tanh(x); },
       uniform(-4, 4)},
      {"softplus", [](const Tensor& x) { return softplus(x); },
       [](double x) { return std::log1p(std::exp(x)); }, uniform(-25, 25)},
      {"add scalar", [](const Tensor& x) { return x + 2.5f; }, [](double x) { return x + 2.5; },
       uniform(-3, 3)},
      {"add(x, s)", [](const Tensor& x) { return add(x, -0.75f); },
       [](double x) { return x - 0.75; }, uniform(-3, 3)},
      {"scalar + x", [](const Tensor& x) { return 2.5f + x; }, [](double x) { return 2.5 + x; },
       uniform(-3, 3)},
      {"sub scalar", [](const Tensor& x) { return x - 3.0f; }, [](double x) { return x - 3.0; },
       uniform(-3, 3)},
      {"scalar - x", [](const Tensor& x) { return 1.0f - x; }, [](double x) { return 1.0 - x; },
       uniform(-3, 3)},
      {"mul scalar", [](const Tensor& x) { return x * -1.5f; }, [](double x) { return -1.5 * x; },
       uniform(-3, 3)},
      {"mul(x, s)", [](const Tensor& x) { return mul(x, 0.25f); },
       [](double x) { return 0.25 * x; }, uniform(-3, 3)},
      {"scalar * x", [](const Tensor& x) { return 2.0f * x; }, [](double x) { return 2.0 * x; },
       uniform(-3, 3)},
      {"div scalar", [](const Tensor& x) { return x / 4.0f; }, [](double x) { return x / 4.0; },
       uniform(-3, 3)},
  };
}

TEST_P(ElementwiseOps, Unary) {
  HG_REQUIRE_DEVICE(device());
  for (const UnaryCase& uc : unary_cases()) {
    check_op(device(), [&](Rng& rng) {
      const Shape s = pick(rng, {0, 1}) ? Shape{pick(rng), pick(rng, {1, 3, 7, 37})}
                                        : Shape{pick(rng, {1, 2, 3}), 3, pick(rng, {1, 5, 9})};
      OpCase c;
      c.name = uc.name;
      c.inputs = {float_input("x", s, uc.values)};
      c.op = [&uc](const std::vector<Tensor>& in) { return uc.op(in[0]); };
      c.output_shape = s;
      c.reference = [&uc](const HostValues& v) { return ref_map(v[0], uc.ref); };
      return c;
    });
  }
}

TEST_P(ElementwiseOps, UnaryOnLargeTensorUsesThreads) {
  HG_REQUIRE_DEVICE(device());
  // Above the CPU's parallel threshold (32768 elements), so the OpenMP path is checked too.
  check_op(device(), [](Rng&) {
    const Shape s{257, 129};
    OpCase c;
    c.name = "sigmoid(x) * x on 33153 elements";
    c.inputs = {float_input("x", s, uniform(-6, 6))};
    c.op = [](const std::vector<Tensor>& in) { return sigmoid(in[0]) * in[0]; };
    c.output_shape = s;
    c.reference = [](const HostValues& v) {
      return ref_map(v[0], [](double x) { return x / (1.0 + std::exp(-x)); });
    };
    return c;
  });
}

TEST_P(ElementwiseOps, ExtremeInputsStayFinite) {
  HG_REQUIRE_DEVICE(device());
  const Tensor x =
      Tensor::from_vector(std::vector<float>{-100, -30, 0, 30, 100}, Shape{5}, device());
  const std::vector<float> s = sigmoid(x).to_vector();
  EXPECT_GE(s[0], 0.0f);  // exp(-100) is a float denormal: tiny, never NaN or negative
  EXPECT_LT(s[0], 1e-40f);
  EXPECT_FLOAT_EQ(s[2], 0.5f);
  EXPECT_EQ(s[4], 1.0f);
  const std::vector<float> sp = softplus(x).to_vector();
  EXPECT_EQ(sp[4], 100.0f);
  EXPECT_NEAR(sp[0], 0.0f, 1e-30f);
  const std::vector<float> t = tanh(x).to_vector();
  EXPECT_EQ(t[0], -1.0f);
  EXPECT_EQ(t[4], 1.0f);
  for (const std::vector<float>& v : {s, sp, t})
    for (float f : v)
      EXPECT_TRUE(std::isfinite(f));
}

TEST_P(ElementwiseOps, ToFloat) {
  HG_REQUIRE_DEVICE(device());
  check_op(device(), [](Rng& rng) {
    const Shape s{pick(rng), 28};
    OpCase c;
    c.name = "to_float(x, 1/255)";
    c.inputs = {u8_input("x", s, integers(0, 256))};
    c.op = [](const std::vector<Tensor>& in) { return to_float(in[0], 1.0f / 255.0f); };
    c.output_shape = s;
    c.reference = [](const HostValues& v) {
      return ref_map(v[0], [](double x) { return double(1.0f / 255.0f) * x; });
    };
    c.check_gradient = false;
    return c;
  });
}

TEST_P(ElementwiseOps, ZeroSizedTensors) {
  HG_REQUIRE_DEVICE(device());
  const Tensor a = Tensor::zeros(Shape{0, 3}, device());
  const Tensor b = Tensor::ones(Shape{3}, device());
  EXPECT_EQ((a + b).shape(), (Shape{0, 3}));
  EXPECT_EQ(relu(a).shape(), (Shape{0, 3}));
}

TEST(ElementwiseErrors, BroadcastMismatchNamesOpAndShapes) {
  const Tensor a = Tensor::zeros(Shape{2, 3});
  const Tensor b = Tensor::zeros(Shape{4});
  expect_error([&] { add(a, b); }, {"add", "cannot broadcast", "[2, 3]", "[4]"});
  expect_error([&] { sub(a, b); }, {"sub", "[2, 3]", "[4]"});
  expect_error([&] { mul(b, a); }, {"mul", "[4]", "[2, 3]"});
  expect_error([&] { div(a, Tensor::zeros(Shape{3, 3})); }, {"div", "[2, 3]", "[3, 3]"});
}

TEST(ElementwiseErrors, DtypeAndUndefinedInputs) {
  const Tensor f = Tensor::zeros(Shape{2});
  const Tensor i = Tensor::zeros(Shape{2}, Device::cpu(), DType::kInt32);
  expect_error([&] { mul(f, i); }, {"mul", "float32", "int32"});
  expect_error([&] { relu(i); }, {"relu", "float32", "int32"});
  expect_error([&] { add(Tensor(), f); }, {"add", "undefined"});
  expect_error([&] { to_float(f); }, {"to_float", "uint8", "float32"});
}

}  // namespace
}  // namespace hg::testing
