// im2col / col2im for the CPU convolution (conv.cpp): the lowering that turns a convolution into
// one GEMM. For one sample x [C, H, W], the column matrix has one row per (ci, kh, kw) (the
// weight's column order, row index (ci * kernel_h + kh) * kernel_w + kw) and one column per output
// pixel oh * out_w + ow:
//   col[(ci, kh, kw), (oh, ow)] = x[ci, oh*stride_h - pad_h + kh*dilation_h,
//                                   ow*stride_w - pad_w + kw*dilation_w]   (0 outside x)
// Rows may be longer than one sample's out_h * out_w pixels (`ld`), so several samples can sit
// side by side in one matrix and share one GEMM.
#pragma once

#include <cstdint>

#include "hourglass/kernels/conv_params.h"

namespace hg::kernels::cpu {

// Writes the out_h * out_w columns of one sample x into col (row r starts at col + r * ld).
void im2col(const Conv2dGeometry& g, const float* x, float* col, int64_t ld);

// The adjoint: dx[ci, ih, iw] += every col entry that im2col would have read from there.
// Accumulates into dx (the caller initialises it); the order is fixed, so it is deterministic.
void col2im_add(const Conv2dGeometry& g, const float* col, int64_t ld, float* dx);

}  // namespace hg::kernels::cpu
