// PNG encoding and decoding with stb (Debian's libstb-dev, header-only): this file holds the one
// definition of stb_image_write's and stb_image's implementations, made static so they cannot
// clash with another copy of stb linked into the same program. Decoding is limited to PNG, and
// the chunk structure and the header's dimensions are checked before any pixel is decoded.
#include "hourglass/io/png.h"

#include <climits>
#include <cstdint>
#include <cstring>

#include "hourglass/core/error.h"
#include "hourglass/io/atomic_file.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace hg::io {
namespace {

constexpr char kPngSignature[] = "\x89PNG\r\n\x1a\n";
constexpr size_t kPngSignatureSize = 8;

void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                             static_cast<size_t>(size));
}

uint32_t big_endian_u32(const std::string& bytes, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<uint8_t>(bytes[at + i]);
  return v;
}

// Walks the chunks (length, type, data, CRC) up to IEND before stb sees the file, because stb
// trusts a chunk's declared length: it grows its IDAT buffer to that length before finding the
// bytes missing (a 75-byte file made it ask for 2 GiB, found by tests/fuzz/fuzz_png), and it
// copies an empty first IDAT from a null buffer (undefined behaviour). A chunk that runs past the
// end of the file, or a file without IEND, is refused; empty IDAT chunks carry no data and are
// dropped from the copy returned for stb.
std::string checked_png_chunks(const std::string& bytes, const std::string& path) {
  std::string out = bytes.substr(0, kPngSignatureSize);
  size_t at = kPngSignatureSize;
  for (;;) {
    HG_CHECK(bytes.size() - at >= 12, "'", path, "' is truncated: it ends at byte ", bytes.size(),
             " inside the chunk header at byte ", at, ", before the IEND chunk");
    const uint32_t length = big_endian_u32(bytes, at);
    const std::string type = bytes.substr(at + 4, 4);
    HG_CHECK(length <= bytes.size() - at - 12, "'", path,
             "' is truncated or corrupt: the chunk at byte ", at, " declares ", length,
             " data bytes, but only ", bytes.size() - at - 12, " follow it");
    const size_t chunk_size = 12 + static_cast<size_t>(length);
    if (!(type == "IDAT" && length == 0)) out.append(bytes, at, chunk_size);
    at += chunk_size;
    if (type == "IEND") return out;
  }
}

}  // namespace

std::string encode_png(const Image& image) {
  HG_CHECK(image.width >= 1 && image.width <= kMaxImageSide && image.height >= 1 &&
               image.height <= kMaxImageSide,
           "PNG sides must be in [1, ", kMaxImageSide, "], found ", image.width, "x", image.height);
  HG_CHECK(image.pixels.size() == static_cast<size_t>(image.width) * image.height * 3, "a ",
           image.width, "x", image.height, " RGB image needs ",
           static_cast<size_t>(image.width) * image.height * 3, " bytes, found ",
           image.pixels.size());
  std::string png;
  const int ok = stbi_write_png_to_func(append_bytes, &png, image.width, image.height, 3,
                                        image.pixels.data(), image.width * 3);
  HG_CHECK(ok != 0 && png.size() > kPngSignatureSize, "PNG encoding of a ", image.width, "x",
           image.height, " image failed");
  return png;
}

void write_png(const std::string& path, const Image& image) {
  write_file_atomic(path, encode_png(image));
}

Image read_png(const std::string& path) {
  const std::string bytes = read_file(path);
  HG_CHECK(bytes.size() > kPngSignatureSize &&
               std::memcmp(bytes.data(), kPngSignature, kPngSignatureSize) == 0,
           "'", path, "' is not a PNG file (it does not start with the PNG signature)");
  HG_CHECK(bytes.size() <= static_cast<size_t>(INT_MAX), "'", path, "' is too large (",
           bytes.size(), " bytes)");
  const std::string png = checked_png_chunks(bytes, path);
  const auto* data = reinterpret_cast<const stbi_uc*>(png.data());
  const int length = static_cast<int>(png.size());
  int width = 0, height = 0, channels = 0;
  HG_CHECK(stbi_info_from_memory(data, length, &width, &height, &channels) != 0, "'", path,
           "' is not a readable PNG file: ", stbi_failure_reason());
  HG_CHECK(width >= 1 && width <= kMaxImageSide && height >= 1 && height <= kMaxImageSide, "'",
           path, "' is ", width, "x", height, " pixels; the limit is ", kMaxImageSide, " per side");
  stbi_uc* pixels = stbi_load_from_memory(data, length, &width, &height, &channels, 3);
  HG_CHECK(pixels != nullptr, "'", path, "' is not a readable PNG file: ", stbi_failure_reason());
  Image image;
  image.width = width;
  image.height = height;
  image.pixels.assign(pixels, pixels + static_cast<size_t>(width) * height * 3);
  stbi_image_free(pixels);
  return image;
}

}  // namespace hg::io
