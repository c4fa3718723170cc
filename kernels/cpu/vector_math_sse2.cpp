// vmath's SSE2 lanes: 4 floats / 2 doubles per vector, SLEEF's `sse2` functions. SSE2 is part of
// baseline x86-64, so this is the fallback on x86 CPUs without AVX2 + FMA. No FMA: results may
// differ from the AVX2 / AVX-512 lanes in the last bit.
#include "vector_math_isa.h"

#if defined(__SSE2__)
#include <immintrin.h>
#include <sleef.h>

#include "vector_math_lanes.h"

namespace hg::kernels::cpu::vmath {

namespace {

struct Sse2 {
  using F = __m128;
  using M = __m128;  // all-ones lanes where true
  using D = __m128d;
  static constexpr int kWidth = 4, kDWidth = 2;

  static F load(const float* p) { return _mm_loadu_ps(p); }
  static void store(float* p, F v) { _mm_storeu_ps(p, v); }
  static F set(float a) { return _mm_set1_ps(a); }
  static F add(F a, F b) { return _mm_add_ps(a, b); }
  static F sub(F a, F b) { return _mm_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm_mul_ps(a, b); }
  static F div(F a, F b) { return _mm_div_ps(a, b); }
  static F max(F a, F b) { return _mm_max_ps(a, b); }
  static F abs(F a) { return _mm_andnot_ps(_mm_set1_ps(-0.0f), a); }
  static F neg(F a) { return _mm_xor_ps(a, _mm_set1_ps(-0.0f)); }
  static M ge(F a, F b) { return _mm_cmpge_ps(a, b); }
  static M gt(F a, F b) { return _mm_cmpgt_ps(a, b); }
  static F select(M m, F a, F b) { return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)); }
  static bool any(M m) { return _mm_movemask_ps(m) != 0; }
  static F exp(F v) { return Sleef_expf4_u10sse2(v); }
  static F expm1(F v) { return Sleef_expm1f4_u10sse2(v); }
  static F log(F v) { return Sleef_logf4_u10sse2(v); }
  static F log1p(F v) { return Sleef_log1pf4_u10sse2(v); }
  static F tanh(F v) { return Sleef_tanhf4_u10sse2(v); }

  // Two floats (8 bytes) widened to two doubles.
  static D load_d(const float* p) {
    return _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
  static void store_d(double* p, D v) { _mm_storeu_pd(p, v); }
  static D set_d(double a) { return _mm_set1_pd(a); }
  static D add(D a, D b) { return _mm_add_pd(a, b); }
  static D sub(D a, D b) { return _mm_sub_pd(a, b); }
  static D mul(D a, D b) { return _mm_mul_pd(a, b); }
  static D div(D a, D b) { return _mm_div_pd(a, b); }
  static D exp(D v) { return Sleef_expd2_u10sse2(v); }
  static D log(D v) { return Sleef_logd2_u10sse2(v); }
};

constexpr Table kTable = lanes::make_table<Sse2>();

}  // namespace

const Table* sse2_table() {
  return &kTable;
}

}  // namespace hg::kernels::cpu::vmath

#else

const hg::kernels::cpu::vmath::Table* hg::kernels::cpu::vmath::sse2_table() {
  return nullptr;
}

#endif
