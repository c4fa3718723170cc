// The run-time CPU check behind cpu_features.h.
#include "cpu_features.h"

namespace hg::kernels::cpu {

namespace {

CpuFeatures detect() {
  CpuFeatures f;
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
  // __builtin_cpu_supports also checks (via XGETBV) that the OS saves the YMM / ZMM registers.
  __builtin_cpu_init();
  f.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  f.avx512f = __builtin_cpu_supports("avx512f");
#endif
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace hg::kernels::cpu
