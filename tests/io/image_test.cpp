// Image and the tensor-to-picture conversions: pixel values, layouts, grids, stacking, and the
// errors for bad shapes and oversized pictures. The tensor conversions run on every test device.
#include "hourglass/io/image.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "support/expect_error.h"
#include "support/op_harness.h"

namespace hg::io {
namespace {

bool same(Rgb a, Rgb b) {
  return a.r == b.r && a.g == b.g && a.b == b.b;
}

TEST(Image, FillsAndSetsPixelsAndIgnoresOutsidePoints) {
  Image image(3, 2, {10, 20, 30});
  EXPECT_EQ(image.pixels.size(), 18u);
  EXPECT_TRUE(same(image.at(2, 1), {10, 20, 30}));
  image.set(1, 0, {1, 2, 3});
  image.set(-1, 0, {9, 9, 9});
  image.set(3, 1, {9, 9, 9});
  EXPECT_TRUE(same(image.at(1, 0), {1, 2, 3}));
  EXPECT_EQ(image.pixels[3], 1);
  EXPECT_TRUE(same(image.at(0, 0), {10, 20, 30}));
  testing::expect_error([&] { image.at(3, 0); }, {"(3, 0)", "3x2"});
}

TEST(Image, RejectsEmptyAndOversizedSides) {
  testing::expect_error([] { Image(0, 5); }, {"[1, 8192]", "0x5"});
  testing::expect_error([] { Image(10, kMaxImageSide + 1); }, {"8193"});
}

TEST(Image, StacksVerticallyAndSideBySideWithGaps) {
  const Image a(4, 2, {255, 0, 0}), b(2, 3, {0, 0, 255});
  const Image v = stack_images({a, b}, /*vertical=*/true, /*gap=*/1, {0, 255, 0});
  EXPECT_EQ(v.width, 4);
  EXPECT_EQ(v.height, 6);
  EXPECT_TRUE(same(v.at(0, 1), {255, 0, 0}));
  EXPECT_TRUE(same(v.at(0, 2), {0, 255, 0}));  // the gap
  EXPECT_TRUE(same(v.at(1, 3), {0, 0, 255}));  // b centred: columns 1..2
  EXPECT_TRUE(same(v.at(0, 3), {0, 255, 0}));
  const Image h = stack_images({a, b}, /*vertical=*/false, /*gap=*/2);
  EXPECT_EQ(h.width, 8);
  EXPECT_EQ(h.height, 3);
  EXPECT_TRUE(same(h.at(6, 0), {0, 0, 255}));
  EXPECT_TRUE(same(h.at(4, 1), {255, 255, 255}));
  testing::expect_error([] { stack_images({}, true); }, {"at least one image"});
  testing::expect_error(
      [] {
        stack_images({Image(5000, 1), Image(5000, 1)}, false);
      },
      {"10004x1", "8192"});
}

class ImageOnDevice : public testing::DeviceTest {};

TEST_P(ImageOnDevice, ConvertsGrayAndRgbTensorsWithClampingAndScale) {
  HG_REQUIRE_DEVICE(device());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // [H=2, W=3] gray: 0, 0.5, 1 / -1 (clamped), 2 (clamped), NaN (black).
  const Tensor gray =
      Tensor::from_vector(std::vector<float>{0.0f, 0.5f, 1.0f, -1.0f, 2.0f, nan}, {2, 3}, device());
  const Image g = tensor_to_image(gray, 2);
  ASSERT_EQ(g.width, 6);
  ASSERT_EQ(g.height, 4);
  EXPECT_TRUE(same(g.at(0, 0), {0, 0, 0}));
  EXPECT_TRUE(same(g.at(3, 1), {128, 128, 128}));
  EXPECT_TRUE(same(g.at(5, 0), {255, 255, 255}));
  EXPECT_TRUE(same(g.at(1, 3), {0, 0, 0}));
  EXPECT_TRUE(same(g.at(2, 2), {255, 255, 255}));
  EXPECT_TRUE(same(g.at(5, 3), {0, 0, 0}));
  // [C=3, H=1, W=2]: planes R, G, B.
  const Tensor rgb = Tensor::from_vector(std::vector<float>{1.0f, 0.0f, 0.0f, 1.0f, 0.2f, 0.6f},
                                         {3, 1, 2}, device());
  const Image c = tensor_to_image(rgb);
  EXPECT_TRUE(same(c.at(0, 0), {255, 0, 51}));
  EXPECT_TRUE(same(c.at(1, 0), {0, 255, 153}));
  // [1, H, W] is gray too.
  const Image one = tensor_to_image(gray.reshape({1, 2, 3}));
  EXPECT_TRUE(same(one.at(1, 0), {128, 128, 128}));
}

TEST_P(ImageOnDevice, GridPlacesPicturesRowByRowWithGaps) {
  HG_REQUIRE_DEVICE(device());
  // Five 2x2 pictures whose pixels all equal (i + 1) / 10.
  std::vector<float> values;
  for (int i = 0; i < 5; ++i)
    for (int p = 0; p < 4; ++p)
      values.push_back(static_cast<float>(i + 1) / 10.0f);
  const Tensor batch = Tensor::from_vector(values, {5, 1, 2, 2}, device());
  GridOptions options;
  options.columns = 3;
  options.scale = 1;
  options.gap = 1;
  options.background = {255, 0, 0};
  const Image grid = image_grid(batch, options);
  EXPECT_EQ(grid.width, 3 * 2 + 4);
  EXPECT_EQ(grid.height, 2 * 2 + 3);
  EXPECT_TRUE(same(grid.at(0, 0), {255, 0, 0}));
  EXPECT_TRUE(same(grid.at(1, 1), {26, 26, 26}));     // picture 0
  EXPECT_TRUE(same(grid.at(8, 2), {77, 77, 77}));     // picture 2, top right
  EXPECT_TRUE(same(grid.at(4, 5), {128, 128, 128}));  // picture 4, second row
  EXPECT_TRUE(same(grid.at(7, 4), {255, 0, 0}));      // the empty last cell
  // [N, H, W] and flat [N, D] with sample_shape give the same grid.
  EXPECT_EQ(image_grid(batch.reshape({5, 2, 2}), options).pixels, grid.pixels);
  options.sample_shape = {1, 2, 2};
  EXPECT_EQ(image_grid(batch.reshape({5, 4}), options).pixels, grid.pixels);
  // Fewer pictures than columns: only as wide as needed.
  options.columns = 8;
  EXPECT_EQ(image_grid(batch.reshape({5, 4}), options).width, 5 * 2 + 6);
}

TEST_P(ImageOnDevice, RejectsBadShapesWithClearMessages) {
  HG_REQUIRE_DEVICE(device());
  const Tensor t = Tensor::zeros({2, 3, 4}, device());
  testing::expect_error([&] { tensor_to_image(Tensor::zeros({5}, device())); },
                        {"[C, H, W] or [H, W]", "[5]"});
  testing::expect_error([&] { tensor_to_image(t); }, {"1 (gray) or 3 (RGB)", "found 2"});
  testing::expect_error(
      [&] {
        tensor_to_image(Tensor::zeros({1, 4}, device()), 3000);
      },
      {"width", "12000", "8192"});
  GridOptions options;
  testing::expect_error(
      [&] {
        image_grid(Tensor::zeros({2, 6}, device()), options);
      },
      {"sample_shape"});
  options.sample_shape = {1, 2, 2};
  testing::expect_error(
      [&] {
        image_grid(Tensor::zeros({2, 6}, device()), options);
      },
      {"[1, 2, 2]", "6 values per sample"});
  options.sample_shape.clear();
  options.columns = 0;
  testing::expect_error([&] { image_grid(t, options); }, {"at least 1 column"});
  options.columns = 1;
  options.scale = 1;
  options.gap = 0;
  testing::expect_error(
      [&] {
        image_grid(Tensor::zeros({9000, 1, 1}, device()), options);
      },
      {"height", "9000", "8192"});
}

HG_INSTANTIATE_DEVICE_TESTS(ImageOnDevice);

}  // namespace
}  // namespace hg::io
