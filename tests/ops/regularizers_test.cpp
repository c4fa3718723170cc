// The autoencoder penalties and corruptions on every device: L1 activity, KL target sparsity,
// k-sparse rows, Gaussian KL and the contractive penalty through the op harness (double
// reference, finite differences, cpu vs device), plus the properties the harness cannot see:
// - the contractive closed form against the Jacobian built by brute force (explicitly as
//   diag(f'(a)) W and by central differences of f(Wx + b)), and a guard that the penalty is the
//   mean of ||J||_F^2 over rows, not ||mean J||_F^2;
// - the Gaussian KL against a Monte-Carlo estimate of E_q[log q(z) - log p(z)];
// - the KL sparsity gradient with eps = 1e-4 as in the UFLDL sparse autoencoder notes;
// - corruption statistics, the Philox stream layout, bitwise cpu/cuda agreement and errors;
// - k-sparse ties, k = 0, k = units and bad k.
//
// Tolerances: forward abs 1e-5 / rel 1e-5 for sums of float inputs accumulated in double
// (rel 1e-4 where the op itself computes sigmoid/tanh in float); gradients abs/rel 1e-3 (float
// tape vs double central differences).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>

#include "hourglass/hourglass.h"
#include "hourglass/kernels/common/regularizer_math.h"
#include "hourglass/ops/ops.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

class RegularizerOps : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(RegularizerOps);

// ---- double references --------------------------------------------------------------------

double kl_ref(double rho, double rho_hat) {
  return rho * std::log(rho / rho_hat) + (1 - rho) * std::log((1 - rho) / (1 - rho_hat));
}

// sum_j KL(rho || mean_n h[n, j]) for h [rows, units].
double kl_sparsity_ref(const std::vector<double>& h, int64_t rows, int64_t units, double rho) {
  double total = 0.0;
  for (int64_t j = 0; j < units; ++j) {
    double mean = 0.0;
    for (int64_t n = 0; n < rows; ++n)
      mean += h[n * units + j];
    mean = std::clamp(mean / double(rows), 1e-6, 1 - 1e-6);
    total += kl_ref(rho, mean);
  }
  return total;
}

enum class Act { kSigmoid, kTanh, kRelu };
const char* act_name(Act a) {
  return a == Act::kSigmoid ? "sigmoid" : (a == Act::kTanh ? "tanh" : "relu");
}
double act_f(Act act, double a) {
  switch (act) {
    case Act::kSigmoid:
      return 1.0 / (1.0 + std::exp(-a));
    case Act::kTanh:
      return std::tanh(a);
    case Act::kRelu:
      return a > 0 ? a : 0.0;
  }
  return 0.0;
}
// f'(a) from a (not from h: the closed form in terms of h is what is under test).
double act_fprime(Act act, double a) {
  switch (act) {
    case Act::kSigmoid: {
      const double e = std::exp(-std::fabs(a));
      return e / ((1 + e) * (1 + e));
    }
    case Act::kTanh:
      return 1.0 / (std::cosh(a) * std::cosh(a));
    case Act::kRelu:
      return a > 0 ? 1.0 : 0.0;
  }
  return 0.0;
}
Tensor act_apply(Act act, const Tensor& a) {
  switch (act) {
    case Act::kSigmoid:
      return sigmoid(a);
    case Act::kTanh:
      return tanh(a);
    case Act::kRelu:
      return relu(a);
  }
  return Tensor();
}

// Pre-activations a = x W^T + b in double: x [rows, in], W [hidden, in].
std::vector<double> preactivations(const std::vector<double>& x, const std::vector<double>& w,
                                   const std::vector<double>& b, int64_t rows, int64_t hidden,
                                   int64_t in) {
  std::vector<double> a(static_cast<size_t>(rows * hidden));
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t j = 0; j < hidden; ++j) {
      double s = b[j];
      for (int64_t i = 0; i < in; ++i)
        s += x[n * in + i] * w[j * in + i];
      a[n * hidden + j] = s;
    }
  return a;
}

// The closed form in double: sum_j f'(a_j)^2 ||W_j||^2 per row.
std::vector<double> contractive_rows_ref(Act act, const std::vector<double>& x,
                                         const std::vector<double>& w, const std::vector<double>& b,
                                         int64_t rows, int64_t hidden, int64_t in) {
  const std::vector<double> a = preactivations(x, w, b, rows, hidden, in);
  std::vector<double> out(static_cast<size_t>(rows), 0.0);
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t j = 0; j < hidden; ++j) {
      double s = 0.0;
      for (int64_t i = 0; i < in; ++i)
        s += w[j * in + i] * w[j * in + i];
      const double d = act_fprime(act, a[n * hidden + j]);
      out[n] += d * d * s;
    }
  return out;
}

// A value generator that hands out a precomputed list in order (for distinct values).
ValueGen sequence(std::vector<double> values) {
  auto state = std::make_shared<std::pair<std::vector<double>, size_t>>(std::move(values), 0);
  return [state](Rng&) { return state->first[state->second++ % state->first.size()]; };
}

