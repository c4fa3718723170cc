// HG_SIMD_CLONES: marks a hot, auto-vectorised CPU loop function for GCC function multiversioning.
// The build targets baseline x86-64 (SSE2, 4 floats per vector); with this attribute GCC also
// compiles an AVX2 copy (8 floats per vector) and the dynamic loader picks the copy the running
// CPU supports. AVX2 only, deliberately not FMA: without FMA contraction both copies round every
// product and sum the same way, so results are bitwise the same whichever copy runs. Elsewhere
// (other compilers or targets) the macro is empty and the baseline code runs.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define HG_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define HG_SIMD_CLONES
#endif
