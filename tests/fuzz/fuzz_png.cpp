// Fuzz target: PNG reading (core/src/io/png.cpp over stb_image), used by the image commands
// (denoise, inpaint, ... on a user's pictures). An accepted image has the size it reports.
#include "fuzz_target.h"
#include "hourglass/io/png.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hg::fuzz::input_file(data, size, ".png");
  hg::fuzz::expect_accept_or_hg_error([&] {
    const hg::io::Image image = hg::io::read_png(path);
    if (image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) std::abort();
  });
  return 0;
}