// Row-wise k-largest (ties: lower index) reference mask.
std::vector<double> topk_mask_ref(const std::vector<double>& h, int64_t rows, int64_t cols,
                                  int64_t k) {
  std::vector<double> mask(h.size(), 0.0);
  for (int64_t n = 0; n < rows; ++n) {
    std::vector<int64_t> idx(static_cast<size_t>(cols));
    std::iota(idx.begin(), idx.end(), 0);
    const double* x = h.data() + n * cols;
    std::stable_sort(idx.begin(), idx.end(), [x](int64_t a, int64_t b) { return x[a] > x[b]; });
    for (int64_t t = 0; t < k; ++t)
      mask[n * cols + idx[t]] = 1.0;
  }
  return mask;
}

// ---- the harness cases --------------------------------------------------------------------

OpCase l1_case(Shape shape) {
  OpCase c;
  c.name = "l1_penalty";
  c.inputs = {float_input("h", shape, uniform_away_from(-2, 2, 0, 0.05))};
  c.op = [](const std::vector<Tensor>& in) { return l1_penalty(in[0]); };
  c.output_shape = Shape{};
  c.reference = [](const HostValues& v) {
    double s = 0.0;
    for (double x : v[0])
      s += std::fabs(x);
    return std::vector<double>{s};
  };
  return c;
}

TEST_P(RegularizerOps, L1Penalty) {
  HG_REQUIRE_DEVICE(device());
  check_op(device(), [](Rng& rng) { return l1_case(Shape{pick(rng), pick(rng, {1, 3, 37})}); });
  check_op(device(), [](Rng& rng) { return l1_case(Shape{pick(rng, {1, 2}), 3, 5, 7}); });
  // Several blocks of the device sum (8192 elements per block at least).
  check_op(device(), [](Rng&) { return l1_case(Shape{3, 8200}); });
}

OpCase kl_sparsity_case(Rng& rng) {
  const int64_t rows = pick(rng, {1, 3, 7, 37}), units = pick(rng);
  const double rho = static_cast<float>(pick(rng, {5, 10, 30, 50}) / 100.0);
  OpCase c;
  c.name = "kl_sparsity, rho " + std::to_string(rho);
  c.inputs = {float_input("h", Shape{rows, units}, uniform(0.05, 0.95))};
  c.op = [rho](const std::vector<Tensor>& in) {
    return kl_sparsity(in[0], static_cast<float>(rho));
  };
  c.output_shape = Shape{};
  c.reference = [rows, units, rho](const HostValues& v) {
    return std::vector<double>{kl_sparsity_ref(v[0], rows, units, rho)};
  };
  c.forward = {1e-5, 2e-5};
  return c;
}

TEST_P(RegularizerOps, KlSparsity) {
  HG_REQUIRE_DEVICE(device());
  for (int i = 0; i < 3; ++i)
    check_op(device(), kl_sparsity_case);
}

// The UFLDL gradient check: central differences with eps = 1e-4 (absolute, as the inputs are
// below 1) of the double KL against the op's float gradient.
TEST_P(RegularizerOps, KlSparsityGradientWithUfldlEpsilon) {
  HG_REQUIRE_DEVICE(device());
  check_op(device(), [](Rng& rng) {
    OpCase c = kl_sparsity_case(rng);
    c.fd_step = 1e-4;
    c.fd_samples = 1000;  // every coordinate
    return c;
  });
}

// The formula the kernels share (regularizer_math.h), entirely in double: the analytic gradient
// of J = beta sum_j KL(rho || rho_hat_j) against central differences with eps = 1e-4, measured
// as UFLDL does, ||g - fd|| / ||g + fd||.
TEST(RegularizerMath, KlSparsityGradientMatchesUfldlCheckInDouble) {
  const int64_t rows = 10, units = 25;
  const double rho = 0.05, beta = 3.0;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> dist(0.05, 0.95);
  std::vector<double> h(static_cast<size_t>(rows * units));
  for (double& v : h)
    v = dist(rng);
  auto J = [&](const std::vector<double>& x) {
    double total = 0.0;
    for (int64_t j = 0; j < units; ++j) {
      double mean = 0.0;
      for (int64_t n = 0; n < rows; ++n)
        mean += x[n * units + j];
      total += kernels::kl_bernoulli(rho, kernels::kl_clamp_rho_hat(mean / rows));
    }
    return beta * total;
  };
  double diff2 = 0.0, sum2 = 0.0;
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t j = 0; j < units; ++j) {
      double mean = 0.0;
      for (int64_t m = 0; m < rows; ++m)
        mean += h[m * units + j];
      const double g = beta / rows * kernels::kl_bernoulli_derivative(rho, mean / rows);
      std::vector<double> plus = h, minus = h;
      plus[n * units + j] += 1e-4;
      minus[n * units + j] -= 1e-4;
      const double fd = (J(plus) - J(minus)) / 2e-4;
      diff2 += (g - fd) * (g - fd);
      sum2 += (g + fd) * (g + fd);
    }
  const double relative = std::sqrt(diff2) / std::sqrt(sum2);
  std::printf("[ measured ] KL sparsity UFLDL gradient check: ||g - fd|| / ||g + fd|| = %.3g\n",
              relative);
  EXPECT_LT(relative, 1e-9);
}

