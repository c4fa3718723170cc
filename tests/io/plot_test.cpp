// Plots: where the coloured pixels of a line chart and a scatter plot land, that text and legends
// are drawn, that sizes are respected, and the errors for mismatched inputs.
#include "hourglass/io/plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

#include "hourglass/io/png.h"
#include "support/expect_error.h"

namespace hg::io {
namespace {

bool same(Rgb a, Rgb b) {
  return a.r == b.r && a.g == b.g && a.b == b.b;
}

struct Pixel {
  int x, y;
};

std::vector<Pixel> pixels_of(const Image& image, Rgb color) {
  std::vector<Pixel> found;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      if (same(image.at(x, y), color)) found.push_back({x, y});
  return found;
}

int count_black(const Image& image, int x0, int y0, int x1, int y1) {
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x)
      n += same(image.at(x, y), {0, 0, 0});
  return n;
}

// When HG_PLOT_TEST_DIR is set, the pictures are saved there for a person to look at.
void maybe_save(const Image& image, const std::string& name) {
  if (const char* dir = std::getenv("HG_PLOT_TEST_DIR"))
    write_png(std::string(dir) + "/" + name, image);
}

TEST(Plot, CategoryColorsAreDistinctAndRepeat) {
  std::set<std::tuple<int, int, int>> colors;
  for (int i = 0; i < 10; ++i) {
    const Rgb c = category_color(i);
    colors.insert({c.r, c.g, c.b});
    EXPECT_FALSE(same(c, {255, 255, 255}));
  }
  EXPECT_EQ(colors.size(), 10u);
  EXPECT_TRUE(same(category_color(13), category_color(3)));
  EXPECT_TRUE(same(category_color(-1), category_color(9)));
}

TEST(Plot, LineChartOfARisingSeriesGoesUpToTheRight) {
  Series rising{"train", {}, {}};
  for (int i = 1; i <= 20; ++i) {
    rising.x.push_back(i);
    rising.y.push_back(0.1 * i + 0.02 * std::sin(i));
  }
  LineChartOptions options;
  options.width = 320;
  options.height = 200;
  options.title = "Loss";
  const Image image = line_chart({rising}, options);
  maybe_save(image, "line_chart.png");
  ASSERT_EQ(image.width, 320);
  ASSERT_EQ(image.height, 200);
  // The series' pixels (the legend swatch excluded: the legend avoids the data, and its rows
  // are short) : average y over the left and right thirds of the data's x extent.
  const std::vector<Pixel> line = pixels_of(image, category_color(0));
  ASSERT_GT(line.size(), 200u);
  int xmin = image.width, xmax = 0;
  for (const Pixel& p : line) {
    xmin = std::min(xmin, p.x);
    xmax = std::max(xmax, p.x);
  }
  double left = 0, right = 0;
  int nl = 0, nr = 0;
  for (const Pixel& p : line) {
    if (p.x < xmin + (xmax - xmin) / 3) left += p.y, ++nl;
    if (p.x > xmax - (xmax - xmin) / 3) right += p.y, ++nr;
  }
  ASSERT_GT(nl, 0);
  ASSERT_GT(nr, 0);
  EXPECT_GT(left / nl, right / nr + 60);  // image y grows downwards
  // Text exists: the title at the top, tick labels at the left and bottom edges.
  EXPECT_GT(count_black(image, 100, 0, 220, 30), 20);
  EXPECT_GT(count_black(image, 0, 40, 30, 170), 20);
  EXPECT_GT(count_black(image, 40, 180, 320, 200), 20);
}

TEST(Plot, LineChartDrawsEverySeriesWithALegendAndALogAxis) {
  // train has no name, so no legend swatch of its colour muddles the geometry below.
  Series train{"", {1, 2, 3, 4, 5}, {1.0, 0.3, 0.1, 0.03, 0.01}};
  Series test{
      "test", {1, 2, 3, 4, 5}, {2.0, 0.5, std::numeric_limits<double>::quiet_NaN(), 0.05, -1.0}};
  LineChartOptions options;
  options.log_y = true;
  const Image image = line_chart({train, test}, options);
  maybe_save(image, "line_chart_log.png");
  EXPECT_EQ(image.width, 640);
  EXPECT_EQ(image.height, 400);
  EXPECT_GT(pixels_of(image, category_color(0)).size(), 300u);
  EXPECT_GT(pixels_of(image, category_color(1)).size(), 200u);
  // On a log axis 1.0 -> 0.01 falls at a constant rate: the train series' pixel in the middle
  // column of the data lies near the middle of its vertical extent.
  const std::vector<Pixel> line = pixels_of(image, category_color(0));
  int xmin = image.width, xmax = 0, ymin = image.height, ymax = 0;
  for (const Pixel& p : line) {
    xmin = std::min(xmin, p.x), xmax = std::max(xmax, p.x);
    ymin = std::min(ymin, p.y), ymax = std::max(ymax, p.y);
  }
  for (const Pixel& p : line)
    if (p.x == (xmin + xmax) / 2) {
      EXPECT_NEAR(p.y, (ymin + ymax) / 2.0, 8.0);
    }
  // The legend ("test") sits in the empty top right corner.
  EXPECT_GT(count_black(image, 490, 0, 640, 80), 15);
  // Empty input draws empty axes of the requested size.
  const Image empty = line_chart({}, LineChartOptions{});
  EXPECT_EQ(empty.width, 640);
  EXPECT_TRUE(pixels_of(empty, category_color(0)).empty());
  EXPECT_GT(count_black(empty, 0, 0, empty.width, empty.height), 200);
}

TEST(Plot, ScatterPutsTwoClustersInOppositeQuadrants) {
  std::vector<double> x, y;
  std::vector<int32_t> labels;
  for (int i = 0; i < 50; ++i) {
    const double jitter = 0.3 * std::sin(i * 1.7), jitter2 = 0.3 * std::cos(i * 2.3);
    x.push_back(-5 + jitter);  // label 0: bottom left
    y.push_back(-5 + jitter2);
    labels.push_back(0);
    x.push_back(5 + jitter2);  // label 1: top right
    y.push_back(5 + jitter);
    labels.push_back(1);
  }
  ScatterOptions options;
  options.width = 300;
  options.height = 260;
  options.title = "latent map";
  options.point_radius = 2;
  const Image image = scatter_plot(x, y, labels, options);
  maybe_save(image, "scatter.png");
  ASSERT_EQ(image.width, 300);
  ASSERT_EQ(image.height, 260);
  const std::vector<Pixel> zeros = pixels_of(image, category_color(0));
  const std::vector<Pixel> ones = pixels_of(image, category_color(1));
  ASSERT_GT(zeros.size(), 50u);
  ASSERT_GT(ones.size(), 50u);
  // The clusters' pixels lie in their quadrants; the only exception allowed is the legend's
  // 14x3 swatches, drawn in whichever corner of the plot area the points leave free.
  int zero_bottom_left = 0, one_top_right = 0, zero_elsewhere = 0, one_elsewhere = 0;
  for (const Pixel& p : zeros)
    (p.x < 150 && p.y > 130 ? zero_bottom_left : zero_elsewhere) += 1;
  for (const Pixel& p : ones)
    (p.x > 150 && p.y < 130 ? one_top_right : one_elsewhere) += 1;
  EXPECT_GT(zero_bottom_left, 50);
  EXPECT_GT(one_top_right, 50);
  EXPECT_LE(zero_elsewhere, 42);
  EXPECT_LE(one_elsewhere, 42);
  // The legend names both labels, with black text somewhere away from the axes' labels.
  EXPECT_GT(count_black(image, 60, 40, 290, 220), 20);
}

TEST(Plot, ScatterWithoutLabelsUsesOneColourAndNoLegend) {
  const Image image = scatter_plot({0.0, 1.0, 2.0}, {0.0, 1.0, 4.0}, {}, ScatterOptions{});
  EXPECT_EQ(image.width, 640);
  EXPECT_EQ(image.height, 640);
  EXPECT_EQ(pixels_of(image, category_color(0)).size(), 3u * 9u);  // three 3x3 dots
}

TEST(Plot, RejectsMismatchedInputsAndTinyPictures) {
  testing::expect_error([] { scatter_plot({1.0, 2.0}, {1.0}, {}, ScatterOptions{}); }, {"2 and 1"});
  testing::expect_error(
      [] {
        scatter_plot({1.0, 2.0}, {1.0, 2.0}, {1}, ScatterOptions{});
      },
      {"one label per point (2)", "found 1"});
  testing::expect_error(
      [] {
        line_chart({Series{"a", {1, 2}, {1}}}, LineChartOptions{});
      },
      {"'a'", "2 x values but 1 y values"});
  LineChartOptions tiny;
  tiny.width = 40;
  tiny.height = 30;
  testing::expect_error([&] { line_chart({}, tiny); }, {"40x30", "too small"});
  tiny.width = 0;
  testing::expect_error([&] { line_chart({}, tiny); }, {"0x30"});
}

}  // namespace
}  // namespace hg::io
