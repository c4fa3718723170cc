// PNG files: 8-bit RGB images written with stb_image_write (Debian's libstb-dev), atomically
// (atomic_file.h), and read back for tests and tools.
#pragma once

#include <string>

#include "hourglass/io/image.h"

namespace hg::io {

void write_png(const std::string& path, const Image& image);
std::string encode_png(const Image& image);
// Decodes a PNG (any bit depth and colour type stb_image reads) into RGB; hg::Error naming the
// file when it is not a PNG or larger than kMaxImageSide.
Image read_png(const std::string& path);

}  // namespace hg::io