OpCase topk_case(Rng& rng, int64_t rows, int64_t cols) {
  const int64_t k = std::uniform_int_distribution<int64_t>(0, cols)(rng);
  // Distinct values at least 1e-2 apart, shuffled: no ties, and no finite-difference step can
  // change which units are kept.
  std::vector<double> values(static_cast<size_t>(rows * cols));
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = -1.0 + 0.01 * static_cast<double>(i);
  std::shuffle(values.begin(), values.end(), rng);
  OpCase c;
  c.name = "topk_rows, k " + std::to_string(k);
  c.inputs = {float_input("h", Shape{rows, cols}, sequence(values))};
  c.op = [k](const std::vector<Tensor>& in) { return topk_rows(in[0], k); };
  c.output_shape = Shape{rows, cols};
  c.reference = [rows, cols, k](const HostValues& v) {
    std::vector<double> out = topk_mask_ref(v[0], rows, cols, k);
    for (size_t i = 0; i < out.size(); ++i)
      out[i] *= v[0][i];
    return out;
  };
  return c;
}

TEST_P(RegularizerOps, TopkRows) {
  HG_REQUIRE_DEVICE(device());
  for (int i = 0; i < 3; ++i)
    check_op(device(), [](Rng& rng) { return topk_case(rng, pick(rng, {1, 3, 7}), pick(rng)); });
  // Both bitonic block sizes beyond one warp, and the bitwise threshold search (> 1024).
  check_op(device(), [](Rng& rng) { return topk_case(rng, 2, 200); });
  check_op(device(), [](Rng& rng) { return topk_case(rng, 2, 600); });
  check_op(device(), [](Rng& rng) { return topk_case(rng, 2, 1500); });
}

OpCase gaussian_kl_case(Rng& rng) {
  const int64_t rows = pick(rng, {1, 3, 7, 37}), cols = pick(rng, {1, 2, 20, 37});
  OpCase c;
  c.name = "gaussian_kl";
  c.inputs = {float_input("mu", Shape{rows, cols}, uniform(-2, 2)),
              float_input("logvar", Shape{rows, cols}, uniform(-3, 2))};
  c.op = [](const std::vector<Tensor>& in) { return gaussian_kl(in[0], in[1]); };
  c.output_shape = Shape{};
  c.reference = [rows](const HostValues& v) {
    double s = 0.0;
    for (size_t i = 0; i < v[0].size(); ++i)
      s += -0.5 * (1 + v[1][i] - v[0][i] * v[0][i] - std::exp(v[1][i]));
    return std::vector<double>{s / double(rows)};
  };
  return c;
}

TEST_P(RegularizerOps, GaussianKl) {
  HG_REQUIRE_DEVICE(device());
  for (int i = 0; i < 3; ++i)
    check_op(device(), gaussian_kl_case);
  // A row wider than 1024 (the 256-thread reduction on cuda).
  check_op(device(), [](Rng& rng) {
    OpCase c = gaussian_kl_case(rng);
    for (OpInput& in : c.inputs)
      in.shape = Shape{2, 1100};
    c.reference = [](const HostValues& v) {
      double s = 0.0;
      for (size_t i = 0; i < v[0].size(); ++i)
        s += -0.5 * (1 + v[1][i] - v[0][i] * v[0][i] - std::exp(v[1][i]));
      return std::vector<double>{s / 2.0};
    };
    return c;
  });
}

// h = f(x W^T + b) inside the op, so the finite differences go through x, W and b.
OpCase contractive_case(Act act, Rng& rng) {
  const int64_t rows = pick(rng, {1, 3, 7}), in = pick(rng, {1, 3, 7, 37});
  const int64_t hidden = pick(rng, {1, 7, 37, 129});  // 37 and 129: several 32-unit tiles
  OpCase c;
  c.name = std::string("contractive_penalty, ") + act_name(act);
  // ReLU: |b| >= 1 dominates |x W| <= 37 * 0.2 * 0.02, so no pre-activation comes near the kink.
  const bool relu = act == Act::kRelu;
  c.inputs = {
      float_input("x", Shape{rows, in}, relu ? uniform(-0.2, 0.2) : uniform(-1, 1)),
      float_input("weight", Shape{hidden, in}, relu ? uniform(-0.02, 0.02) : uniform(-0.5, 0.5)),
      float_input("bias", Shape{hidden}, relu ? signed_magnitude(1, 2) : uniform(-1, 1))};
  c.op = [act](const std::vector<Tensor>& v) {
    const Tensor h = act_apply(act, linear(v[0], v[1], v[2]));
    return contractive_penalty(h, v[1], act_name(act));
  };
  c.output_shape = Shape{};
  c.reference = [act, rows, hidden, in](const HostValues& v) {
    const std::vector<double> r = contractive_rows_ref(act, v[0], v[1], v[2], rows, hidden, in);
    return std::vector<double>{std::accumulate(r.begin(), r.end(), 0.0) / double(rows)};
  };
  c.forward = {1e-5, 1e-4};
  return c;
}

