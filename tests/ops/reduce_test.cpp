// Reductions through the op harness on every device: sum/mean over everything and per axis
// (with and without keepdim, negative axes), sum_to and broadcast_to; determinism of the sum;
// error messages.
//
// Tolerances: forward abs 1e-5, rel 1e-5 for small tensors; abs 1e-4 for the large sum (float
// output of a ~1e5-term double sum). Gradients: abs/rel 1e-3 (harness default).
#include <gtest/gtest.h>
#include <omp.h>

#include <numeric>

#include "hourglass/hourglass.h"
#include "hourglass/ops/ops.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

class ReduceOps : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(ReduceOps);

Shape random_shape(Rng& rng, int rank) {
  std::vector<int64_t> dims;
  for (int d = 0; d < rank; ++d)
    dims.push_back(pick(rng, {1, 2, 3, 7, 13}));
  return Shape(dims);
}

std::vector<double> total(const std::vector<double>& v, double scale) {
  return {std::accumulate(v.begin(), v.end(), 0.0) * scale};
}

TEST_P(ReduceOps, SumAndMeanOfEverything) {
  HG_REQUIRE_DEVICE(device());
  for (int rank = 0; rank <= 4; ++rank) {
    for (bool is_mean : {false, true}) {
      check_op(device(), [&](Rng& rng) {
        const Shape s = random_shape(rng, rank);
        OpCase c;
        c.name = is_mean ? "mean(x)" : "sum(x)";
        c.inputs = {float_input("x", s, uniform(-2, 2))};
        c.op = [is_mean](const std::vector<Tensor>& in) {
          return is_mean ? mean(in[0]) : sum(in[0]);
        };
        c.output_shape = Shape{};
        c.reference = [is_mean, n = s.numel()](const HostValues& v) {
          return total(v[0], is_mean ? 1.0 / double(n) : 1.0);
        };
        return c;
      });
    }
  }
}

TEST_P(ReduceOps, PerAxisWithKeepdim) {
  HG_REQUIRE_DEVICE(device());
  for (int axis : {0, 1, 2, -1, -3}) {
    for (bool keepdim : {false, true}) {
      for (bool is_mean : {false, true}) {
        check_op(device(), [&](Rng& rng) {
          const Shape s = random_shape(rng, 3);
          const int a = axis < 0 ? axis + 3 : axis;
          std::vector<int64_t> dims = s.dims();
          const int64_t outer = a == 0 ? 1 : (a == 1 ? dims[0] : dims[0] * dims[1]);
          const int64_t len = dims[a];
          const int64_t inner = s.numel() / (outer * len);
          if (keepdim)
            dims[a] = 1;
          else
            dims.erase(dims.begin() + a);
          OpCase c;
          c.name = std::string(is_mean ? "mean" : "sum") + "(x, " + std::to_string(axis) +
                   (keepdim ? ", keepdim)" : ")");
          c.inputs = {float_input("x", s, uniform(-2, 2))};
          c.op = [axis, keepdim, is_mean](const std::vector<Tensor>& in) {
            return is_mean ? mean(in[0], axis, keepdim) : sum(in[0], axis, keepdim);
          };
          c.output_shape = Shape(dims);
          c.reference = [=](const HostValues& v) {
            std::vector<double> r = ref_sum_axis(v[0], outer, len, inner);
            if (is_mean)
              for (double& x : r)
                x /= double(len);
            return r;
          };
          return c;
        });
      }
    }
  }
}

