// device_math.h: host definitions of CUDA device math functions and intrinsics that the host
// C++ library does not provide (__expf, rsqrtf, __fdividef, __ldg, __float_as_uint, min/max, ...).
// The fast-math intrinsics are computed at full precision here; only a real GPU can judge their
// accuracy (see ../../../shared/notes/simt.md).
#pragma once

#include <math.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace hg::simt::detail {

template <class To, class From>
inline To bit_cast(const From& from) {
  static_assert(sizeof(To) == sizeof(From), "bit_cast needs equal sizes");
  To to;
  std::memcpy(&to, &from, sizeof(To));
  return to;
}

// float -> integer conversion as the GPU does it: NaN gives 0, out-of-range values saturate.
template <class I>
inline I saturate_to(double r) {
  if (std::isnan(r)) return 0;
  if (r <= static_cast<double>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  if (r >= static_cast<double>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return static_cast<I>(r);
}

}  // namespace hg::simt::detail

// ---- fast-math intrinsics (full precision on the CPU) ----
inline float __expf(float x) { return ::expf(x); }
inline float __exp10f(float x) { return ::powf(10.0f, x); }
inline float __logf(float x) { return ::logf(x); }
inline float __log2f(float x) { return ::log2f(x); }
inline float __log10f(float x) { return ::log10f(x); }
inline float __powf(float x, float y) { return ::powf(x, y); }
inline float __sinf(float x) { return ::sinf(x); }
inline float __cosf(float x) { return ::cosf(x); }
inline float __tanf(float x) { return ::tanf(x); }
inline void __sincosf(float x, float* s, float* c) {
  *s = ::sinf(x);
  *c = ::cosf(x);
}
inline float __fdividef(float x, float y) { return x / y; }
inline float fdividef(float x, float y) { return x / y; }
inline float rsqrtf(float x) { return 1.0f / ::sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fsqrt_rn(float x) { return ::sqrtf(x); }
inline float __fadd_rn(float x, float y) { return x + y; }
inline float __fsub_rn(float x, float y) { return x - y; }
inline float __fmul_rn(float x, float y) { return x * y; }
inline float __fdiv_rn(float x, float y) { return x / y; }
inline float __fmaf_rn(float x, float y, float z) { return ::fmaf(x, y, z); }
inline float __saturatef(float x) { return x >= 1.0f ? 1.0f : (x > 0.0f ? x : 0.0f); }  // NaN -> 0
inline float normcdff(float x) { return 0.5f * ::erfcf(-x * 0.70710678118654752f); }
inline double normcdf(double x) { return 0.5 * std::erfc(-x * 0.70710678118654752); }

// ---- reinterpretation and conversion ----
inline unsigned int __float_as_uint(float x) { return ::hg::simt::detail::bit_cast<unsigned int>(x); }
inline float __uint_as_float(unsigned int x) { return ::hg::simt::detail::bit_cast<float>(x); }
inline int __float_as_int(float x) { return ::hg::simt::detail::bit_cast<int>(x); }
inline float __int_as_float(int x) { return ::hg::simt::detail::bit_cast<float>(x); }
inline long long int __double_as_longlong(double x) { return ::hg::simt::detail::bit_cast<long long int>(x); }
inline double __longlong_as_double(long long int x) { return ::hg::simt::detail::bit_cast<double>(x); }
inline int __float2int_rn(float x) { return ::hg::simt::detail::saturate_to<int>(std::nearbyint(double(x))); }
inline int __float2int_rz(float x) { return ::hg::simt::detail::saturate_to<int>(std::trunc(double(x))); }
inline int __float2int_rd(float x) { return ::hg::simt::detail::saturate_to<int>(std::floor(double(x))); }
inline int __float2int_ru(float x) { return ::hg::simt::detail::saturate_to<int>(std::ceil(double(x))); }
inline unsigned int __float2uint_rn(float x) {
  return ::hg::simt::detail::saturate_to<unsigned int>(std::nearbyint(double(x)));
}
inline unsigned int __float2uint_rz(float x) {
  return ::hg::simt::detail::saturate_to<unsigned int>(std::trunc(double(x)));
}
inline long long int __float2ll_rn(float x) {
  return ::hg::simt::detail::saturate_to<long long int>(std::nearbyint(double(x)));
}
inline float __int2float_rn(int x) { return static_cast<float>(x); }
inline float __uint2float_rn(unsigned int x) { return static_cast<float>(x); }

// ---- integer intrinsics ----
inline int __popc(unsigned int x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long int x) { return __builtin_popcountll(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned int>(x)); }
inline int __clzll(long long int x) { return x == 0 ? 64 : __builtin_clzll(static_cast<unsigned long long>(x)); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __ffsll(long long int x) { return __builtin_ffsll(x); }
inline unsigned int __brev(unsigned int x) {
  unsigned int r = 0;
  for (int i = 0; i < 32; ++i, x >>= 1) r = (r << 1) | (x & 1u);
  return r;
}
inline int __mul24(int x, int y) { return x * y; }
inline unsigned int __umul24(unsigned int x, unsigned int y) { return x * y; }
inline int __mulhi(int x, int y) { return static_cast<int>((static_cast<long long>(x) * y) >> 32); }
inline unsigned int __umulhi(unsigned int x, unsigned int y) {
  return static_cast<unsigned int>((static_cast<unsigned long long>(x) * y) >> 32);
}

// ---- cache-hinted loads and stores: plain memory accesses on the CPU ----
template <class T> inline T __ldg(const T* p) { return *p; }
template <class T> inline T __ldcg(const T* p) { return *p; }
template <class T> inline T __ldca(const T* p) { return *p; }
template <class T> inline T __ldcs(const T* p) { return *p; }
template <class T> inline T __ldlu(const T* p) { return *p; }
template <class T> inline T __ldcv(const T* p) { return *p; }
template <class T> inline void __stcg(T* p, T v) { *p = v; }
template <class T> inline void __stcs(T* p, T v) { *p = v; }
template <class T> inline void __stwb(T* p, T v) { *p = v; }
template <class T> inline void __stwt(T* p, T v) { *p = v; }

// ---- min / max: the overload set CUDA declares for device and host code ----
// Mixed signed/unsigned pairs compare after converting both to the result type R, as CUDA does.
#define HG_SIMT_MINMAX(R, A, B)                 \
  inline R min(const A a, const B b) {          \
    const R x = static_cast<R>(a);              \
    const R y = static_cast<R>(b);              \
    return y < x ? y : x;                       \
  }                                             \
  inline R max(const A a, const B b) {          \
    const R x = static_cast<R>(a);              \
    const R y = static_cast<R>(b);              \
    return x < y ? y : x;                       \
  }
HG_SIMT_MINMAX(int, int, int)
HG_SIMT_MINMAX(unsigned int, unsigned int, unsigned int)
HG_SIMT_MINMAX(unsigned int, int, unsigned int)
HG_SIMT_MINMAX(unsigned int, unsigned int, int)
HG_SIMT_MINMAX(long int, long int, long int)
HG_SIMT_MINMAX(unsigned long int, unsigned long int, unsigned long int)
HG_SIMT_MINMAX(unsigned long int, long int, unsigned long int)
HG_SIMT_MINMAX(unsigned long int, unsigned long int, long int)
HG_SIMT_MINMAX(long long int, long long int, long long int)
HG_SIMT_MINMAX(unsigned long long int, unsigned long long int, unsigned long long int)
HG_SIMT_MINMAX(unsigned long long int, long long int, unsigned long long int)
HG_SIMT_MINMAX(unsigned long long int, unsigned long long int, long long int)
#undef HG_SIMT_MINMAX
// Floating-point min/max follow fminf/fmaxf: a NaN operand yields the other operand.
inline float min(const float a, const float b) { return ::fminf(a, b); }
inline float max(const float a, const float b) { return ::fmaxf(a, b); }
inline double min(const double a, const double b) { return ::fmin(a, b); }
inline double max(const double a, const double b) { return ::fmax(a, b); }
inline double min(const float a, const double b) { return ::fmin(a, b); }
inline double max(const float a, const double b) { return ::fmax(a, b); }
inline double min(const double a, const float b) { return ::fmin(a, b); }
inline double max(const double a, const float b) { return ::fmax(a, b); }
inline unsigned int umin(unsigned int a, unsigned int b) { return a < b ? a : b; }
inline unsigned int umax(unsigned int a, unsigned int b) { return a < b ? b : a; }
inline long long int llmin(long long int a, long long int b) { return a < b ? a : b; }
inline long long int llmax(long long int a, long long int b) { return a < b ? b : a; }
inline unsigned long long int ullmin(unsigned long long int a, unsigned long long int b) { return a < b ? a : b; }
inline unsigned long long int ullmax(unsigned long long int a, unsigned long long int b) { return a < b ? b : a; }