TEST_P(RegularizerOps, ContractivePenalty) {
  HG_REQUIRE_DEVICE(device());
  for (Act act : {Act::kSigmoid, Act::kTanh, Act::kRelu})
    for (int i = 0; i < 2; ++i)
      check_op(device(), [act](Rng& rng) { return contractive_case(act, rng); });
}

// ---- contractive: closed form vs the Jacobian built by brute force --------------------------

struct JacobianCase {
  int64_t rows = 4, hidden = 40, in = 13;
  std::vector<double> x, w, b;
};

JacobianCase jacobian_case(uint64_t seed) {
  JacobianCase jc;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(-1, 1);
  auto fill = [&](std::vector<double>& v, int64_t n, double scale) {
    v.resize(static_cast<size_t>(n));
    for (double& e : v)
      e = static_cast<float>(scale * dist(rng));  // float-representable: the op sees them exactly
  };
  fill(jc.x, jc.rows * jc.in, 1.0);
  fill(jc.w, jc.hidden * jc.in, 0.5);
  fill(jc.b, jc.hidden, 1.0);
  return jc;
}

// ||J(x_n)||_F^2 per row, with J = diag(f'(a)) W written out element by element.
std::vector<double> jacobian_explicit(Act act, const JacobianCase& jc) {
  const std::vector<double> a = preactivations(jc.x, jc.w, jc.b, jc.rows, jc.hidden, jc.in);
  std::vector<double> out(static_cast<size_t>(jc.rows), 0.0);
  for (int64_t n = 0; n < jc.rows; ++n)
    for (int64_t j = 0; j < jc.hidden; ++j)
      for (int64_t i = 0; i < jc.in; ++i) {
        const double jji = act_fprime(act, a[n * jc.hidden + j]) * jc.w[j * jc.in + i];
        out[n] += jji * jji;
      }
  return out;
}

// The Jacobian dh_j / dx_i of row n by central differences of h = f(W x + b), as a matrix.
std::vector<double> jacobian_fd_matrix(Act act, const JacobianCase& jc, int64_t n) {
  const double eps = 1e-5;
  std::vector<double> jac(static_cast<size_t>(jc.hidden * jc.in));
  std::vector<double> xn(jc.x.begin() + n * jc.in, jc.x.begin() + (n + 1) * jc.in);
  for (int64_t i = 0; i < jc.in; ++i) {
    std::vector<double> plus = xn, minus = xn;
    plus[i] += eps;
    minus[i] -= eps;
    const std::vector<double> ap = preactivations(plus, jc.w, jc.b, 1, jc.hidden, jc.in);
    const std::vector<double> am = preactivations(minus, jc.w, jc.b, 1, jc.hidden, jc.in);
    for (int64_t j = 0; j < jc.hidden; ++j)
      jac[j * jc.in + i] = (act_f(act, ap[j]) - act_f(act, am[j])) / (2 * eps);
  }
  return jac;
}

double frobenius2(const std::vector<double>& m) {
  double s = 0.0;
  for (double v : m)
    s += v * v;
  return s;
}

float run_contractive_op(Act act, const JacobianCase& jc, Device device) {
  auto tensor = [&](const std::vector<double>& v, Shape s) {
    return Tensor::from_vector(std::vector<float>(v.begin(), v.end()), s, device);
  };
  const Tensor w = tensor(jc.w, Shape{jc.hidden, jc.in});
  const Tensor h = act_apply(
      act, linear(tensor(jc.x, Shape{jc.rows, jc.in}), w, tensor(jc.b, Shape{jc.hidden})));
  return contractive_penalty(h, w, act_name(act)).item();
}

TEST_P(RegularizerOps, ContractiveClosedFormEqualsBruteForceJacobian) {
  HG_REQUIRE_DEVICE(device());
  // Sigmoid and tanh (ReLU's Jacobian has kinks that central differences cannot straddle).
  for (Act act : {Act::kSigmoid, Act::kTanh}) {
    SCOPED_TRACE(act_name(act));
    const JacobianCase jc = jacobian_case(11);
    const std::vector<double> closed =
        contractive_rows_ref(act, jc.x, jc.w, jc.b, jc.rows, jc.hidden, jc.in);
    const std::vector<double> explicit_j = jacobian_explicit(act, jc);
    double mean_fd = 0.0, mean_closed = 0.0, worst_fd = 0.0, worst_explicit = 0.0;
    for (int64_t n = 0; n < jc.rows; ++n) {
      const double fd = frobenius2(jacobian_fd_matrix(act, jc, n));
      worst_fd = std::max(worst_fd, std::fabs(closed[n] - fd) / fd);
      worst_explicit =
          std::max(worst_explicit, std::fabs(closed[n] - explicit_j[n]) / explicit_j[n]);
      mean_fd += fd / jc.rows;
      mean_closed += closed[n] / jc.rows;
    }
    const double op = run_contractive_op(act, jc, device());
    const double op_rel = std::fabs(op - mean_fd) / mean_fd;
    std::printf(
        "[ measured ] contractive %s: closed form vs diag(f')W rel %.2g, vs finite-difference "
        "Jacobian rel %.2g (double); op (float) vs brute force rel %.2g\n",
        act_name(act), worst_explicit, worst_fd, op_rel);
    EXPECT_LT(worst_explicit, 1e-6);
    EXPECT_LT(worst_fd, 1e-6);
    EXPECT_LT(op_rel, 1e-5);
    EXPECT_NEAR(mean_closed, mean_fd, 1e-6 * mean_fd);
  }
  // ReLU: J = diag([a > 0]) W exactly.
  const JacobianCase jc = jacobian_case(12);
  const std::vector<double> explicit_j = jacobian_explicit(Act::kRelu, jc);
  const double want = std::accumulate(explicit_j.begin(), explicit_j.end(), 0.0) / jc.rows;
  EXPECT_NEAR(run_contractive_op(Act::kRelu, jc, device()), want, 1e-5 * want);
}

