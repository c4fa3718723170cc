// The CUDA broadcast kernel's choice of 32-bit indices (kernels/cuda/index_width.h): numel plus
// the grid's thread count must fit int32 (the grid-stride loop computes i + stride once past the
// end), not numel alone; the operands' largest offsets must fit too.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "cuda/index_width.h"

namespace hg::kernels::cuda {
namespace {

constexpr int64_t kMax = std::numeric_limits<int32_t>::max();

TEST(IndexWidth, GridStrideMustNotPassInt32Max) {
  const int64_t grid_threads = int64_t{4096} * 256;
  EXPECT_TRUE(broadcast_index_fits_int32(1000, 999, 0, grid_threads));
  EXPECT_TRUE(broadcast_index_fits_int32(kMax - grid_threads, 0, 0, grid_threads));
  // Below INT32_MAX, but i + stride would pass it: the old rule (numel < INT32_MAX) took these.
  EXPECT_FALSE(broadcast_index_fits_int32(kMax - grid_threads + 1, 0, 0, grid_threads));
  EXPECT_FALSE(broadcast_index_fits_int32(kMax - 1, 0, 0, grid_threads));
  EXPECT_FALSE(broadcast_index_fits_int32(kMax + int64_t{1}, 0, 0, 256));
  // Operand offsets.
  EXPECT_TRUE(broadcast_index_fits_int32(10, kMax, kMax, 256));
  EXPECT_FALSE(broadcast_index_fits_int32(10, kMax + int64_t{1}, 0, 256));
  EXPECT_FALSE(broadcast_index_fits_int32(10, 0, kMax + int64_t{1}, 256));
}

}  // namespace
}  // namespace hg::kernels::cuda
