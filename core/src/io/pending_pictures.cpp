// TEMPORARY (removed by the image/PNG/plot work): placeholder definitions so the tree links.
#include "hourglass/core/error.h"
#include "hourglass/io/image.h"
#include "hourglass/io/plot.h"
#include "hourglass/io/png.h"

namespace hg::io {
Image::Image(int, int, Rgb) {
  HG_FAIL("pending");
}
Rgb Image::at(int, int) const {
  HG_FAIL("pending");
}
void Image::set(int, int, Rgb) {
  HG_FAIL("pending");
}
Image tensor_to_image(const Tensor&, int) {
  HG_FAIL("pending");
}
Image image_grid(const Tensor&, const GridOptions&) {
  HG_FAIL("pending");
}
Image stack_images(const std::vector<Image>&, bool, int, Rgb) {
  HG_FAIL("pending");
}
void write_png(const std::string&, const Image&) {
  HG_FAIL("pending");
}
std::string encode_png(const Image&) {
  HG_FAIL("pending");
}
Image read_png(const std::string&) {
  HG_FAIL("pending");
}
Rgb category_color(int64_t) {
  HG_FAIL("pending");
}
Image line_chart(const std::vector<Series>&, const LineChartOptions&) {
  HG_FAIL("pending");
}
Image scatter_plot(const std::vector<double>&, const std::vector<double>&,
                   const std::vector<int32_t>&, const ScatterOptions&) {
  HG_FAIL("pending");
}
}  // namespace hg::io