// The penalty averages ||J(x_n)||_F^2 over the rows; the squared norm of the batch-mean Jacobian
// is a different (smaller, by Jensen) number whenever the rows' Jacobians differ.
TEST_P(RegularizerOps, ContractiveIsMeanOfSquaredNormsNotSquaredNormOfMean) {
  HG_REQUIRE_DEVICE(device());
  JacobianCase jc;
  jc.rows = 2, jc.hidden = 3, jc.in = 2;
  jc.x = {0.0, 0.0, 6.0, 6.0};  // row 0: every unit at its steepest; row 1: saturated units
  jc.w = {1.0, 0.5, -0.5, 1.0, 0.25, 0.25};
  jc.b = {0.0, 0.0, 0.0};
  const std::vector<double> per_row = jacobian_explicit(Act::kSigmoid, jc);
  const double mean_of_squares = (per_row[0] + per_row[1]) / 2;
  const std::vector<double> a = preactivations(jc.x, jc.w, jc.b, jc.rows, jc.hidden, jc.in);
  std::vector<double> mean_j(static_cast<size_t>(jc.hidden * jc.in), 0.0);
  for (int64_t n = 0; n < jc.rows; ++n)
    for (int64_t j = 0; j < jc.hidden; ++j)
      for (int64_t i = 0; i < jc.in; ++i)
        mean_j[j * jc.in + i] +=
            act_fprime(Act::kSigmoid, a[n * jc.hidden + j]) * jc.w[j * jc.in + i] / jc.rows;
  const double square_of_mean = frobenius2(mean_j);
  ASSERT_GT(std::fabs(mean_of_squares - square_of_mean), 0.1 * mean_of_squares)
      << "the case does not separate the two definitions";
  const double op = run_contractive_op(Act::kSigmoid, jc, device());
  EXPECT_NEAR(op, mean_of_squares, 1e-5 * mean_of_squares);
  EXPECT_GT(std::fabs(op - square_of_mean), 0.1 * mean_of_squares);
}

// ---- Gaussian KL vs Monte Carlo -------------------------------------------------------------

TEST_P(RegularizerOps, GaussianKlMatchesMonteCarlo) {
  HG_REQUIRE_DEVICE(device());
  const int64_t rows = 2, cols = 4;
  const std::vector<float> mu = {0.5f, -1.0f, 0.2f, 1.5f, 0.0f, 0.3f, -0.7f, 2.0f};
  const std::vector<float> logvar = {-0.5f, 0.3f, -1.2f, 0.8f, 0.0f, -2.0f, 1.0f, -0.1f};
  const float op = gaussian_kl(Tensor::from_vector(mu, Shape{rows, cols}, device()),
                               Tensor::from_vector(logvar, Shape{rows, cols}, device()))
                       .item();
  // z ~ q = N(mu, exp(logvar)): log q(z) - log p(z) = sum_j -logvar_j / 2 - eps_j^2 / 2 + z_j^2
  // / 2.
  const int samples = 200000;
  std::mt19937_64 rng(2024);
  std::normal_distribution<double> normal;
  double mean = 0.0, variance = 0.0;  // of the row-averaged sample
  for (int s = 0; s < samples; ++s) {
    double value = 0.0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < cols; ++j) {
        const double e = normal(rng), lv = logvar[r * cols + j];
        const double z = mu[r * cols + j] + std::exp(0.5 * lv) * e;
        value += (-0.5 * lv - 0.5 * e * e + 0.5 * z * z) / rows;
      }
    const double delta = value - mean;
    mean += delta / (s + 1);
    variance += delta * (value - mean);
  }
  const double stderr_mc = std::sqrt(variance / (samples - 1) / samples);
  std::printf("[ measured ] gaussian_kl on %s: op %.6f, Monte Carlo %.6f +- %.6f (%.2f SE)\n",
              device().str().c_str(), op, mean, stderr_mc, std::fabs(op - mean) / stderr_mc);
  EXPECT_LT(std::fabs(op - mean), 3 * stderr_mc);
}

// ---- k-sparse rows: ties and edge values of k ------------------------------------------------

