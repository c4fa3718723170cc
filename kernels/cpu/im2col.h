// im2col / col2im for the CPU convolution (conv.cpp): the lowering that turns a convolution into
// one GEMM. For one sample x [C, H, W], the column matrix has one row per (ci, kh, kw) (the
// weight's column order, row index (ci * kernel_h + kh) * kernel_w + kw) and one column per output
// pixel oh * out_w + ow:
//   col[(ci, kh, kw), (oh, ow)] = x[ci, oh*stride_h - pad_h + kh*dilation_h,
//                                   ow*stride_w - pad_w + kw*dilation_w]   (0 outside x)
// Each function covers the output rows [oh0, oh1) only (column (oh - oh0) * out_w + ow), so a
// large sample can be lowered one L2-sized tile at a time; rows may be longer than the tile
// (`ld`), so several samples can also sit side by side in one matrix and share one GEMM.
//
// The *_single functions are the same sums for a layer with one output channel, where the GEMM
// degenerates to a matrix-vector product and materialising col costs more than the arithmetic:
// they walk the same index ranges without writing col.
#pragma once

#include <cstdint>

#include "hourglass/kernels/conv_params.h"

namespace hg::kernels::cpu {

// Writes the columns of output rows [oh0, oh1) of `samples` consecutive samples (the first at x,
// x_stride floats apart) into col: row r at col + r * ld, sample s's columns from
// s * (oh1 - oh0) * out_w on.
void im2col(const Conv2dGeometry& g, const float* x, int64_t x_stride, int64_t samples, int64_t oh0,
            int64_t oh1, float* col, int64_t ld);

// The adjoint: dx[ci, ih, iw] += every col entry of rows [oh0, oh1) that im2col would have read
// from there. Accumulates into dx (the caller initialises it), in a fixed order.
void col2im_add(const Conv2dGeometry& g, const float* col, int64_t ld, int64_t oh0, int64_t oh1,
                float* dx);

// One output channel, one sample: y[p] += sum_k w[k] * col[k, p] (y is [out_h * out_w]).
void conv_single_forward(const Conv2dGeometry& g, const float* x, const float* w, float* y);
// dx += col2im(w^T dy): dx[ci, ih, iw] += w[k] * dy[p] over every (k, p) that reads x there.
void conv_single_backward_data(const Conv2dGeometry& g, const float* dy, const float* w, float* dx);
// dw[k] += sum_p col[k, p] * dy[p].
void conv_single_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy,
                                 float* dw);

}  // namespace hg::kernels::cpu
