// vmath's AVX-512F lanes: 16 floats / 8 doubles per vector, SLEEF's `avx512f` functions.
// Compiled with -mavx512f on x86-64 (kernels/CMakeLists.txt; without it the table is absent); runs
// only where cpu_features().avx512f.
#include "vector_math_isa.h"

#if defined(__AVX512F__)
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 sees _mm512_undefined_ps() (the pass-through operand of unmasked max / convert
// intrinsics, deliberately undefined) as "maybe uninitialized".
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#include <sleef.h>

#include "vector_math_lanes.h"

namespace hg::kernels::cpu::vmath {

namespace {

struct Avx512 {
  using F = __m512;
  using M = __mmask16;
  using D = __m512d;
  static constexpr int kWidth = 16, kDWidth = 8;

  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F set(float a) { return _mm512_set1_ps(a); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F abs(F a) { return _mm512_abs_ps(a); }
  static F neg(F a) {
    return _mm512_castsi512_ps(
        _mm512_xor_epi32(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN)));
  }
  static M ge(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static M gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }
  static bool any(M m) { return m != 0; }
  static F exp(F v) { return Sleef_expf16_u10avx512f(v); }
  static F expm1(F v) { return Sleef_expm1f16_u10avx512f(v); }
  static F log(F v) { return Sleef_logf16_u10avx512f(v); }
  static F log1p(F v) { return Sleef_log1pf16_u10avx512f(v); }
  static F tanh(F v) { return Sleef_tanhf16_u10avx512f(v); }

  static D load_d(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }
  static void store_d(double* p, D v) { _mm512_storeu_pd(p, v); }
  static D set_d(double a) { return _mm512_set1_pd(a); }
  static D add(D a, D b) { return _mm512_add_pd(a, b); }
  static D sub(D a, D b) { return _mm512_sub_pd(a, b); }
  static D mul(D a, D b) { return _mm512_mul_pd(a, b); }
  static D div(D a, D b) { return _mm512_div_pd(a, b); }
  static D exp(D v) { return Sleef_expd8_u10avx512f(v); }
  static D log(D v) { return Sleef_logd8_u10avx512f(v); }
};

constexpr Table kTable = lanes::make_table<Avx512>();

}  // namespace

const Table* avx512_table() {
  return &kTable;
}

}  // namespace hg::kernels::cpu::vmath

#else

const hg::kernels::cpu::vmath::Table* hg::kernels::cpu::vmath::avx512_table() {
  return nullptr;
}

#endif
