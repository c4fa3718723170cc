// keywords.h: CUDA declaration keywords (__global__, __shared__, ...) for kernels compiled by the
// host C++ compiler under HG_SIMT. Included by simt.h after the toolkit's type headers, so the
// definitions here win over the toolkit's host-side ones.
#pragma once

#undef __global__
#undef __device__
#undef __host__
#undef __constant__
#undef __managed__
#undef __shared__
#undef __forceinline__
#undef __launch_bounds__
#undef __grid_constant__

// Function-space qualifiers have no meaning on the CPU: everything is host code.
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __grid_constant__

// __constant__ and __managed__ variables are ordinary globals (cudaMemcpyToSymbol copies into them).
#define __constant__
#define __managed__

// A kernel writes `__shared__ float tile[32][33];` at function scope. Blocks run one at a time, so
// one function-local static per declaration is exactly "one copy per block".
//
// Under clang the statics also go into the named section `hg_simt_shared`; the linker then provides
// __start_hg_simt_shared / __stop_hg_simt_shared and the scheduler fills the whole section with 0xFF
// (NaN for floats) before each block, so reading shared memory that no thread of the block wrote
// shows up as NaN. g++ cannot do this: it refuses to mix statics of inline/template functions
// (COMDAT) and of ordinary functions in one named section ("section type conflict"), and every
// kernel template would hit that. Under g++ static shared memory is therefore only zero-initialised
// once and keeps values between blocks; dynamic shared memory is poisoned under both compilers.
#if defined(__clang__)
#define HG_SIMT_SHARED_SECTION 1
#define __shared__ static __attribute__((section("hg_simt_shared")))
#else
#define HG_SIMT_SHARED_SECTION 0
#define __shared__ static
#endif
