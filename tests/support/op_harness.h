// The one op-test harness (in the spirit of ggml's test-backend-ops and dlib's twin tests).
// An op test describes, once:
//   - its inputs: shape, dtype, a value generator, and whether the input is differentiable;
//   - the op as a lambda over Tensors;
//   - a double-precision reference forward as a lambda over the inputs' values;
//   - tolerances.
// check_op() then, from a fresh seed (std::random_device, or HG_TEST_SEED to reproduce),
//   (a) runs the op on the CPU and on the device under test and compares each output with the
//       double reference,
//   (b) checks the tape's gradient of every differentiable input against central finite
//       differences of the double reference (loss = sum(w * out) with fixed random w), on a
//       random sample of coordinates so large inputs stay cheap,
//   (c) compares the device's output and gradients with the CPU's.
// Every failure message carries the seed (SCOPED_TRACE). A new op plugs in with a dozen lines:
// see tests/ops/*.cpp.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "hourglass/core/tensor.h"
#include "support/devices.h"

#include "support/expect_error.h"

namespace hg::testing {

using Rng = std::mt19937_64;

// ---- inputs -----------------------------------------------------------------------------------

// Draws one element's value. Values are rounded to the input's dtype before anything sees
// them, so the reference computes on exactly the numbers the op received.
using ValueGen = std::function<double(Rng&)>;

ValueGen uniform(double lo, double hi);
// Uniform on [lo, hi] but at least `gap` away from `point` (for kinks: relu, abs at 0).
ValueGen uniform_away_from(double lo, double hi, double point, double gap);
// Magnitude uniform in [lo, hi], random sign (divisors, values far from 0).
ValueGen signed_magnitude(double lo, double hi);
// Integers uniform in [lo, hi).
ValueGen integers(int64_t lo, int64_t hi);
// One of the given values.
ValueGen one_of(std::vector<double> values);

struct OpInput {
  std::string name;
  Shape shape;
  ValueGen values;
  DType dtype = DType::kFloat32;
  // Float inputs only: the input requires grad and its gradient is checked.
  bool differentiable = true;
};

// Convenience constructors.
OpInput float_input(std::string name, Shape shape, ValueGen values, bool differentiable = true);
OpInput int_input(std::string name, Shape shape, ValueGen values);
OpInput u8_input(std::string name, Shape shape, ValueGen values);

// ---- the test case ----------------------------------------------------------------------------

// Passes when |got - want| <= abs + rel * |want| for every element.
struct Tolerance {
  double abs = 1e-5;
  double rel = 1e-5;
};

using HostValues = std::vector<std::vector<double>>;  // one vector per input, row-major

struct OpCase {
  std::string name;
  std::vector<OpInput> inputs;
  std::function<Tensor(const std::vector<Tensor>&)> op;
  Shape output_shape;
  std::function<std::vector<double>(const HostValues&)> reference;
  Tolerance forward;               // output vs the double reference (and device vs CPU)
  Tolerance gradient{1e-3, 1e-3};  // tape gradient vs finite differences (and device vs CPU)
  bool check_gradient = true;      // off for non-differentiable ops
  double fd_step = 1e-6;           // relative step of the central differences (in double)
  int fd_samples = 48;             // coordinates checked per input (all when fewer)
};

// The seed of the current test: HG_TEST_SEED when set, else a fresh std::random_device draw.
uint64_t test_seed();

// Builds the case from a seeded Rng (so shapes may be random too) and runs checks (a)-(c) on
// `device`, always also running the CPU. Failures are reported with ADD_FAILURE, tagged with
// the seed, the case name and the device.
void check_op(Device device, const std::function<OpCase(Rng&)>& make_case);

// ---- helpers for cases ------------------------------------------------------------------------

// Picks one of the sizes (default: odd sizes that break tiling assumptions).
int64_t pick(Rng& rng, std::initializer_list<int64_t> sizes = {1, 3, 7, 37, 129});

// NumPy's broadcast result shape (no error checking: for valid test shapes).
Shape ref_broadcast_shape(const Shape& a, const Shape& b);
// NumPy-broadcast reference of a binary function.
std::vector<double> ref_broadcast(const Shape& a, const std::vector<double>& va, const Shape& b,
                                  const std::vector<double>& vb,
                                  const std::function<double(double, double)>& f);
// Elementwise reference of a unary function.
std::vector<double> ref_map(const std::vector<double>& v, const std::function<double(double)>& f);
// x viewed as [outer, axis, inner], summed over axis.
std::vector<double> ref_sum_axis(const std::vector<double>& x, int64_t outer, int64_t axis,
                                 int64_t inner);
// Row-major C = op(A) op(B) with A stored [a_rows, a_cols], B stored [b_rows, b_cols].
std::vector<double> ref_matmul(const std::vector<double>& a, int64_t a_rows, int64_t a_cols,
                               bool trans_a, const std::vector<double>& b, int64_t b_rows,
                               int64_t b_cols, bool trans_b);

// A device-parameterized fixture: each test file derives its own and instantiates it with
// HG_INSTANTIATE_DEVICE_TESTS(Fixture).
class DeviceTest : public ::testing::TestWithParam<Device> {
 protected:
  Device device() const { return GetParam(); }
};

}  // namespace hg::testing

#define HG_INSTANTIATE_DEVICE_TESTS(fixture)                                                     \
  INSTANTIATE_TEST_SUITE_P(Devices, fixture, ::testing::ValuesIn(::hg::testing::test_devices()), \
                           [](const ::testing::TestParamInfo<::hg::Device>& info) {              \
                             return ::hg::testing::device_test_name(info.param);                 \
                           })
