// TEMPORARY during development: definitions that let everything link until the CPU
// conv/pool/upsample kernels lands. Deleted by the helper who implements them.
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <stdexcept>

#include "cpu_backend.h"

namespace hg::kernels::cpu {

void CpuBackend::conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w,
                                const float* bias, float* y) {
  throw std::logic_error("CpuBackend::conv2d_forward: not implemented yet");
}

void CpuBackend::conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                                      const float* bias, float* dx) {
  throw std::logic_error("CpuBackend::conv2d_backward_data: not implemented yet");
}

void CpuBackend::conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy,
                                        float* dw, float* dbias) {
  throw std::logic_error("CpuBackend::conv2d_backward_weight: not implemented yet");
}

}  // namespace hg::kernels::cpu
