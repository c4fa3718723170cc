// The vmath functions (vector_math.h) written once over a "lanes" type L, which each
// vector_math_<isa>.cpp defines for its instruction set and instantiates with make_table<L>().
// Included only by those files, each compiled with its instruction set's flags: L lives in that
// file's unnamed namespace, so every instantiation here has internal linkage and no copy compiled
// for one instruction set can be picked by the linker for another. For the same reason this file
// calls no inline library function (std::min and the like), only L's members.
//
// L provides, for float vectors F of L::kWidth lanes (masks M) and double vectors D of
// L::kDWidth lanes:
//   F load(const float*), store(float*, F), set(float); D load_d(const float*) (kDWidth floats,
//   widened), store_d(double*, D), set_d(double);
//   add, sub, mul, div on F and on D; max(a, b) = a > b ? a : b (so b when either is NaN, as
//   fmaxf(a, b) when b is a number); abs, neg (sign-bit operations);
//   M ge(a, b), gt(a, b) (false on NaN); select(m, a, b) = m ? a : b; bool any(M);
//   SLEEF's 1.0-ulp exp, expm1, log, log1p, tanh on F, and exp, log on D.
#pragma once

#include <cstdint>

#include "vector_math_isa.h"

namespace hg::kernels::cpu::vmath::lanes {

// body(in, out) on every whole vector of the arrays in[0..K) and out, then once more on the
// tail's elements copied into zero-padded vectors: the tail takes the same SIMD path as the rest
// (zeros are valid inputs of every function here; their results are dropped).
template <int W, int K, class Out, class Body>
inline void for_each_vector(const float* const (&in)[K], Out* out, int64_t n, Body body) {
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    const float* p[K];
    for (int k = 0; k < K; ++k)
      p[k] = in[k] + i;
    body(p, out + i);
  }
  const int64_t rest = n - i;
  if (rest <= 0) return;
  float padded[K][W] = {};
  const float* p[K];
  for (int k = 0; k < K; ++k) {
    for (int64_t j = 0; j < rest; ++j)
      padded[k][j] = in[k][i + j];
    p[k] = padded[k];
  }
  Out result[W];
  body(p, result);
  for (int64_t j = 0; j < rest; ++j)
    out[i + j] = result[j];
}

// ---- per-vector formulas ----------------------------------------------------------------------
// SLEEF 3.5's log1pf returns +inf above 1e38; there 1 + x rounds to x, so log(x) is the answer.
template <class L>
inline typename L::F log1p_v(typename L::F x) {
  const typename L::F r = L::log1p(x);
  const auto huge = L::gt(x, L::set(1e38f));
  return L::any(huge) ? L::select(huge, L::log(x), r) : r;
}

// stable_sigmoid: e = exp(-|x|) is exp(-x) for x >= 0 and exp(x) below, never of a positive
// number; then 1 / (1 + e) or e / (1 + e).
template <class L>
inline typename L::F sigmoid_v(typename L::F x) {
  const typename L::F e = L::exp(L::neg(L::abs(x)));
  const typename L::F d = L::add(L::set(1.0f), e);
  return L::select(L::ge(x, L::set(0.0f)), L::div(L::set(1.0f), d), L::div(e, d));
}

// ---- array functions (the Table's entries) ----------------------------------------------------
template <class L, class Fn>
inline void map1(const float* x, float* y, int64_t n, Fn f) {
  const float* in[1] = {x};
  for_each_vector<L::kWidth>(
      in, y, n, [f](const float* const* p, float* o) { L::store(o, f(L::load(p[0]))); });
}

template <class L, class Fn>
inline void map2(const float* a, const float* b, float* y, int64_t n, Fn f) {
  const float* in[2] = {a, b};
  for_each_vector<L::kWidth>(in, y, n, [f](const float* const* p, float* o) {
    L::store(o, f(L::load(p[0]), L::load(p[1])));
  });
}

template <class L>
void exp(const float* x, float* y, int64_t n) {
  map1<L>(x, y, n, [](typename L::F v) { return L::exp(v); });
}
template <class L>
void expm1(const float* x, float* y, int64_t n) {
  map1<L>(x, y, n, [](typename L::F v) { return L::expm1(v); });
}
template <class L>
void log(const float* x, float* y, int64_t n) {
  map1<L>(x, y, n, [](typename L::F v) { return L::log(v); });
}
template <class L>
void log1p(const float* x, float* y, int64_t n) {
  map1<L>(x, y, n, [](typename L::F v) { return log1p_v<L>(v); });
}
template <class L>
void tanh(const float* x, float* y, int64_t n) {
  map1<L>(x, y, n, [](typename L::F v) { return L::tanh(v); });
}
template <class L>
void sigmoid(const float* x, float* y, int64_t n) {
  map1<L>(x, y, n, [](typename L::F v) { return sigmoid_v<L>(v); });
}

