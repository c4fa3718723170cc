// atomics.h: CUDA atomic functions for emulated kernels.
//
// Fibers of a launch run on one host thread and switch only at barriers and warp collectives, so
// a read-modify-write with no scheduling point inside is atomic by construction: plain C++ here.
// Every function returns the old value, as in CUDA.
#pragma once

namespace hg::simt::detail {

template <class T, class F>
inline T atomic_update(T* address, F f) {
  const T old = *address;
  *address = f(old);
  return old;
}

}  // namespace hg::simt::detail

#define HG_SIMT_ATOMIC(name, T, expr)                                                      \
  inline T name(T* address, T val) {                                                       \
    return ::hg::simt::detail::atomic_update(address, [val](T old) -> T { (void)old; return expr; }); \
  }

HG_SIMT_ATOMIC(atomicAdd, int, old + val)
HG_SIMT_ATOMIC(atomicAdd, unsigned int, old + val)
HG_SIMT_ATOMIC(atomicAdd, unsigned long long int, old + val)
HG_SIMT_ATOMIC(atomicAdd, float, old + val)
HG_SIMT_ATOMIC(atomicAdd, double, old + val)
HG_SIMT_ATOMIC(atomicSub, int, old - val)
HG_SIMT_ATOMIC(atomicSub, unsigned int, old - val)
HG_SIMT_ATOMIC(atomicExch, int, val)
HG_SIMT_ATOMIC(atomicExch, unsigned int, val)
HG_SIMT_ATOMIC(atomicExch, unsigned long long int, val)
HG_SIMT_ATOMIC(atomicExch, float, val)
HG_SIMT_ATOMIC(atomicMax, int, old < val ? val : old)
HG_SIMT_ATOMIC(atomicMax, unsigned int, old < val ? val : old)
HG_SIMT_ATOMIC(atomicMax, long long int, old < val ? val : old)
HG_SIMT_ATOMIC(atomicMax, unsigned long long int, old < val ? val : old)
HG_SIMT_ATOMIC(atomicMin, int, val < old ? val : old)
HG_SIMT_ATOMIC(atomicMin, unsigned int, val < old ? val : old)
HG_SIMT_ATOMIC(atomicMin, long long int, val < old ? val : old)
HG_SIMT_ATOMIC(atomicMin, unsigned long long int, val < old ? val : old)
HG_SIMT_ATOMIC(atomicAnd, int, old & val)
HG_SIMT_ATOMIC(atomicAnd, unsigned int, old & val)
HG_SIMT_ATOMIC(atomicAnd, unsigned long long int, old & val)
HG_SIMT_ATOMIC(atomicOr, int, old | val)
HG_SIMT_ATOMIC(atomicOr, unsigned int, old | val)
HG_SIMT_ATOMIC(atomicOr, unsigned long long int, old | val)
HG_SIMT_ATOMIC(atomicXor, int, old ^ val)
HG_SIMT_ATOMIC(atomicXor, unsigned int, old ^ val)
HG_SIMT_ATOMIC(atomicXor, unsigned long long int, old ^ val)
// atomicInc/atomicDec wrap around at val, as specified by CUDA.
HG_SIMT_ATOMIC(atomicInc, unsigned int, old >= val ? 0u : old + 1u)
HG_SIMT_ATOMIC(atomicDec, unsigned int, (old == 0u || old > val) ? val : old - 1u)

#undef HG_SIMT_ATOMIC

inline int atomicCAS(int* address, int compare, int val) {
  const int old = *address;
  if (old == compare) *address = val;
  return old;
}
inline unsigned int atomicCAS(unsigned int* address, unsigned int compare, unsigned int val) {
  const unsigned int old = *address;
  if (old == compare) *address = val;
  return old;
}
inline unsigned long long int atomicCAS(unsigned long long int* address, unsigned long long int compare,
                                        unsigned long long int val) {
  const unsigned long long int old = *address;
  if (old == compare) *address = val;
  return old;
}
inline unsigned short int atomicCAS(unsigned short int* address, unsigned short int compare,
                                    unsigned short int val) {
  const unsigned short int old = *address;
  if (old == compare) *address = val;
  return old;
}

// Memory fences order nothing on one host thread.
inline void __threadfence() {}
inline void __threadfence_block() {}
inline void __threadfence_system() {}
