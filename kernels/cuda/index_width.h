// When the CUDA broadcast kernel may use 32-bit indices (kernels/cuda/elementwise.cu). Plain C++
// so the CPU tests check the rule directly.
#pragma once

#include <cstdint>
#include <limits>

namespace hg::kernels::cuda {

// The grid-stride loop `for (i = first; i < numel; i += grid_threads)` computes i up to
// numel - 1 + grid_threads before it stops, so that sum must fit int32 as well as numel and the
// operands' largest offsets (a_max, b_max); otherwise i overflows (undefined behaviour, in
// practice a wrap to a negative index and a write before the output).
constexpr bool broadcast_index_fits_int32(int64_t numel, int64_t a_max, int64_t b_max,
                                          int64_t grid_threads) {
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  return numel <= kMax - grid_threads && a_max <= kMax && b_max <= kMax;
}

}  // namespace hg::kernels::cuda