// x > 20 ? x : log1p(exp(x)).
template <class L>
void softplus(const float* x, float* y, int64_t n) {
  map1<L>(x, y, n, [](typename L::F v) {
    return L::select(L::gt(v, L::set(20.0f)), v, log1p_v<L>(L::exp(v)));
  });
}

template <class L>
void mul_sigmoid(const float* a, const float* x, float* y, int64_t n) {
  map2<L>(a, x, y, n,
          [](typename L::F va, typename L::F vx) { return L::mul(va, sigmoid_v<L>(vx)); });
}

// (max(x, 0) - x t) + log1p(exp(-|x|)).
template <class L>
void bce_with_logits(const float* x, const float* t, float* loss, int64_t n) {
  map2<L>(x, t, loss, n, [](typename L::F vx, typename L::F vt) {
    const typename L::F linear = L::sub(L::max(vx, L::set(0.0f)), L::mul(vx, vt));
    return L::add(linear, log1p_v<L>(L::exp(L::neg(L::abs(vx)))));
  });
}

// scale (sigmoid(x) - t).
template <class L>
void bce_with_logits_derivative(const float* x, const float* t, float scale, float* dx, int64_t n) {
  map2<L>(x, t, dx, n, [scale](typename L::F vx, typename L::F vt) {
    return L::mul(L::set(scale), L::sub(sigmoid_v<L>(vx), vt));
  });
}

// -(t max(log p, -100) + (1 - t) max(log(1 - p), -100)); max keeps -100 when a log is NaN.
template <class L>
void bce(const float* p, const float* t, float* loss, int64_t n) {
  map2<L>(p, t, loss, n, [](typename L::F vp, typename L::F vt) {
    const typename L::F one = L::set(1.0f), floor = L::set(-100.0f);
    const typename L::F log_p = L::max(L::log(vp), floor);
    const typename L::F log_1mp = L::max(L::log(L::sub(one, vp)), floor);
    return L::neg(L::add(L::mul(vt, log_p), L::mul(L::sub(one, vt), log_1mp)));
  });
}

// -0.5 (((1 + lv) - m m) - exp(lv)) in double.
template <class L>
void gaussian_kl_terms(const float* mu, const float* logvar, double* terms, int64_t n) {
  const float* in[2] = {mu, logvar};
  for_each_vector<L::kDWidth>(in, terms, n, [](const float* const* p, double* o) {
    const typename L::D m = L::load_d(p[0]), lv = L::load_d(p[1]);
    const typename L::D inner = L::sub(L::sub(L::add(L::set_d(1.0), lv), L::mul(m, m)), L::exp(lv));
    L::store_d(o, L::mul(L::set_d(-0.5), inner));
  });
}

// scale (0.5 expm1(lv)).
template <class L>
void gaussian_kl_dlogvar(const float* logvar, float scale, float* dlogvar, int64_t n) {
  map1<L>(logvar, dlogvar, n, [scale](typename L::F v) {
    return L::mul(L::set(scale), L::mul(L::set(0.5f), L::expm1(v)));
  });
}

// rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat)) in double.
template <class L>
void kl_bernoulli_terms(double rho, const float* rho_hat, double* terms, int64_t n) {
  const float* in[1] = {rho_hat};
  for_each_vector<L::kDWidth>(in, terms, n, [rho](const float* const* p, double* o) {
    const typename L::D r = L::set_d(rho), q = L::set_d(1.0 - rho), one = L::set_d(1.0);
    const typename L::D h = L::load_d(p[0]);
    const typename L::D on = L::mul(r, L::log(L::div(r, h)));
    const typename L::D off = L::mul(q, L::log(L::div(q, L::sub(one, h))));
    L::store_d(o, L::add(on, off));
  });
}

template <class L>
constexpr Table make_table() {
  return Table{&exp<L>,
               &expm1<L>,
               &log<L>,
               &log1p<L>,
               &tanh<L>,
               &sigmoid<L>,
               &softplus<L>,
               &mul_sigmoid<L>,
               &bce_with_logits<L>,
               &bce_with_logits_derivative<L>,
               &bce<L>,
               &gaussian_kl_terms<L>,
               &gaussian_kl_dlogvar<L>,
               &kl_bernoulli_terms<L>};
}

}  // namespace hg::kernels::cpu::vmath::lanes
