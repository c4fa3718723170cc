// Plots drawn straight into an Image, with no plotting library: line charts (loss curves) and
// scatter plots (2-D latent maps coloured by label). Each has axes with tick labels and a legend,
// drawn in a built-in 5x7 pixel font, so a PNG explains itself without a caption.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hourglass/io/image.h"

namespace hg::io {

// A fixed palette of 10 clearly distinct colours (label 0..9 of MNIST), repeated beyond.
Rgb category_color(int64_t index);

struct Series {
  std::string name;
  std::vector<double> x, y;  // same length; non-finite points are skipped
};

struct LineChartOptions {
  int width = 640;
  int height = 400;
  std::string title;
  std::string x_label = "epoch";
  std::string y_label = "loss";
  bool log_y = false;  // log10 axis (needs positive values; others are skipped)
};
// Every series on shared axes fitted to the data, each in category_color(i), named in a legend.
// Empty series (or none) draw empty axes.
Image line_chart(const std::vector<Series>& series, const LineChartOptions& options);

struct ScatterOptions {
  int width = 640;
  int height = 640;
  std::string title;
  std::string x_label = "z0";
  std::string y_label = "z1";
  int point_radius = 1;
};
// Points (x[i], y[i]) coloured by labels[i] (category_color; labels may be empty: one colour),
// with a legend of the labels present.
Image scatter_plot(const std::vector<double>& x, const std::vector<double>& y,
                   const std::vector<int32_t>& labels, const ScatterOptions& options);

}  // namespace hg::io
