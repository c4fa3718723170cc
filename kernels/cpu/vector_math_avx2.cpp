// vmath's AVX2 + FMA lanes: 8 floats / 4 doubles per vector, SLEEF's `avx2` functions.
// Compiled with -mavx2 -mfma on x86-64 (kernels/CMakeLists.txt; without them the table is absent);
// runs only where cpu_features().avx2_fma.
#include "vector_math_isa.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#include <sleef.h>

#include "vector_math_lanes.h"

namespace hg::kernels::cpu::vmath {

namespace {

struct Avx2 {
  using F = __m256;
  using M = __m256;  // all-ones lanes where true
  using D = __m256d;
  static constexpr int kWidth = 8, kDWidth = 4;

  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F set(float a) { return _mm256_set1_ps(a); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F abs(F a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static F neg(F a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
  static M ge(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  static M gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }
  static bool any(M m) { return _mm256_movemask_ps(m) != 0; }
  static F exp(F v) { return Sleef_expf8_u10avx2(v); }
  static F expm1(F v) { return Sleef_expm1f8_u10avx2(v); }
  static F log(F v) { return Sleef_logf8_u10avx2(v); }
  static F log1p(F v) { return Sleef_log1pf8_u10avx2(v); }
  static F tanh(F v) { return Sleef_tanhf8_u10avx2(v); }

  static D load_d(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
  static void store_d(double* p, D v) { _mm256_storeu_pd(p, v); }
  static D set_d(double a) { return _mm256_set1_pd(a); }
  static D add(D a, D b) { return _mm256_add_pd(a, b); }
  static D sub(D a, D b) { return _mm256_sub_pd(a, b); }
  static D mul(D a, D b) { return _mm256_mul_pd(a, b); }
  static D div(D a, D b) { return _mm256_div_pd(a, b); }
  static D exp(D v) { return Sleef_expd4_u10avx2(v); }
  static D log(D v) { return Sleef_logd4_u10avx2(v); }
};

constexpr Table kTable = lanes::make_table<Avx2>();

}  // namespace

const Table* avx2_table() {
  return &kTable;
}

}  // namespace hg::kernels::cpu::vmath

#else

const hg::kernels::cpu::vmath::Table* hg::kernels::cpu::vmath::avx2_table() {
  return nullptr;
}

#endif
