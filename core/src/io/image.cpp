// Image and the tensor-to-picture conversions (image.h): pixels come to the host once, are
// clamped to [0, 1] and scaled to 8 bits, and every size is checked against kMaxImageSide before
// anything is allocated.
#include "hourglass/io/image.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "hourglass/core/error.h"

namespace hg::io {
namespace {

// Host copy of a picture tensor's values as floats in [0, 1] (uint8 pixels are scaled by 1/255).
std::vector<float> host_pixels(const Tensor& t) {
  const Tensor cpu = t.detach().to(Device::cpu());
  if (cpu.dtype() == DType::kFloat32) return cpu.to_vector();
  HG_CHECK(cpu.dtype() == DType::kUInt8, "pixels must be float32 in [0, 1] or uint8, found ", t);
  const std::vector<uint8_t> bytes = cpu.to_vector_u8();
  std::vector<float> values(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i)
    values[i] = static_cast<float>(bytes[i]) / 255.0f;
  return values;
}

// "[2, 3]" for any list of dims (Shape would reject the invalid ones we are reporting).
std::string dims_str(const std::vector<int64_t>& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

uint8_t to_byte(float v) {
  if (!(v > 0.0f)) return 0;  // also NaN: drawn black
  if (v >= 1.0f) return 255;
  return static_cast<uint8_t>(std::lround(v * 255.0f));
}

// The [C, H, W] layout of one picture (C = 1 or 3) from the dims of a sample.
struct PictureShape {
  int64_t channels = 1, height = 0, width = 0;
  int64_t numel() const { return channels * height * width; }
};

PictureShape picture_shape(const std::vector<int64_t>& dims, const std::string& what) {
  PictureShape s;
  if (dims.size() == 2) {
    s.height = dims[0];
    s.width = dims[1];
  } else if (dims.size() == 3) {
    s.channels = dims[0];
    s.height = dims[1];
    s.width = dims[2];
  } else {
    HG_FAIL(what, " must be [C, H, W] or [H, W], found ", dims_str(dims));
  }
  HG_CHECK(s.channels == 1 || s.channels == 3, what,
           " must have 1 (gray) or 3 (RGB) channels, found ", s.channels, " in ", dims_str(dims));
  HG_CHECK(s.height >= 1 && s.width >= 1, what, " must have at least one pixel, found ",
           dims_str(dims));
  return s;
}

// A side length `cells * cell + (cells + 1) * gap` (gap may be 0), checked against
// kMaxImageSide in 64-bit arithmetic so absurd requests fail instead of overflowing.
int checked_side(int64_t cells, int64_t cell, int64_t gap, const char* what) {
  const int64_t side = cells * cell + (cells + 1) * gap;
  HG_CHECK(side >= 1 && side <= kMaxImageSide, "the picture's ", what, " would be ", side,
           " pixels; the limit is ", kMaxImageSide);
  return static_cast<int>(side);
}

// Draws one [C, H, W] picture (values starting at `src`) into `image` with its top-left corner at
// (x0, y0), each pixel as a scale x scale block.
void blit(Image& image, const float* src, const PictureShape& s, int scale, int x0, int y0) {
  const int64_t plane = s.height * s.width;
  for (int64_t y = 0; y < s.height; ++y) {
    for (int64_t x = 0; x < s.width; ++x) {
      const int64_t i = y * s.width + x;
      Rgb c;
      c.r = to_byte(src[i]);
      c.g = s.channels == 3 ? to_byte(src[plane + i]) : c.r;
      c.b = s.channels == 3 ? to_byte(src[2 * plane + i]) : c.r;
      for (int dy = 0; dy < scale; ++dy)
        for (int dx = 0; dx < scale; ++dx)
          image.set(x0 + static_cast<int>(x) * scale + dx, y0 + static_cast<int>(y) * scale + dy,
                    c);
    }
  }
}

}  // namespace

Image::Image(int w, int h, Rgb fill) : width(w), height(h) {
  HG_CHECK(w >= 1 && w <= kMaxImageSide && h >= 1 && h <= kMaxImageSide,
           "image sides must be in [1, ", kMaxImageSide, "], found ", w, "x", h);
  pixels.resize(static_cast<size_t>(w) * static_cast<size_t>(h) * 3);
  for (size_t i = 0; i < pixels.size(); i += 3) {
    pixels[i] = fill.r;
    pixels[i + 1] = fill.g;
    pixels[i + 2] = fill.b;
  }
}

Rgb Image::at(int x, int y) const {
  HG_CHECK(x >= 0 && x < width && y >= 0 && y < height, "pixel (", x, ", ", y, ") is outside the ",
           width, "x", height, " image");
  const size_t i = (static_cast<size_t>(y) * static_cast<size_t>(width) + x) * 3;
  return {pixels[i], pixels[i + 1], pixels[i + 2]};
}

void Image::set(int x, int y, Rgb color) {
  if (x < 0 || x >= width || y < 0 || y >= height) return;
  const size_t i = (static_cast<size_t>(y) * static_cast<size_t>(width) + x) * 3;
  pixels[i] = color.r;
  pixels[i + 1] = color.g;
  pixels[i + 2] = color.b;
}

Image tensor_to_image(const Tensor& pixels, int scale) {
  HG_CHECK(pixels.defined(), "tensor_to_image needs a tensor, found an undefined one");
  HG_CHECK(scale >= 1, "the pixel scale must be at least 1, found ", scale);
  const PictureShape s = picture_shape(pixels.shape().dims(), "a picture tensor");
  Image image(checked_side(1, s.width * scale, 0, "width"),
              checked_side(1, s.height * scale, 0, "height"));
  const std::vector<float> values = host_pixels(pixels);
  blit(image, values.data(), s, scale, 0, 0);
  return image;
}

Image image_grid(const Tensor& batch, const GridOptions& options) {
  HG_CHECK(batch.defined(), "image_grid needs a batch tensor, found an undefined one");
  HG_CHECK(options.columns >= 1, "a grid needs at least 1 column, found ", options.columns);
  HG_CHECK(options.scale >= 1, "the pixel scale must be at least 1, found ", options.scale);
  HG_CHECK(options.gap >= 0, "the grid gap must not be negative, found ", options.gap);
  const std::vector<int64_t> dims = batch.shape().dims();
  HG_CHECK(dims.size() >= 2 && dims.size() <= 4,
           "a batch of pictures must be [N, C, H, W], [N, H, W] or [N, D], found ", batch.shape());
  const int64_t n = dims[0];
  HG_CHECK(n >= 1, "a grid needs at least one picture, found an empty batch ", batch.shape());
  PictureShape s;
  if (!options.sample_shape.empty()) {
    s = picture_shape(options.sample_shape, "the grid's sample_shape");
    HG_CHECK(s.numel() * n == batch.numel(), "sample_shape ", dims_str(options.sample_shape),
             " does not fit a batch ", batch.shape(), " (", batch.numel() / n,
             " values per sample)");
  } else {
    HG_CHECK(dims.size() != 2, "a flat batch ", batch.shape(),
             " needs GridOptions::sample_shape ([C, H, W] or [H, W]) to reshape each row");
    s = picture_shape(std::vector<int64_t>(dims.begin() + 1, dims.end()), "each picture");
  }
  // Fewer pictures than columns: the grid is only as wide as it needs to be.
  const int64_t columns = std::min<int64_t>(options.columns, n);
  const int64_t rows = (n + columns - 1) / columns;
  const int64_t cell_w = s.width * options.scale, cell_h = s.height * options.scale;
  Image image(checked_side(columns, cell_w, options.gap, "width"),
              checked_side(rows, cell_h, options.gap, "height"), options.background);
  const std::vector<float> values = host_pixels(batch);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = i / columns, col = i % columns;
    const int x0 = static_cast<int>(options.gap + col * (cell_w + options.gap));
    const int y0 = static_cast<int>(options.gap + row * (cell_h + options.gap));
    blit(image, values.data() + i * s.numel(), s, options.scale, x0, y0);
  }
  return image;
}

Image stack_images(const std::vector<Image>& parts, bool vertical, int gap, Rgb background) {
  HG_CHECK(!parts.empty(), "stack_images needs at least one image, found none");
  HG_CHECK(gap >= 0, "the gap between stacked images must not be negative, found ", gap);
  int64_t along = 0, across = 0;  // sizes along the stacking direction and across it
  for (size_t i = 0; i < parts.size(); ++i) {
    const Image& p = parts[i];
    HG_CHECK(p.width >= 1 && p.height >= 1 &&
                 p.pixels.size() == static_cast<size_t>(p.width) * p.height * 3,
             "stack_images: image ", i, " is empty or malformed (", p.width, "x", p.height, ", ",
             p.pixels.size(), " bytes)");
    along += (vertical ? p.height : p.width) + (i ? gap : 0);
    across = std::max<int64_t>(across, vertical ? p.width : p.height);
  }
  const int64_t w = vertical ? across : along, h = vertical ? along : across;
  HG_CHECK(w <= kMaxImageSide && h <= kMaxImageSide, "the stacked picture would be ", w, "x", h,
           " pixels; the limit is ", kMaxImageSide, " per side");
  Image out(static_cast<int>(w), static_cast<int>(h), background);
  int offset = 0;
  for (const Image& p : parts) {
    // Each part is centred across the stacking direction.
    const int x0 = vertical ? static_cast<int>((w - p.width) / 2) : offset;
    const int y0 = vertical ? offset : static_cast<int>((h - p.height) / 2);
    for (int y = 0; y < p.height; ++y)
      std::copy_n(p.pixels.begin() + static_cast<size_t>(y) * p.width * 3,
                  static_cast<size_t>(p.width) * 3,
                  out.pixels.begin() + (static_cast<size_t>(y0 + y) * out.width + x0) * 3);
    offset += (vertical ? p.height : p.width) + gap;
  }
  return out;
}

}  // namespace hg::io
