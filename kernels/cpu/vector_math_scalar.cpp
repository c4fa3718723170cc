// vmath's scalar lanes: one float per "vector", SLEEF's portable scalar functions. The fallback
// off x86 (on x86 the SSE2 lanes serve every CPU); set_isa(kScalar) runs it anywhere, so the
// tests cover it. No FMA: results may differ from the AVX2 / AVX-512 lanes in the last bit.
#include <sleef.h>

#include "vector_math_lanes.h"

namespace hg::kernels::cpu::vmath {

namespace {

struct Scalar {
  using F = float;
  using M = bool;
  using D = double;
  static constexpr int kWidth = 1, kDWidth = 1;

  static F load(const float* p) { return *p; }
  static void store(float* p, F v) { *p = v; }
  static F set(float a) { return a; }
  static F add(F a, F b) { return a + b; }
  static F sub(F a, F b) { return a - b; }
  static F mul(F a, F b) { return a * b; }
  static F div(F a, F b) { return a / b; }
  static F max(F a, F b) { return a > b ? a : b; }
  static F abs(F a) { return __builtin_fabsf(a); }
  static F neg(F a) { return -a; }
  static M ge(F a, F b) { return a >= b; }
  static M gt(F a, F b) { return a > b; }
  static F select(M m, F a, F b) { return m ? a : b; }
  static bool any(M m) { return m; }
  static F exp(F v) { return Sleef_expf_u10(v); }
  static F expm1(F v) { return Sleef_expm1f_u10(v); }
  static F log(F v) { return Sleef_logf_u10(v); }
  static F log1p(F v) { return Sleef_log1pf_u10(v); }
  static F tanh(F v) { return Sleef_tanhf_u10(v); }

  static D load_d(const float* p) { return *p; }
  static void store_d(double* p, D v) { *p = v; }
  static D set_d(double a) { return a; }
  static D add(D a, D b) { return a + b; }
  static D sub(D a, D b) { return a - b; }
  static D mul(D a, D b) { return a * b; }
  static D div(D a, D b) { return a / b; }
  static D exp(D v) { return Sleef_exp_u10(v); }
  static D log(D v) { return Sleef_log_u10(v); }
};

constexpr Table kTable = lanes::make_table<Scalar>();

}  // namespace

const Table* scalar_table() {
  return &kTable;
}

}  // namespace hg::kernels::cpu::vmath
