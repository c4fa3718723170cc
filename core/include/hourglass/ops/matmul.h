// Matrix products (GEMM on the device's BLAS: OpenBLAS on the CPU, cuBLAS on CUDA).
#pragma once

#include "hourglass/core/tensor.h"

namespace hg {

// [M, K] x [K, N] -> [M, N]; transpose flags apply op(A) / op(B) without copying.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
// x [N, in], weight [out, in] (PyTorch's layout), optional bias [out]: x weight^T + bias.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace hg
