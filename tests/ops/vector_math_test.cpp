// vmath (kernels/cpu/vector_math.h), on every instruction set this machine runs (AVX-512F, AVX2,
// SSE2, scalar; each chosen through vmath::set_isa):
// - accuracy against double references over every 4093rd float bit pattern (all binades, both
//   signs, denormals), the special values (+-0, denormals, +-FLT_MAX, +-inf, NaN) and the edges
//   of each function (overflow and underflow of exp, log1p near -1, softplus's threshold), with
//   the maximum error in ulp (of the float result) measured, printed and asserted:
//     exp, expm1, log, log1p, tanh     <= 1.0 ulp (SLEEF's _u10 bound; asserted <= 1.001: where
//                                      tanh(x) or log1p(x) rounds to x itself at tiny x, the
//                                      error is 1.0000001 ulp)
//     sigmoid                          <= 2.5 ulp (exp's 1 ulp, damped, + an add and a divide)
//     softplus                         <= 2.0 ulp (exp's 1 ulp through log1p, + log1p's 1 ulp)
//   Measured once over all 2^32 floats (AVX-512): exp 0.988, expm1 1.000, log 0.628, log1p
//   1.000, tanh 1.000, sigmoid 2.402, softplus 1.500 ulp.
//   NaN where the reference is NaN, and the exact value where it is infinite;
// - the fused helpers: bitwise equal to their common/*.h formula evaluated with vmath's own
//   elementary functions (so they compute exactly that formula), and within a stated bound of
//   the formula itself as the CUDA twin evaluates it (common/*.h with libm):
//     sigmoid, softplus                <= 3 ulp of stable_sigmoid / Unary<kSoftplus> (libm)
//     bce_with_logits, bce             |diff| <= 4 ulp of 1 times the sum of the terms' magnitudes
//                                      (max(x, 0), x t and the log; t log p and (1 - t) log(1 - p))
//     bce_with_logits_derivative       |diff| <= 3 ulp of 1 (the sigmoid's) times |scale|
//     gaussian_kl_dlogvar              <= 3 ulp of |scale * 0.5 expm1| (libm's expm1f)
//     gaussian_kl_terms, kl_bernoulli  |diff| <= 4e-16 times the sum of the terms' magnitudes
//                                      (double; libm's exp and log)
// - determinism: every function gives bitwise the same element whatever n, offset (alignment)
//   and position, in place or not; the AVX2 lanes give the AVX-512 values bitwise;
// - the CPU kernels that use vmath give bitwise the same results on 1 and 2 threads.
// Random inputs print their seed (HG_TEST_SEED reproduces a run).
#include <gtest/gtest.h>
#include <omp.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cpu/vector_math.h"
#include "hourglass/kernels/common/loss_math.h"
#include "hourglass/kernels/common/regularizer_math.h"
#include "hourglass/kernels/common/unary_math.h"
#include "hourglass/kernels/cpu_backend.h"
#include "support/op_harness.h"

