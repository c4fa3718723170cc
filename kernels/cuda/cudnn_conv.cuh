// cudnn_conv.cuh: the cuDNN convolution path (builds with HG_CUDNN only), the alternative to the
// hand-written kernels of conv.cu and the yardstick they are measured against. CudaBackend's
// conv2d_* methods call these when g.impl == ConvImpl::kCudnn. Same contracts as the backend
// methods (backend.h, conv_params.h): NCHW float32, outputs overwritten, deterministic backward
// algorithms only. Asymmetric padding (bottom/right implied by out_h/out_w) is handled inside.
//
// HG_CUDNN_CHECK(expr) throws hg::kernels::DeviceError("file:line: expr: status: message"), like
// HG_CUDA_CHECK / HG_CUBLAS_CHECK in cuda_platform.cuh.
#pragma once

#include "cuda_platform.cuh"

#if defined(HG_CUDNN)
#include <cudnn.h>

#include <string>

#include "device_error.h"
#endif

#include "cuda_backend_impl.cuh"
#include "hourglass/kernels/conv_params.h"

#if defined(HG_CUDNN)
namespace hg::kernels::detail {

[[noreturn]] inline void throw_cudnn_error(cudnnStatus_t status, const char* expr, const char* file,
                                           int line) {
  throw ::hg::kernels::DeviceError(std::string(file) + ":" + std::to_string(line) + ": " + expr +
                                   ": cudnnStatus " + std::to_string(static_cast<int>(status)) +
                                   ": " + cudnnGetErrorString(status));
}

}  // namespace hg::kernels::detail

#define HG_CUDNN_CHECK(expr)                                                                       \
  do {                                                                                             \
    const cudnnStatus_t hg_cudnn_check_status_ = (expr);                                           \
    if (hg_cudnn_check_status_ != CUDNN_STATUS_SUCCESS)                                            \
      ::hg::kernels::detail::throw_cudnn_error(hg_cudnn_check_status_, #expr, __FILE__, __LINE__); \
  } while (0)
#endif

namespace hg::kernels::cuda {

// y = conv(x, w) + bias (bias may be null), as CudaBackend::conv2d_forward.
void cudnn_conv2d_forward(CudaBackend& backend, const Conv2dGeometry& g, const float* x,
                          const float* w, const float* bias, float* y);
// dx = conv^T(dy, w) (+ bias[ci] per channel of dx when non-null), as
// CudaBackend::conv2d_backward_data.
void cudnn_conv2d_backward_data(CudaBackend& backend, const Conv2dGeometry& g, const float* dy,
                                const float* w, const float* bias, float* dx);
// dw (and dbias when non-null), as CudaBackend::conv2d_backward_weight.
void cudnn_conv2d_backward_weight(CudaBackend& backend, const Conv2dGeometry& g, const float* x,
                                  const float* dy, float* dw, float* dbias);

}  // namespace hg::kernels::cuda