TEST_P(ReduceOps, SumToAndBroadcastTo) {
  HG_REQUIRE_DEVICE(device());
  // (from, to) pairs: sum_to goes from -> to, broadcast_to goes to -> from.
  const std::vector<std::pair<Shape, Shape>> pairs = {
      {Shape{7, 5}, Shape{5}}, {Shape{7, 5}, Shape{1, 5}},    {Shape{7, 5}, Shape{7, 1}},
      {Shape{7, 5}, Shape{}},  {Shape{3, 4, 5}, Shape{4, 1}}, {Shape{2, 3, 4, 5}, Shape{3, 1, 1}},
      {Shape{1, 5}, Shape{5}}, {Shape{6, 1, 3}, Shape{1, 3}}, {Shape{4, 3}, Shape{4, 3}},
  };
  for (const auto& pair : pairs) {
    // Named copies: lambdas may not capture structured bindings before C++20.
    const Shape big = pair.first, small = pair.second;
    check_op(device(), [&](Rng&) {
      OpCase c;
      c.name = "sum_to " + big.str() + " -> " + small.str();
      c.inputs = {float_input("x", big, uniform(-2, 2))};
      c.op = [small = small](const std::vector<Tensor>& in) { return sum_to(in[0], small); };
      c.output_shape = small;
      c.reference = [big = big, small = small](const HostValues& v) {
        // Each input element adds into the target element it broadcasts from.
        std::vector<double> out(small.numel(), 0.0);
        std::vector<double> index(small.numel());
        std::iota(index.begin(), index.end(), 0.0);
        const std::vector<double> target_of =
            ref_broadcast(big, std::vector<double>(big.numel()), small, index,
                          [](double, double i) { return i; });
        for (size_t k = 0; k < v[0].size(); ++k)
          out[size_t(target_of[k])] += v[0][k];
        return out;
      };
      return c;
    });
    check_op(device(), [&](Rng&) {
      OpCase c;
      c.name = "broadcast_to " + small.str() + " -> " + big.str();
      c.inputs = {float_input("x", small, uniform(-2, 2))};
      c.op = [big = big](const std::vector<Tensor>& in) { return broadcast_to(in[0], big); };
      c.output_shape = big;
      c.reference = [big = big, small = small](const HostValues& v) {
        return ref_broadcast(big, std::vector<double>(big.numel()), small, v[0],
                             [](double, double x) { return x; });
      };
      return c;
    });
  }
}

TEST_P(ReduceOps, LargeSumIsAccurateAndThreadCountIndependent) {
  HG_REQUIRE_DEVICE(device());
  check_op(device(), [](Rng&) {
    const Shape s{3, 40000};  // rows longer than one CPU block, total above the parallel cut
    OpCase c;
    c.name = "sum(x, 1) on long rows";
    c.inputs = {float_input("x", s, uniform(-1, 1))};
    c.op = [](const std::vector<Tensor>& in) { return sum(in[0], 1); };
    c.output_shape = Shape{3};
    c.reference = [](const HostValues& v) { return ref_sum_axis(v[0], 3, 40000, 1); };
    c.forward = {1e-4, 1e-5};
    c.fd_samples = 16;
    return c;
  });
  Generator gen(7);
  const Tensor x = Tensor::randn(Shape{300001}, device(), 0.0f, 1.0f, &gen);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const float one_thread = sum(x).item();
  omp_set_num_threads(std::max(threads, 3));
  const float many_threads = sum(x).item();
  omp_set_num_threads(threads);
  EXPECT_EQ(one_thread, many_threads) << "the sum must not depend on the thread count";
  EXPECT_EQ(sum(x).item(), sum(x).item());
}

TEST_P(ReduceOps, EmptyTensors) {
  HG_REQUIRE_DEVICE(device());
  EXPECT_EQ(sum(Tensor::zeros(Shape{0}, device())).item(), 0.0f);
  const Tensor s = sum(Tensor::zeros(Shape{0, 4}, device()), 0);
  EXPECT_EQ(s.shape(), Shape{4});
  EXPECT_EQ(s.to_vector(), std::vector<float>(4, 0.0f));
}

TEST(ReduceErrors, MessagesNameOpAndShapes) {
  const Tensor x = Tensor::zeros(Shape{2, 3});
  expect_error([&] { sum(x, 2); }, {"sum", "axis 2", "[2, 3]"});
  expect_error([&] { mean(x, -3); }, {"mean", "axis -3", "[2, 3]"});
  expect_error([&] { sum_to(x, Shape{2}); }, {"sum_to", "[2, 3]", "[2]"});
  expect_error([&] { broadcast_to(x, Shape{3, 3}); }, {"broadcast_to", "[2, 3]", "[3, 3]"});
  expect_error([&] { sum(Tensor::zeros(Shape{2}, Device::cpu(), DType::kInt32)); },
               {"sum", "float32", "int32"});
}

}  // namespace
}  // namespace hg::testing
