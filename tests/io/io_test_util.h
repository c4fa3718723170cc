// Shared by the io tests: a file round trip must give back the same tensor, bit for bit.
#pragma once

#include <gtest/gtest.h>

#include "hourglass/core/tensor.h"

namespace hg::testing {

// Same dtype, shape and every element (bitwise for float32); `b` lies on the CPU.
inline void expect_same_tensor(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_TRUE(b.device().is_cpu());
  switch (a.dtype()) {
    case DType::kFloat32:
      EXPECT_EQ(a.to_vector(), b.to_vector());
      break;
    case DType::kInt32:
      EXPECT_EQ(a.to_vector_i32(), b.to_vector_i32());
      break;
    case DType::kUInt8:
      EXPECT_EQ(a.to_vector_u8(), b.to_vector_u8());
      break;
  }
}

}  // namespace hg::testing