namespace {

namespace vmath = hg::kernels::cpu::vmath;
using hg::kernels::PointwiseLoss;
using vmath::Isa;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// ---- helpers ----------------------------------------------------------------------------------

float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

// The spacing of floats at |v| (denormal spacing below FLT_MIN; 2^104 at and above 2^128).
double float_ulp(double v) {
  const double a = std::fabs(v);
  if (a < FLT_MIN) return std::ldexp(1.0, -149);
  const int e = std::ilogb(a < 0x1p128 ? a : 0x1p128);
  return std::ldexp(1.0, e - 23);
}

// Error of y against the reference in ulp of the reference; infinities count as +-2^128 (so an
// overflow at the edge costs what rounding there costs); NaN matches only NaN (else +inf).
double ulp_error(float y, double ref) {
  if (std::isnan(ref) || std::isnan(y))
    return std::isnan(ref) && std::isnan(y) ? 0.0 : std::numeric_limits<double>::infinity();
  const auto clamp = [](double v) {
    return std::fabs(v) >= 0x1p128 ? std::copysign(0x1p128, v) : v;
  };
  const double r = clamp(ref), yy = clamp(y);
  return std::fabs(yy - r) / float_ulp(r);
}

bool same_bits_or_both_nan(float a, float b) {
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

// One element through a vmath array function (position-independent, so any call is this one).
float one(void (*f)(const float*, float*, int64_t), float x) {
  float y;
  f(&x, &y, 1);
  return y;
}

// Every 1021st bit pattern of the 2^32, the special values and each function's edges.
const std::vector<float>& sweep() {
  static const std::vector<float> values = [] {
    std::vector<float> v;
    for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 4093)
      v.push_back(from_bits(static_cast<uint32_t>(b)));
    const float specials[] = {
        0.0f,        -0.0f,      FLT_TRUE_MIN, -FLT_TRUE_MIN, 1e-40f,     -1e-40f,
        FLT_MIN,     -FLT_MIN,   FLT_MAX,      -FLT_MAX,      kInf,       -kInf,
        kNaN,        1.0f,       -1.0f,        0.5f,          88.72283f,  88.72284f,
        89.0f,       -87.33655f, -103.97f,     -104.0f,       -150.0f,    -0.99999994f,
        -0.9999999f, 1e38f,      3e38f,        20.0f,         20.000002f, 19.999998f,
        1e-7f,       -1e-7f,     9.0f,         -9.0f,         15.0f,      -15.0f};
    v.insert(v.end(), std::begin(specials), std::end(specials));
    return v;
  }();
  return values;
}

// ---- references -------------------------------------------------------------------------------

double sigmoid_ref(double x) {
  return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
}
double softplus_ref(double x) {
  return x > 20.0 ? x : std::log1p(std::exp(x));
}

struct UnaryCase {
  const char* name;
  void (*f)(const float*, float*, int64_t);
  double (*ref)(double);
  double bound;  // ulp
};

const std::vector<UnaryCase>& unary_cases() {
  static const std::vector<UnaryCase> cases = {
      {"exp", vmath::exp, [](double x) { return std::exp(x); }, 1.001},
      {"expm1", vmath::expm1, [](double x) { return std::expm1(x); }, 1.001},
      {"log", vmath::log, [](double x) { return std::log(x); }, 1.001},
      {"log1p", vmath::log1p, [](double x) { return std::log1p(x); }, 1.001},
      {"tanh", vmath::tanh, [](double x) { return std::tanh(x); }, 1.001},
      {"sigmoid", vmath::sigmoid, sigmoid_ref, 2.5},
      {"softplus", vmath::softplus, softplus_ref, 2.0},
  };
  return cases;
}

// ---- fixture: one instruction set per instance ------------------------------------------------

class VectorMath : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    saved_ = vmath::isa();
    if (!vmath::isa_available(GetParam()))
      GTEST_SKIP() << vmath::isa_name(GetParam()) << " is not available here";
    vmath::set_isa(GetParam());
  }
  void TearDown() override { vmath::set_isa(saved_); }

 private:
  Isa saved_ = Isa::kScalar;
};

INSTANTIATE_TEST_SUITE_P(Isas, VectorMath,
                         ::testing::Values(Isa::kAvx512, Isa::kAvx2, Isa::kSse2, Isa::kScalar),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(vmath::isa_name(info.param));
                         });

TEST_P(VectorMath, ElementaryAndActivationsWithinTheirUlpBounds) {
  const std::vector<float>& x = sweep();
  std::vector<float> y(x.size());
  for (const UnaryCase& c : unary_cases()) {
    c.f(x.data(), y.data(), static_cast<int64_t>(x.size()));
    double worst = 0.0;
    float worst_x = 0.0f;
    for (size_t i = 0; i < x.size(); ++i) {
      const double e = ulp_error(y[i], c.ref(static_cast<double>(x[i])));
      if (e > worst) {
        worst = e;
        worst_x = x[i];
      }
    }
    std::printf("[ %s ] %-8s max error %.3f ulp (at x = %a)\n", vmath::isa_name(GetParam()), c.name,
                worst, worst_x);
    EXPECT_LE(worst, c.bound) << c.name << " at x = " << worst_x;
  }
}

