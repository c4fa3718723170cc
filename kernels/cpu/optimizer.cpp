// CPU bodies of the fused optimizer steps: one OpenMP loop per parameter, each element updated by
// the per-element rule shared with the CUDA twin (common/optimizer_math.h). Per-step scalars (bias
// corrections, the decayed Adagrad rate) are computed once per call, not per element.
#include "cpu_backend.h"
#include "hourglass/kernels/common/optimizer_math.h"

namespace hg::kernels::cpu {

namespace {
// Below this many elements the update is cheaper than waking the thread team.
constexpr int64_t kParallelThreshold = 1 << 15;
}  // namespace

void CpuBackend::sgd_step(float* w, const float* g, float* momentum, int64_t n,
                          const SgdParams& p) {
  // Without momentum there is no buffer (the caller may pass null); the rule never touches it.
  float unused = 0.0f;
#pragma omp parallel for schedule(static) firstprivate(unused) if (n >= kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) {
    float& buf = momentum != nullptr ? momentum[i] : unused;
    sgd_update(w[i], g[i], buf, p);
  }
}

void CpuBackend::adam_step(float* w, const float* g, float* m, float* v, int64_t n,
                           const AdamParams& p) {
  const AdamScalars s = adam_scalars(p);
#pragma omp parallel for schedule(static) if (n >= kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    adam_update(w[i], g[i], m[i], v[i], p, s);
}

void CpuBackend::adadelta_step(float* w, const float* g, float* square_avg, float* acc_delta,
                               int64_t n, const AdadeltaParams& p) {
#pragma omp parallel for schedule(static) if (n >= kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    adadelta_update(w[i], g[i], square_avg[i], acc_delta[i], p);
}

void CpuBackend::adagrad_step(float* w, const float* g, float* sum, int64_t n,
                              const AdagradParams& p) {
  const float clr = adagrad_clr(p);
#pragma omp parallel for schedule(static) if (n >= kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    adagrad_update(w[i], g[i], sum[i], p, clr);
}

}  // namespace hg::kernels::cpu
