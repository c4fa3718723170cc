// Which x86 vector extensions the running CPU (and its operating system) supports, checked once.
// The CPU kernels with hand-vectorized paths (the convolution kernels, vector_math) choose their
// instruction set from here at run time; the build itself targets baseline x86-64.
#pragma once

namespace hg::kernels::cpu {

struct CpuFeatures {
  bool avx2_fma = false;  // AVX2 and FMA (Haswell, Zen and later)
  bool avx512f = false;   // AVX-512 Foundation, with the OS saving the ZMM state
};

// All false on other architectures and compilers.
const CpuFeatures& cpu_features();

}  // namespace hg::kernels::cpu
