// TEMPORARY (removed by the plot work): placeholder definitions so the tree links.
#include "hourglass/core/error.h"
#include "hourglass/io/plot.h"

namespace hg::io {
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
