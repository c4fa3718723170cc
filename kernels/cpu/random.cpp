// CPU random fills from the shared Philox stream (common/philox.h): element i depends only on
// (seed, offset, i), so the result is independent of threading and identical to the CUDA twin.
#include "cpu_backend.h"
#include "hourglass/kernels/common/philox.h"
#include "parallel.h"

namespace hg::kernels::cpu {

void CpuBackend::random_uniform(float* y, int64_t n, uint64_t seed, uint64_t offset, float lo,
                                float hi) {
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    y[i] = philox_uniform_at(seed, offset, i, lo, hi);
}

void CpuBackend::random_normal(float* y, int64_t n, uint64_t seed, uint64_t offset, float mean,
                               float stddev) {
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    y[i] = philox_normal_at(seed, offset, i, mean, stddev);
}

}  // namespace hg::kernels::cpu
