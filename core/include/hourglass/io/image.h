// Image: an 8-bit RGB raster for the pictures a run writes (reconstruction grids, samples,
// interpolation strips, latent maps, loss curves), and the conversions from tensors of pixels.
// Tensor pixels are float32 in [0, 1] (clamped; NaN drawn black), laid out [C, H, W] with C = 1
// (gray) or 3 (RGB).
#pragma once

#include <cstdint>
#include <vector>

#include "hourglass/core/tensor.h"

namespace hg::io {

// Largest width or height of any picture we write: bigger requests are an hg::Error, never a
// huge allocation.
constexpr int kMaxImageSide = 8192;

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // RGB, row-major, 3 * width * height bytes

  Image() = default;
  // Sides in [1, kMaxImageSide] (hg::Error otherwise), filled with `fill`.
  Image(int width, int height, Rgb fill = {255, 255, 255});
  Rgb at(int x, int y) const;
  void set(int x, int y, Rgb color);  // silently ignores points outside the image
};

// One image from a [C, H, W] (C = 1 or 3) or [H, W] tensor on any device, each pixel scaled
// `scale` times (nearest neighbour) so 28x28 digits stay visible.
Image tensor_to_image(const Tensor& pixels, int scale = 1);

// A grid of images from a batch [N, C, H, W] (or [N, H, W], or [N, D] with `sample_shape` giving
// the [C, H, W] or [H, W] it reshapes to): `columns` per row, `gap` pixels of `background`
// between cells and around the edge. Rows are filled left to right, top to bottom.
struct GridOptions {
  int columns = 8;
  int scale = 2;
  int gap = 2;
  Rgb background{255, 255, 255};
  std::vector<int64_t> sample_shape;  // needed only for flat [N, D] batches
};
Image image_grid(const Tensor& batch, const GridOptions& options);

// Places `parts` one above the other (vertically) or side by side, separated by `gap` pixels.
Image stack_images(const std::vector<Image>& parts, bool vertical, int gap = 4,
                   Rgb background = {255, 255, 255});

}  // namespace hg::io
