// Direct (implicit-GEMM) CPU convolution for small-channel layers (stride 1, and strided ones
// split by stride phase): no im2col buffer, no GEMM packing, no col2im. conv.cpp asks
// direct_conv_takes() first and falls back to im2col + sgemm when it says no; direct_conv.cpp
// documents the rule and the kernels.
//
// The kernels use AVX2 with FMA (explicit intrinsics), so they run only where the CPU has both;
// elsewhere direct_conv_takes() is false and the GEMM path runs. Results are deterministic on a
// given CPU (fixed summation order, independent of the thread count), but an FMA rounds once
// where the baseline SSE code rounds twice: like OpenBLAS's GEMM (which also picks an FMA kernel
// by CPU), they are not bitwise the same across CPU kinds.
#pragma once

#include "hourglass/kernels/conv_params.h"

namespace hg::kernels::cpu {

enum class ConvPass { kForward, kBackwardData, kBackwardWeight };

// Whether the direct kernels take this pass of this geometry (the CPU supports them and the
// geometry is one they win on).
bool direct_conv_takes(const Conv2dGeometry& g, ConvPass pass);

// The Backend's conv2d_* contracts (backend.h), for geometries direct_conv_takes() accepts.
void direct_conv_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                         float* y);
void direct_conv_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                               const float* bias, float* dx);
void direct_conv_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy,
                                 float* dw, float* dbias);

}  // namespace hg::kernels::cpu
