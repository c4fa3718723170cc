// The CPU GEMM (and the convolution's GEMMs) narrow int64 sizes to OpenBLAS's int through
// blas_int (kernels/cpu/blas_int.h): values past INT32_MAX or negative are refused, never
// truncated, as the CUDA twin (cuBLAS) refuses them. The gemm call with m = 2^31 throws before
// BLAS touches the (tiny) operands.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/blas_int.h"
#include "hourglass/core/device.h"
#include "hourglass/kernels/backend.h"

namespace hg::kernels::cpu {
namespace {

TEST(BlasInt, FitsOrThrows) {
  EXPECT_EQ(blas_int(0, "m"), 0);
  EXPECT_EQ(blas_int(std::numeric_limits<int32_t>::max(), "m"),
            std::numeric_limits<int32_t>::max());
  for (const int64_t bad : {int64_t{1} << 31, int64_t{1} << 40, int64_t{-1}}) {
    try {
      (void)blas_int(bad, "lda");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("lda = " + std::to_string(bad)), std::string::npos)
          << e.what();
    }
  }
}

TEST(BlasInt, CpuGemmRefusesSizesPastInt32) {
  std::vector<float> a(4, 1.0f), b(4, 1.0f), c(4, 0.0f);
  Backend& cpu = backend_for(Device::cpu());
  const int64_t huge = int64_t{1} << 31;
  EXPECT_THROW(
      cpu.gemm(false, false, huge, 1, 1, 1.0f, a.data(), 1, b.data(), 1, 0.0f, c.data(), 1),
      std::invalid_argument);
  EXPECT_THROW(
      cpu.gemm(false, false, 1, 1, 1, 1.0f, a.data(), huge + 5, b.data(), 1, 0.0f, c.data(), 1),
      std::invalid_argument);
  EXPECT_EQ(c, std::vector<float>(4, 0.0f));  // nothing written
  cpu.gemm(false, false, 2, 2, 1, 1.0f, a.data(), 1, b.data(), 2, 0.0f, c.data(), 2);
  EXPECT_EQ(c, std::vector<float>(4, 1.0f));
}

}  // namespace
}  // namespace hg::kernels::cpu