TEST_P(VectorMath, SpecialValues) {
  EXPECT_EQ(one(vmath::exp, -kInf), 0.0f);
  EXPECT_EQ(one(vmath::exp, kInf), kInf);
  EXPECT_EQ(one(vmath::exp, 89.0f), kInf);
  EXPECT_EQ(one(vmath::exp, -0.0f), 1.0f);
  EXPECT_EQ(one(vmath::log, 0.0f), -kInf);
  EXPECT_EQ(one(vmath::log, -0.0f), -kInf);
  EXPECT_TRUE(std::isnan(one(vmath::log, -1.0f)));
  EXPECT_EQ(one(vmath::log1p, -1.0f), -kInf);
  EXPECT_TRUE(std::isnan(one(vmath::log1p, -2.0f)));
  EXPECT_EQ(one(vmath::log1p, kInf), kInf);
  // SLEEF 3.5's log1pf alone gives +inf above 1e38; vmath::log1p does not.
  EXPECT_FLOAT_EQ(one(vmath::log1p, 3e38f), std::log(3e38f));
  EXPECT_EQ(one(vmath::tanh, kInf), 1.0f);
  EXPECT_EQ(one(vmath::tanh, -kInf), -1.0f);
  EXPECT_EQ(one(vmath::sigmoid, kInf), 1.0f);
  EXPECT_EQ(one(vmath::sigmoid, -kInf), 0.0f);
  EXPECT_EQ(one(vmath::sigmoid, 0.0f), 0.5f);
  EXPECT_EQ(one(vmath::sigmoid, -200.0f), 0.0f);
  EXPECT_EQ(one(vmath::softplus, kInf), kInf);
  EXPECT_EQ(one(vmath::softplus, -kInf), 0.0f);
  EXPECT_EQ(one(vmath::softplus, 25.0f), 25.0f);  // above the threshold: x itself
  for (const UnaryCase& c : unary_cases())
    EXPECT_TRUE(std::isnan(one(c.f, kNaN))) << c.name;
}

// Random inputs for the two-argument helpers: x in [lo, hi), t in [0, 1] incl. 0 and 1.
struct Pairs {
  std::vector<float> x, t;
};
Pairs random_pairs(uint64_t seed, float lo, float hi, size_t n) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> ux(lo, hi), ut(0.0f, 1.0f);
  Pairs p;
  for (size_t i = 0; i < n; ++i) {
    p.x.push_back(ux(rng));
    p.t.push_back(i % 7 == 0 ? 0.0f : (i % 7 == 1 ? 1.0f : ut(rng)));
  }
  return p;
}

