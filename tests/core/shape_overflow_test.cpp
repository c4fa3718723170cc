// Shape::numel and Tensor::reshape multiply dimensions with a checked multiply: a product past
// INT64_MAX (undefined behaviour unchecked) is an hg::Error naming the shape; a zero dimension
// gives 0 elements however large the others are.
#include <gtest/gtest.h>

#include <cstdint>

#include "hourglass/hourglass.h"
#include "support/expect_error.h"

namespace hg {
namespace {

constexpr int64_t kBig = int64_t{1} << 32;

TEST(ShapeOverflow, NumelPastInt64IsAnError) {
  const Shape fits{kBig, (int64_t{1} << 30) - 1};  // 2^62 - 2^32 elements
  EXPECT_EQ(fits.numel(), kBig * ((int64_t{1} << 30) - 1));
  const Shape too_many{kBig, kBig};  // 2^64
  testing::expect_error([&] { (void)too_many.numel(); },
                        {"shape [4294967296, 4294967296]", "more elements than an int64"});
  EXPECT_EQ((Shape{kBig, kBig, 0}).numel(), 0);
  EXPECT_EQ((Shape{}).numel(), 1);
}

TEST(ShapeOverflow, ReshapeWithHugeDimensionsIsAnError) {
  const Tensor t = Tensor::zeros(Shape{2, 3});
  testing::expect_error(
      [&] {
        (void)t.reshape({kBig, kBig, -1});
      },
      {"cannot reshape [2, 3]", "int64"});
  testing::expect_error([&] { (void)t.reshape({kBig, kBig}); }, {"int64"});
  testing::expect_error([&] { (void)t.reshape({kBig, 0, -1}); }, {"cannot reshape [2, 3]"});
  EXPECT_EQ(t.reshape({3, -1}).shape(), (Shape{3, 2}));
}

}  // namespace
}  // namespace hg
