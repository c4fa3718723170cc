// OpenBLAS takes its sizes and leading dimensions as (32-bit) blasint while the Backend contract
// passes int64_t: every narrowing goes through blas_int(), which refuses a value that does not
// fit instead of truncating it (a truncated size would make BLAS read or write the wrong memory).
// The CUDA twin (kernels/cuda/gemm.cu, to_int) refuses the same values for cuBLAS.
#pragma once

#include <cblas.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace hg::kernels::cpu {

// `value` as BLAS's integer type; std::invalid_argument naming `what` when it is negative or too
// large.
inline blasint blas_int(int64_t value, const char* what) {
  if (value < 0 || value > static_cast<int64_t>(std::numeric_limits<blasint>::max()))
    throw std::invalid_argument(std::string("gemm: ") + what + " = " + std::to_string(value) +
                                " does not fit BLAS's int arguments");
  return static_cast<blasint>(value);
}

}  // namespace hg::kernels::cpu