TEST_P(VectorMath, FusedHelpersComputeTheirFormulas) {
  const uint64_t seed = hg::testing::test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  // Logits over a wide range plus the sweep's finite values; probabilities in [0, 1].
  Pairs lg = random_pairs(seed, -30.0f, 30.0f, 20000);
  for (size_t i = 0; i < sweep().size(); i += 8)  // an eighth of the sweep: every binade
    if (std::isfinite(sweep()[i])) {
      lg.x.push_back(sweep()[i]);
      lg.t.push_back(lg.t.size() % 2 ? 1.0f : 0.25f);
    }
  Pairs pr = random_pairs(seed + 1, 0.0f, 1.0f, 20000);
  for (float v : {0.0f, 1.0f, FLT_TRUE_MIN, 1e-30f, 0.99999994f, 1.0f - 1e-7f})
    for (float t : {0.0f, 0.5f, 1.0f}) {
      pr.x.push_back(v);
      pr.t.push_back(t);
    }
  const auto n = [](const Pairs& p) { return static_cast<int64_t>(p.x.size()); };
  const float scale = 0.37f;
  const double eps = std::ldexp(1.0, -24);  // half an ulp of 1

  std::vector<float> a(lg.x.size()), b(lg.x.size());
  double worst_sig = 0, worst_sp = 0, worst_bl = 0, worst_bld = 0, worst_bce = 0;
  // mul_sigmoid = a * sigmoid(x); bce_with_logits and its derivative.
  vmath::mul_sigmoid(lg.t.data(), lg.x.data(), a.data(), n(lg));
  for (size_t i = 0; i < lg.x.size(); ++i)
    ASSERT_TRUE(same_bits_or_both_nan(a[i], lg.t[i] * one(vmath::sigmoid, lg.x[i])));
  vmath::bce_with_logits(lg.x.data(), lg.t.data(), a.data(), n(lg));
  vmath::bce_with_logits_derivative(lg.x.data(), lg.t.data(), scale, b.data(), n(lg));
  for (size_t i = 0; i < lg.x.size(); ++i) {
    const float x = lg.x[i], t = lg.t[i];
    const float l = one(vmath::log1p, one(vmath::exp, -std::fabs(x)));
    const float linear = (x > 0.0f ? x : 0.0f) - x * t;
    ASSERT_TRUE(same_bits_or_both_nan(a[i], linear + l)) << "x " << x << " t " << t;
    ASSERT_TRUE(same_bits_or_both_nan(b[i], scale * (one(vmath::sigmoid, x) - t)));
    const double terms =
        std::fmax(x, 0.0f) + std::fabs(x * t) + std::log1p(std::exp(-std::fabs(x)));
    const float def = hg::kernels::pointwise_loss_value(PointwiseLoss::kBceWithLogits, x, t);
    worst_bl = std::fmax(worst_bl, std::fabs(a[i] - def) / (2 * eps * terms));
    const float ddef =
        scale * hg::kernels::pointwise_loss_derivative(PointwiseLoss::kBceWithLogits, x, t);
    worst_bld = std::fmax(worst_bld, std::fabs(b[i] - ddef) / (2 * eps * scale));
    // sigmoid and softplus against their libm-based definitions.
    worst_sig =
        std::fmax(worst_sig, ulp_error(one(vmath::sigmoid, x), hg::kernels::stable_sigmoid(x)));
    worst_sp = std::fmax(
        worst_sp, ulp_error(one(vmath::softplus, x),
                            hg::kernels::Unary<hg::kernels::UnaryOp::kSoftplus>::forward(x, 0.0f)));
  }
  // bce on probabilities.
  std::vector<float> c(pr.x.size());
  vmath::bce(pr.x.data(), pr.t.data(), c.data(), n(pr));
  for (size_t i = 0; i < pr.x.size(); ++i) {
    const float p = pr.x[i], t = pr.t[i];
    const float lp = std::fmax(one(vmath::log, p), -100.0f);
    const float l1p = std::fmax(one(vmath::log, 1.0f - p), -100.0f);
    ASSERT_TRUE(same_bits_or_both_nan(c[i], -(t * lp + (1.0f - t) * l1p))) << "p " << p;
    const float def = hg::kernels::pointwise_loss_value(PointwiseLoss::kBce, p, t);
    const double terms = std::fabs(t * lp) + std::fabs((1.0f - t) * l1p);
    worst_bce = std::fmax(worst_bce, terms > 0 ? std::fabs(c[i] - def) / (2 * eps * terms) : 0.0);
  }
  std::printf(
      "[ %s ] vs libm formulas: sigmoid %.2f ulp, softplus %.2f ulp, bce_with_logits %.2f, "
      "its derivative %.2f, bce %.2f (ulp of the largest term)\n",
      vmath::isa_name(GetParam()), worst_sig, worst_sp, worst_bl, worst_bld, worst_bce);
  EXPECT_LE(worst_sig, 3.0);
  EXPECT_LE(worst_sp, 3.0);
  EXPECT_LE(worst_bl, 4.0);
  EXPECT_LE(worst_bld, 3.0);
  EXPECT_LE(worst_bce, 4.0);
}