TEST_P(RegularizerOps, TopkRowsTiesAndEdgeK) {
  HG_REQUIRE_DEVICE(device());
  const std::vector<float> values = {1, 3, 3, 2, 3, -0.0f, 0.0f, -1, 0.0f, -0.0f};
  // The kept units, read from the gradient of sum(y) (the mask), since kept and dropped zeros
  // look alike in y.
  auto kept = [&](int64_t k) {
    Tensor h = Tensor::from_vector(values, Shape{2, 5}, device());
    h.set_requires_grad(true);
    const Tensor y = topk_rows(h, k);
    const std::vector<float> yv = y.to_vector();
    backward(sum(y));
    const std::vector<float> mask = h.grad().to_vector();
    for (size_t i = 0; i < yv.size(); ++i)
      EXPECT_EQ(yv[i], mask[i] == 1.0f ? values[i] : 0.0f) << "k " << k << ", element " << i;
    return mask;
  };
  // Row 0: the three 3s tie and the lower indices win. Row 1: -0 == 0, four zeros tie.
  EXPECT_EQ(kept(2), (std::vector<float>{0, 1, 1, 0, 0, 1, 1, 0, 0, 0}));
  EXPECT_EQ(kept(4), (std::vector<float>{0, 1, 1, 1, 1, 1, 1, 0, 1, 1}));
  EXPECT_EQ(kept(1), (std::vector<float>{0, 1, 0, 0, 0, 1, 0, 0, 0, 0}));
  EXPECT_EQ(kept(0), std::vector<float>(10, 0.0f));
  EXPECT_EQ(kept(5), std::vector<float>(10, 1.0f));
  const Tensor h = Tensor::from_vector(values, Shape{2, 5}, device());
  for (int64_t bad : {int64_t{-1}, int64_t{6}})
    expect_error([&] { topk_rows(h, bad); },
                 {"topk_rows", "k must lie in [0, 5]", "[2, 5]", std::to_string(bad)});
  expect_error([&] { topk_rows(Tensor::zeros(Shape{5}, device()), 1); }, {"topk_rows", "[5]"});
}

// Wide rows with many ties (the threshold search on cuda) against the reference mask.
TEST_P(RegularizerOps, TopkRowsWideRowsWithTies) {
  HG_REQUIRE_DEVICE(device());
  const int64_t rows = 2, cols = 1100;
  std::vector<float> values(static_cast<size_t>(rows * cols));
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<float>((i * 7919) % 13) - 6.0f;  // 13 distinct values, many ties
  const Tensor h = Tensor::from_vector(values, Shape{rows, cols}, device());
  for (int64_t k : {int64_t{0}, int64_t{1}, int64_t{85}, int64_t{500}, cols}) {
    SCOPED_TRACE("k " + std::to_string(k));
    const std::vector<double> want =
        topk_mask_ref(std::vector<double>(values.begin(), values.end()), rows, cols, k);
    const std::vector<float> y = topk_rows(h, k).to_vector();
    int64_t mismatches = 0;
    for (size_t i = 0; i < y.size(); ++i)
      mismatches += y[i] != static_cast<float>(want[i] * values[i]);
    EXPECT_EQ(mismatches, 0);
  }
}

// ---- corruptions --------------------------------------------------------------------------

std::vector<uint32_t> bits_of(const std::vector<float>& v) {
  std::vector<uint32_t> out(v.size());
  std::memcpy(out.data(), v.data(), v.size() * sizeof(float));
  return out;
}

// x in [0.1, 0.9): never 0 or 1, so every hit of masking / salt-and-pepper is visible.
Tensor corruption_input(int64_t n, Device device) {
  Generator g(99);
  return Tensor::rand(Shape{n}, device, 0.1f, 0.9f, &g);
}

