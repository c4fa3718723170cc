// TEMPORARY during development: definitions that let everything link until the CPU
// pool/upsample kernels lands. Deleted by the helper who implements them.
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <stdexcept>

#include "cpu_backend.h"

namespace hg::kernels::cpu {

void CpuBackend::max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                                    int32_t* argmax) {
  throw std::logic_error("CpuBackend::max_pool2d_forward: not implemented yet");
}

void CpuBackend::max_pool2d_backward(const Pool2dGeometry& g, const float* dy,
                                     const int32_t* argmax, float* dx) {
  throw std::logic_error("CpuBackend::max_pool2d_backward: not implemented yet");
}

void CpuBackend::avg_pool2d_forward(const Pool2dGeometry& g, bool count_include_pad, const float* x,
                                    float* y) {
  throw std::logic_error("CpuBackend::avg_pool2d_forward: not implemented yet");
}

void CpuBackend::avg_pool2d_backward(const Pool2dGeometry& g, bool count_include_pad,
                                     const float* dy, float* dx) {
  throw std::logic_error("CpuBackend::avg_pool2d_backward: not implemented yet");
}

void CpuBackend::upsample2d_forward(UpsampleMode mode, const Upsample2dGeometry& g, const float* x,
                                    float* y) {
  throw std::logic_error("CpuBackend::upsample2d_forward: not implemented yet");
}

void CpuBackend::upsample2d_backward(UpsampleMode mode, const Upsample2dGeometry& g,
                                     const float* dy, float* dx) {
  throw std::logic_error("CpuBackend::upsample2d_backward: not implemented yet");
}

}  // namespace hg::kernels::cpu