TEST_P(VectorMath, RegularizerTermsComputeTheirFormulas) {
  const uint64_t seed = hg::testing::test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> umu(-5.0f, 5.0f), ulv(-20.0f, 20.0f), uh(0.0f, 1.0f);
  std::vector<float> mu, lv, h;
  for (int i = 0; i < 20000; ++i) {
    mu.push_back(umu(rng));
    lv.push_back(i % 5 == 0 ? ulv(rng) * 1e-4f : ulv(rng));  // many near 0, where expm1 matters
    h.push_back(i % 11 == 0 ? 1e-6f : uh(rng));
  }
  for (float v : {0.0f, -0.0f, 1e-30f, -1e-30f, 80.0f, -80.0f, 88.7f, -100.0f}) {
    mu.push_back(v);
    lv.push_back(v);
    h.push_back(0.999999f);
  }
  const int64_t n = static_cast<int64_t>(mu.size());
  const float scale = -1.75f;
  const double rho = 0.05;
  std::vector<double> kl(mu.size()), kb(mu.size());
  std::vector<float> dlv(mu.size());
  vmath::gaussian_kl_terms(mu.data(), lv.data(), kl.data(), n);
  vmath::gaussian_kl_dlogvar(lv.data(), scale, dlv.data(), n);
  vmath::kl_bernoulli_terms(rho, h.data(), kb.data(), n);
  double worst_kl = 0, worst_dlv = 0, worst_kb = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double m = mu[i], l = lv[i], q = h[i];
    const double mag = 1.0 + std::fabs(l) + m * m + std::exp(l);
    worst_kl =
        std::fmax(worst_kl, std::fabs(kl[i] - hg::kernels::gaussian_kl_term(mu[i], lv[i])) / mag);
    const double kmag =
        std::fabs(rho * std::log(rho / q)) + std::fabs((1 - rho) * std::log((1 - rho) / (1 - q)));
    worst_kb = std::fmax(worst_kb, std::fabs(kb[i] - hg::kernels::kl_bernoulli(rho, q)) / kmag);
    float e;
    vmath::expm1(&lv[i], &e, 1);
    ASSERT_TRUE(same_bits_or_both_nan(dlv[i], scale * (0.5f * e)));
    worst_dlv =
        std::fmax(worst_dlv, ulp_error(dlv[i], scale * hg::kernels::gaussian_kl_dlogvar(lv[i])));
  }
  std::printf(
      "[ %s ] vs libm formulas: gaussian_kl_terms %.2e, kl_bernoulli %.2e (relative to the "
      "terms' magnitudes), gaussian_kl_dlogvar %.2f ulp\n",
      vmath::isa_name(GetParam()), worst_kl, worst_kb, worst_dlv);
  EXPECT_LE(worst_kl, 4e-16);
  EXPECT_LE(worst_kb, 4e-16);
  EXPECT_LE(worst_dlv, 3.0);
}