TEST_P(RegularizerOps, CorruptionStatistics) {
  HG_REQUIRE_DEVICE(device());
  const int64_t n = device().is_cpu() ? 400000 : 20000;
  const Tensor x = corruption_input(n, device());
  const std::vector<float> xv = x.to_vector();
  Generator gen(5);
  {  // masking: each input zeroed with probability nu
    const double nu = 0.3;
    const std::vector<float> y =
        corrupt(x, {Corruption::kMasking, 0.0f, true, static_cast<float>(nu)}, &gen).to_vector();
    int64_t zeros = 0, changed = 0;
    for (int64_t i = 0; i < n; ++i) {
      zeros += y[i] == 0.0f;
      changed += y[i] != 0.0f && y[i] != xv[i];
    }
    const double sigma = std::sqrt(nu * (1 - nu) / n);
    std::printf("[ measured ] masking on %s: zero fraction %.5f (nu %.2f, sigma %.5f)\n",
                device().str().c_str(), double(zeros) / n, nu, sigma);
    EXPECT_NEAR(double(zeros) / n, nu, 4 * sigma);
    EXPECT_EQ(changed, 0);
  }
  {  // salt and pepper: hit with probability nu, then 0 or 1 half and half
    const double nu = 0.2;
    const std::vector<float> y =
        corrupt(x, {Corruption::kSaltPepper, 0.0f, true, static_cast<float>(nu)}, &gen).to_vector();
    int64_t salt = 0, pepper = 0, other = 0;
    for (int64_t i = 0; i < n; ++i) {
      salt += y[i] == 1.0f;
      pepper += y[i] == 0.0f;
      other += y[i] != 1.0f && y[i] != 0.0f && y[i] != xv[i];
    }
    const int64_t hits = salt + pepper;
    EXPECT_NEAR(double(hits) / n, nu, 4 * std::sqrt(nu * (1 - nu) / n));
    EXPECT_NEAR(double(salt) / hits, 0.5, 4 * std::sqrt(0.25 / hits));
    EXPECT_EQ(other, 0);
  }
  {  // gaussian without clipping: y - x ~ N(0, sigma^2)
    const double sigma = 0.1;
    const std::vector<float> y =
        corrupt(x, {Corruption::kGaussian, static_cast<float>(sigma), false, 0.0f}, &gen)
            .to_vector();
    double mean = 0.0, m2 = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const double d = double(y[i]) - xv[i];
      mean += d;
      m2 += d * d;
    }
    mean /= n;
    const double sd = std::sqrt(m2 / n - mean * mean);
    std::printf("[ measured ] gaussian noise on %s: mean %.5f, std %.5f (sigma %.2f)\n",
                device().str().c_str(), mean, sd, sigma);
    EXPECT_NEAR(mean, 0.0, 4 * sigma / std::sqrt(double(n)));
    EXPECT_NEAR(sd, sigma, 4 * sigma / std::sqrt(2.0 * n));
  }
  {  // gaussian with clipping stays in [0, 1] and hits both ends
    const std::vector<float> y =
        corrupt(x, {Corruption::kGaussian, 0.5f, true, 0.0f}, &gen).to_vector();
    int64_t at0 = 0, at1 = 0, outside = 0;
    for (float v : y) {
      at0 += v == 0.0f;
      at1 += v == 1.0f;
      outside += !(v >= 0.0f && v <= 1.0f);
    }
    EXPECT_EQ(outside, 0);
    EXPECT_GT(at0, 0);
    EXPECT_GT(at1, 0);
  }
}

// The stream layout of backend.h: number 2i decides, number 2i + 1 picks salt or pepper; the
// Gaussian noise is normal number 2i. Checked against Tensor::rand / randn of 2n numbers drawn
// from the same generator state, and the generator advances by the 2n numbers.
TEST_P(RegularizerOps, CorruptionUsesTwoPhiloxNumbersPerElement) {
  HG_REQUIRE_DEVICE(device());
  const int64_t n = 1001;
  const Tensor x = corruption_input(n, device());
  const std::vector<float> xv = x.to_vector();
  Generator gen(77);
  gen.reserve(12);  // start at a non-zero offset
  Generator copy = gen;
  const float nu = 0.4f;
  const std::vector<float> y =
      corrupt(x, {Corruption::kSaltPepper, 0.0f, true, nu}, &gen).to_vector();
  EXPECT_EQ(gen.offset(), copy.offset() + static_cast<uint64_t>((2 * n + 3) / 4));
  const std::vector<float> u = Tensor::rand(Shape{2 * n}, device(), 0.0f, 1.0f, &copy).to_vector();
  for (int64_t i = 0; i < n; ++i) {
    const float want = u[2 * i] < nu ? (u[2 * i + 1] < 0.5f ? 0.0f : 1.0f) : xv[i];
    ASSERT_EQ(y[i], want) << "element " << i;
  }
  Generator g2(78), g2copy(78);
  const float sigma = 0.25f;
  const std::vector<float> yg =
      corrupt(x, {Corruption::kGaussian, sigma, false, 0.0f}, &g2).to_vector();
  const std::vector<float> z =
      Tensor::randn(Shape{2 * n}, device(), 0.0f, 1.0f, &g2copy).to_vector();
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(yg[i], xv[i] + sigma * z[2 * i]) << "element " << i;
}

TEST_P(RegularizerOps, CorruptionOffsetsDifferAndNoneIsIdentity) {
  HG_REQUIRE_DEVICE(device());
  const int64_t n = 3001;
  const Tensor x = corruption_input(n, device());
  Generator gen(3);
  const CorruptionOptions masking{Corruption::kMasking, 0.0f, true, 0.5f};
  const std::vector<float> a = corrupt(x, masking, &gen).to_vector();
  const std::vector<float> b = corrupt(x, masking, &gen).to_vector();
  int64_t differ = 0;
  for (int64_t i = 0; i < n; ++i)
    differ += (a[i] == 0.0f) != (b[i] == 0.0f);
  // Independent masks at nu = 1/2 disagree on about half the inputs.
  EXPECT_GT(differ, n / 3);
  const uint64_t before = gen.offset();
  const Tensor same = corrupt(x, CorruptionOptions{}, &gen);
  EXPECT_TRUE(same.same_storage(x));
  EXPECT_EQ(gen.offset(), before);
  // fraction 0 and 1 are exact.
  EXPECT_EQ(corrupt(x, {Corruption::kMasking, 0.0f, true, 0.0f}, &gen).to_vector(), x.to_vector());
  EXPECT_EQ(corrupt(x, {Corruption::kMasking, 0.0f, true, 1.0f}, &gen).to_vector(),
            std::vector<float>(n, 0.0f));
  // Not on the tape: the corrupted input is data.
  Tensor xg = x.clone().detach();
  xg.set_requires_grad(true);
  EXPECT_FALSE(corrupt(xg, masking, &gen).requires_grad());
}