// Every function, every n in [0, 40] and offset in [0, 17], in place and not: bitwise the
// elements of one call over the whole array.
TEST_P(VectorMath, ResultsDoNotDependOnLengthOffsetOrPosition) {
  const uint64_t seed = hg::testing::test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-30.0f, 30.0f), u01(0.0f, 1.0f);
  constexpr int kLen = 64;
  std::vector<float> x(kLen), t(kLen);
  for (int i = 0; i < kLen; ++i) {
    x[i] = i % 9 == 0 ? sweep()[rng() % sweep().size()] : u(rng);
    t[i] = u01(rng);
  }
  using Fn = std::function<void(const float* x, const float* t, float* y, int64_t n)>;
  const std::vector<std::pair<const char*, Fn>> fns = {
      {"exp", [](const float* a, const float*, float* y, int64_t n) { vmath::exp(a, y, n); }},
      {"expm1", [](const float* a, const float*, float* y, int64_t n) { vmath::expm1(a, y, n); }},
      {"log", [](const float* a, const float*, float* y, int64_t n) { vmath::log(a, y, n); }},
      {"log1p", [](const float* a, const float*, float* y, int64_t n) { vmath::log1p(a, y, n); }},
      {"tanh", [](const float* a, const float*, float* y, int64_t n) { vmath::tanh(a, y, n); }},
      {"sigmoid",
       [](const float* a, const float*, float* y, int64_t n) { vmath::sigmoid(a, y, n); }},
      {"softplus",
       [](const float* a, const float*, float* y, int64_t n) { vmath::softplus(a, y, n); }},
      {"mul_sigmoid",
       [](const float* a, const float* b, float* y, int64_t n) { vmath::mul_sigmoid(b, a, y, n); }},
      {"bce_with_logits", [](const float* a, const float* b, float* y,
                             int64_t n) { vmath::bce_with_logits(a, b, y, n); }},
      {"bce_with_logits_derivative",
       [](const float* a, const float* b, float* y, int64_t n) {
         vmath::bce_with_logits_derivative(a, b, 0.3f, y, n);
       }},
      {"bce", [](const float* a, const float* b, float* y, int64_t n) { vmath::bce(b, a, y, n); }},
      {"gaussian_kl_dlogvar", [](const float* a, const float*, float* y,
                                 int64_t n) { vmath::gaussian_kl_dlogvar(a, 0.3f, y, n); }},
      // The double-valued ones, their results stored as two floats' bits.
      {"gaussian_kl_terms",
       [](const float* a, const float* b, float* y, int64_t n) {
         std::vector<double> d(static_cast<size_t>(n) + 1);  // never empty: d.data() != nullptr
         vmath::gaussian_kl_terms(b, a, d.data(), n);
         std::memcpy(y, d.data(), static_cast<size_t>(n) * sizeof(double));
       }},
      {"kl_bernoulli_terms",
       [](const float*, const float* b, float* y, int64_t n) {
         std::vector<double> d(static_cast<size_t>(n) + 1);  // never empty: d.data() != nullptr
         vmath::kl_bernoulli_terms(0.05, b, d.data(), n);
         std::memcpy(y, d.data(), static_cast<size_t>(n) * sizeof(double));
       }},
  };
  for (const auto& [name, f] : fns) {
    SCOPED_TRACE(name);
    const bool doubles = std::string(name).find("terms") != std::string::npos;
    const int per = doubles ? 2 : 1;  // floats of output per element
    std::vector<float> whole(kLen * per);
    f(x.data(), t.data(), whole.data(), kLen);
    for (int offset = 0; offset <= 17; ++offset)
      for (int n = 0; n <= 40; ++n) {
        std::vector<float> y(n * per + 1, -7.0f);  // one guard element past the end
        f(x.data() + offset, t.data() + offset, y.data(), n);
        ASSERT_EQ(0, std::memcmp(y.data(), whole.data() + offset * per, n * per * sizeof(float)))
            << "offset " << offset << " n " << n;
        ASSERT_EQ(y[n * per], -7.0f) << "wrote past the end, n " << n;
        if (!doubles && n > 0) {  // in place: y aliases x
          std::vector<float> xi(x.begin() + offset, x.begin() + offset + n);
          f(xi.data(), t.data() + offset, xi.data(), n);
          ASSERT_EQ(0, std::memcmp(xi.data(), whole.data() + offset, n * sizeof(float)));
        }
      }
  }
}

// AVX2 gives the AVX-512 values bitwise (same FMA-based algorithms); only NaN bits may differ.
TEST(VectorMathIsas, Avx2MatchesAvx512Bitwise) {
  if (!vmath::isa_available(Isa::kAvx512) || !vmath::isa_available(Isa::kAvx2))
    GTEST_SKIP() << "needs both AVX-512F and AVX2";
  const Isa saved = vmath::isa();
  const std::vector<float>& x = sweep();
  const int64_t n = static_cast<int64_t>(x.size());
  for (const UnaryCase& c : unary_cases()) {
    std::vector<float> y512(x.size()), y2(x.size());
    vmath::set_isa(Isa::kAvx512);
    c.f(x.data(), y512.data(), n);
    vmath::set_isa(Isa::kAvx2);
    c.f(x.data(), y2.data(), n);
    for (size_t i = 0; i < x.size(); ++i)
      ASSERT_TRUE(same_bits_or_both_nan(y512[i], y2[i])) << c.name << " x = " << x[i];
  }
  vmath::set_isa(saved);
}

TEST(VectorMathIsas, DefaultIsTheWidestAvailable) {
  const Isa widest = vmath::isa_available(Isa::kAvx512) ? Isa::kAvx512
                     : vmath::isa_available(Isa::kAvx2) ? Isa::kAvx2
                     : vmath::isa_available(Isa::kSse2) ? Isa::kSse2
                                                        : Isa::kScalar;
  EXPECT_EQ(vmath::isa(), widest) << vmath::isa_name(vmath::isa());
  EXPECT_TRUE(vmath::isa_available(Isa::kScalar));
}

// The CPU kernels built on vmath: bitwise the same on 1 and 2 threads (n above the parallel
// threshold, not a multiple of a block), and the unary ones bitwise vmath's values.
TEST(VectorMathKernels, ThreadCountDoesNotChangeResults) {
  const uint64_t seed = hg::testing::test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  auto& cpu = hg::kernels::cpu_backend();
  const int64_t n = 100003;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-12.0f, 12.0f), u01(0.001f, 0.999f);
  std::vector<float> x(n), t(n), p(n), dy(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = u(rng);
    t[i] = u01(rng);
    p[i] = u01(rng);
    dy[i] = u(rng);
  }
  const float one_f = 1.0f;
  using Run = std::function<void(float* out)>;
  using hg::kernels::UnaryOp;
  const std::vector<std::pair<const char*, Run>> runs = {
      {"exp", [&](float* o) { cpu.unary(UnaryOp::kExp, 0, x.data(), o, n); }},
      {"log", [&](float* o) { cpu.unary(UnaryOp::kLog, 0, p.data(), o, n); }},
      {"sigmoid", [&](float* o) { cpu.unary(UnaryOp::kSigmoid, 0, x.data(), o, n); }},
      {"tanh", [&](float* o) { cpu.unary(UnaryOp::kTanh, 0, x.data(), o, n); }},
      {"softplus", [&](float* o) { cpu.unary(UnaryOp::kSoftplus, 0, x.data(), o, n); }},
      {"softplus_backward",
       [&](float* o) {
         cpu.unary_backward(UnaryOp::kSoftplus, 0, x.data(), p.data(), dy.data(), o, n);
       }},
      {"bce_with_logits",
       [&](float* o) {
         cpu.pointwise_loss(PointwiseLoss::kBceWithLogits, x.data(), t.data(), o, n);
       }},
      {"bce_with_logits_backward",
       [&](float* o) {
         cpu.pointwise_loss_backward(PointwiseLoss::kBceWithLogits, x.data(), t.data(), &one_f,
                                     0.01f, o, n);
       }},
      {"bce", [&](float* o) { cpu.pointwise_loss(PointwiseLoss::kBce, p.data(), t.data(), o, n); }},
      {"gaussian_kl_backward",
       [&](float* o) {
         cpu.gaussian_kl_backward(t.data(), x.data(), &one_f, 0.5f, nullptr, o, n);
       }},
      {"gaussian_kl (rows of 7)",
       [&](float* o) { cpu.gaussian_kl(t.data(), x.data(), o, n / 7, 7); }},
      {"kl_sparsity",
       [&](float* o) {
         std::vector<float> rho_hat(n / 97);
         cpu.kl_sparsity(p.data(), 0.05f, rho_hat.data(), o, 97, n / 97);
       }},
  };
  const int saved = omp_get_max_threads();
  for (const auto& [name, run] : runs) {
    std::vector<float> one_thread(n, 0.0f), two_threads(n, 0.0f);
    omp_set_num_threads(1);
    run(one_thread.data());
    omp_set_num_threads(2);
    run(two_threads.data());
    EXPECT_EQ(0, std::memcmp(one_thread.data(), two_threads.data(), n * sizeof(float))) << name;
  }
  omp_set_num_threads(saved);
  std::vector<float> k(n), v(n);
  cpu.unary(UnaryOp::kSigmoid, 0, x.data(), k.data(), n);
  vmath::sigmoid(x.data(), v.data(), n);
  EXPECT_EQ(0, std::memcmp(k.data(), v.data(), n * sizeof(float)));
}

TEST(VectorMathIsas, NamesAndSwitching) {
  EXPECT_STREQ(vmath::isa_name(Isa::kAvx512), "avx512f");
  EXPECT_STREQ(vmath::isa_name(Isa::kAvx2), "avx2");
  EXPECT_STREQ(vmath::isa_name(Isa::kSse2), "sse2");
  EXPECT_STREQ(vmath::isa_name(Isa::kScalar), "scalar");
  const Isa saved = vmath::isa();
  vmath::set_isa(Isa::kScalar);
  EXPECT_EQ(vmath::isa(), Isa::kScalar);
  vmath::set_isa(saved);
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2, Isa::kSse2}) {
    if (!vmath::isa_available(isa)) {
      EXPECT_THROW(vmath::set_isa(isa), std::invalid_argument);
    }
  }
}

}  // namespace