TEST(RegularizerCrossDevice, CorruptionIsBitwiseEqualOnCpuAndCuda) {
  const Device cuda = Device::cuda(0);
  HG_REQUIRE_DEVICE(cuda);
  const int64_t n = 4099;
  const Tensor x_cpu = corruption_input(n, Device::cpu());
  const Tensor x_dev = x_cpu.to(cuda);
  const std::vector<CorruptionOptions> options = {
      {Corruption::kGaussian, 0.3f, false, 0.0f},
      {Corruption::kGaussian, 0.3f, true, 0.0f},
      {Corruption::kMasking, 0.0f, true, 0.25f},
      {Corruption::kSaltPepper, 0.0f, true, 0.25f},
  };
  for (const CorruptionOptions& o : options) {
    SCOPED_TRACE(corruption_name(o.kind));
    Generator g_cpu(1234), g_dev(1234);
    g_cpu.reserve(40), g_dev.reserve(40);
    const std::vector<float> cpu = corrupt(x_cpu, o, &g_cpu).to_vector();
    const std::vector<float> dev = corrupt(x_dev, o, &g_dev).to_vector();
    EXPECT_EQ(bits_of(cpu), bits_of(dev));
    EXPECT_EQ(g_cpu.offset(), g_dev.offset());
  }
}

TEST(RegularizerErrors, CorruptionParametersAndNames) {
  const Tensor x = Tensor::zeros(Shape{4});
  for (Corruption kind : {Corruption::kMasking, Corruption::kSaltPepper})
    for (float bad : {-0.1f, 1.5f})
      expect_error(
          [&] {
            corrupt(x, {kind, 0.0f, true, bad});
          },
          {"corrupt", corruption_name(kind), "fraction in [0, 1]"});
  expect_error(
      [&] {
        corrupt(x, {Corruption::kGaussian, -1.0f, true, 0.0f});
      },
      {"corrupt", "sigma >= 0", "-1"});
  for (Corruption kind :
       {Corruption::kNone, Corruption::kGaussian, Corruption::kMasking, Corruption::kSaltPepper})
    EXPECT_EQ(parse_corruption(corruption_name(kind)), kind);
  expect_error([] { parse_corruption("blur"); }, {"'blur'", "salt-and-pepper"});
}

TEST(RegularizerErrors, PenaltyInputsAreChecked) {
  const Tensor h = Tensor::full(Shape{2, 3}, 0.5f);
  expect_error([&] { kl_sparsity(h, 0.0f); }, {"kl_sparsity", "(0, 1)", "0"});
  expect_error([&] { kl_sparsity(h, 1.0f); }, {"kl_sparsity", "(0, 1)", "1"});
  expect_error([&] { kl_sparsity(Tensor::zeros(Shape{6}), 0.1f); }, {"kl_sparsity", "[6]"});
  expect_error([&] { kl_sparsity(Tensor::zeros(Shape{0, 3}), 0.1f); }, {"kl_sparsity", "no rows"});
  expect_error(
      [&] {
        gaussian_kl(h, Tensor::zeros(Shape{3, 2}));
      },
      {"gaussian_kl", "[2, 3]", "[3, 2]"});
  expect_error(
      [&] {
        contractive_penalty(h, Tensor::zeros(Shape{4, 5}), "sigmoid");
      },
      {"contractive_penalty", "[4, 5]", "hidden = 3"});
  expect_error(
      [&] {
        contractive_penalty(h, Tensor::zeros(Shape{3, 5}), "softplus");
      },
      {"contractive_penalty", "'softplus'", "sigmoid"});
}

// Repeated calls give bitwise the same penalties (no atomics in the sums), and the device agrees
// with the cpu on a multi-block L1 sum and multi-tile KL / contractive sums.
TEST_P(RegularizerOps, PenaltiesAreReproducible) {
  HG_REQUIRE_DEVICE(device());
  Generator g(8);
  const Tensor big = Tensor::randn(Shape{5, 6000}, device(), 0.0f, 1.0f, &g);
  const Tensor h = Tensor::rand(Shape{9, 100}, device(), 0.05f, 0.95f, &g);
  const Tensor w = Tensor::randn(Shape{100, 30}, device(), 0.0f, 0.3f, &g);
  auto values = [&] {
    return std::vector<float>{l1_penalty(big).item(), kl_sparsity(h, 0.1f).item(),
                              contractive_penalty(h, w, "sigmoid").item()};
  };
  const std::vector<float> first = values();
  EXPECT_EQ(bits_of(first), bits_of(values()));
  if (device().is_cuda()) {
    const std::vector<float> cpu = {
        l1_penalty(big.to(Device::cpu())).item(), kl_sparsity(h.to(Device::cpu()), 0.1f).item(),
        contractive_penalty(h.to(Device::cpu()), w.to(Device::cpu()), "sigmoid").item()};
    for (size_t i = 0; i < cpu.size(); ++i)
      EXPECT_NEAR(first[i], cpu[i], 1e-6 * std::fabs(cpu[i]));
  }
}

}  // namespace
}  // namespace hg::testing
