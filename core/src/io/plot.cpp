// Line charts and scatter plots drawn pixel by pixel (plot.h). Both share one frame: axes fitted
// to the data and widened to "nice" tick values (steps of 1, 2 or 5 times a power of ten), light
// grid lines, tick labels and titles in the built-in 5x7 font (plot_font.h), and a legend placed
// in the corner of the plot area that covers the fewest data points.
#include "hourglass/io/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <string>

#include "hourglass/core/error.h"
#include "io/plot_font.h"

namespace hg::io {
namespace {

constexpr Rgb kBlack{0, 0, 0};
constexpr Rgb kGrid{228, 228, 228};
constexpr Rgb kFrame{170, 170, 170};
constexpr Rgb kWhite{255, 255, 255};
constexpr int kTick = 4;      // tick mark length, outside the plot area
constexpr int kPad = 8;       // space between the picture's edge and any text
constexpr int kMinPlot = 24;  // smallest plot area (pixels per side) we agree to draw

// ---- tick values ----------------------------------------------------------------------------

// The 1-2-5 step closest to range / target.
double nice_step(double range, int target) {
  const double raw = range / std::max(target, 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * magnitude;
}

// "1e-5", "2.5e6": exponent notation without '+' or leading zeros.
std::string exponent_label(double v, int mantissa_decimals) {
  const int e = static_cast<int>(std::floor(std::log10(std::fabs(v)) + 1e-9));
  char text[64];
  std::snprintf(text, sizeof text, "%.*fe%d", mantissa_decimals, v / std::pow(10.0, e), e);
  return text;
}

// A tick value printed with just the decimals its step needs.
std::string tick_label(double v, double step) {
  if (std::fabs(v) < step * 1e-6) return "0";
  const int step_exp = static_cast<int>(std::floor(std::log10(step) + 1e-9));
  if (step_exp < -4 || std::fabs(v) >= 1e6) {
    const int v_exp = static_cast<int>(std::floor(std::log10(std::fabs(v)) + 1e-9));
    return exponent_label(v, std::clamp(v_exp - step_exp, 0, 3));
  }
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", std::max(0, -step_exp), v);
  return text;
}

// One axis in drawing units (log10 of the values for a log axis): its range and labelled ticks.
struct Axis {
  double lo = 0.0, hi = 1.0;
  std::vector<double> ticks;
  std::vector<std::string> labels;
};

// Values [lo, hi] widened to whole steps, about `target` ticks.
Axis linear_axis(double lo, double hi, int target) {
  if (!(hi > lo)) {  // one value (or none): a unit-wide window around it
    const double half = lo == 0.0 ? 0.5 : std::fabs(lo) * 0.1;
    lo -= half;
    hi += half;
  }
  const double step = nice_step(hi - lo, target);
  Axis a;
  const double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
  a.lo = first * step;
  a.hi = last * step;
  for (double k = first; k <= last + 0.5; k += 1.0) {
    a.ticks.push_back(k * step);
    a.labels.push_back(tick_label(k * step, step));
  }
  return a;
}

// Log10-values [lo, hi]: ticks at powers of ten when the data spans a decade or more, else at
// nice linear values placed logarithmically.
Axis log_axis(double lo, double hi, int target) {
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  Axis a;
  if (hi - lo >= 1.0) {
    const double first = std::floor(lo + 1e-9), last = std::ceil(hi - 1e-9);
    const double every = std::max(1.0, std::ceil((last - first) / std::max(target, 1)));
    a.lo = first;
    a.hi = last;
    for (double e = first; e <= last + 0.5; e += every) {
      a.ticks.push_back(e);
      const double v = std::pow(10.0, e);
      a.labels.push_back(e >= -3 && e <= 5 ? tick_label(v, v) : exponent_label(v, 0));
    }
    return a;
  }
  const double pad = 0.05 * (hi - lo);
  a.lo = lo - pad;
  a.hi = hi + pad;
  const double vlo = std::pow(10.0, a.lo), vhi = std::pow(10.0, a.hi);
  const double step = nice_step(vhi - vlo, target);
  for (double k = std::ceil(vlo / step); k * step <= vhi; k += 1.0) {
    if (k * step <= 0.0) continue;
    a.ticks.push_back(std::log10(k * step));
    a.labels.push_back(tick_label(k * step, step));
  }
  return a;
}

// ---- the frame --------------------------------------------------------------------------------

struct Frame {
  int left = 0, top = 0, right = 0, bottom = 0;  // plot area, inclusive pixel bounds
  Axis x, y;

  int px(double v) const {
    return left + static_cast<int>(std::lround((v - x.lo) / (x.hi - x.lo) * (right - left)));
  }
  int py(double v) const {
    return bottom - static_cast<int>(std::lround((v - y.lo) / (y.hi - y.lo) * (bottom - top)));
  }
  bool inside(int xp, int yp) const {
    return xp >= left && xp <= right && yp >= top && yp <= bottom;
  }
};

struct Labels {
  std::string title, x_label, y_label;
};

int title_scale(int width) {
  return width >= 400 ? 2 : 1;
}

// Lays out the plot area of a width x height picture for axes fitted by `fit_x` / `fit_y`
// (functions of the target tick count), so the y tick labels decide the left margin.
template <class FitX, class FitY>
Frame layout(int width, int height, const Labels& labels, FitX fit_x, FitY fit_y) {
  const int line = font::text_height() + 4;
  int top = kPad;
  if (!labels.title.empty()) top += font::text_height(title_scale(width)) + 6;
  if (!labels.y_label.empty()) top += line;
  top += font::text_height() / 2;  // room for the top tick label's upper half
  int bottom = height - 1 - kPad - kTick - line;
  if (!labels.x_label.empty()) bottom -= line;
  Frame f;
  f.y = fit_y(std::clamp((bottom - top) / 45, 2, 8));
  int widest = 0;
  for (const std::string& s : f.y.labels)
    widest = std::max(widest, font::text_width(s));
  f.left = kPad + widest + 3 + kTick;
  f.right = width - 1 - 2 * kPad;
  f.top = top;
  f.bottom = bottom;
  HG_CHECK(f.right - f.left >= kMinPlot && f.bottom - f.top >= kMinPlot, "a ", width, "x", height,
           " picture is too small for a plot with its labels (the plot area would be ",
           f.right - f.left, "x", f.bottom - f.top, " pixels)");
  f.x = fit_x(std::clamp((f.right - f.left) / 70, 2, 10));
  return f;
}

void fill_rect(Image& image, int x0, int y0, int x1, int y1, Rgb color) {
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x)
      image.set(x, y, color);
}

void draw_frame(Image& image, const Frame& f, const Labels& labels) {
  const int w = image.width;
  for (size_t i = 0; i < f.y.ticks.size(); ++i) {
    const int y = f.py(f.y.ticks[i]);
    if (y < f.top || y > f.bottom) continue;
    fill_rect(image, f.left, y, f.right, y, kGrid);
    fill_rect(image, f.left - kTick, y, f.left - 1, y, kBlack);
    font::draw_text(image, f.left - kTick - 3 - font::text_width(f.y.labels[i]),
                    y - font::kGlyphHeight / 2, f.y.labels[i], kBlack);
  }
  int last_label_end = std::numeric_limits<int>::min();
  for (size_t i = 0; i < f.x.ticks.size(); ++i) {
    const int x = f.px(f.x.ticks[i]);
    if (x < f.left || x > f.right) continue;
    fill_rect(image, x, f.top, x, f.bottom, kGrid);
    fill_rect(image, x, f.bottom + 1, x, f.bottom + kTick, kBlack);
    const int tw = font::text_width(f.x.labels[i]);
    const int tx = std::clamp(x - tw / 2, 0, w - tw);
    if (tx <= last_label_end + 6) continue;  // would overlap the previous label
    font::draw_text(image, tx, f.bottom + kTick + 3, f.x.labels[i], kBlack);
    last_label_end = tx + tw;
  }
  // A light box with black left and bottom axes.
  fill_rect(image, f.left, f.top, f.right, f.top, kFrame);
  fill_rect(image, f.right, f.top, f.right, f.bottom, kFrame);
  fill_rect(image, f.left, f.top, f.left, f.bottom, kBlack);
  fill_rect(image, f.left, f.bottom, f.right, f.bottom, kBlack);

  int y = kPad;
  if (!labels.title.empty()) {
    const int s = title_scale(w);
    font::draw_text(image, std::max(0, (w - font::text_width(labels.title, s)) / 2), y,
                    labels.title, kBlack, s);
    y += font::text_height(s) + 6;
  }
  if (!labels.y_label.empty()) font::draw_text(image, kPad, y, labels.y_label, kBlack);
  if (!labels.x_label.empty()) {
    const int tw = font::text_width(labels.x_label);
    font::draw_text(image, std::max(0, (f.left + f.right - tw) / 2),
                    f.bottom + kTick + 3 + font::text_height() + 5, labels.x_label, kBlack);
  }
}

// A 2-pixel-thick Bresenham line, clipped to the plot area.
void draw_line(Image& image, const Frame& f, int x0, int y0, int x1, int y1, Rgb color) {
  const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
  const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  int err = dx + dy;
  for (;;) {
    for (int oy = 0; oy <= 1; ++oy)
      for (int ox = 0; ox <= 1; ++ox)
        if (f.inside(x0 + ox, y0 + oy)) image.set(x0 + ox, y0 + oy, color);
    if (x0 == x1 && y0 == y1) break;
    const int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

// A filled disc of `radius` (radius 1: a 3x3 square), clipped to the plot area.
void draw_dot(Image& image, const Frame& f, int x, int y, int radius, Rgb color) {
  for (int dy = -radius; dy <= radius; ++dy)
    for (int dx = -radius; dx <= radius; ++dx)
      if (dx * dx + dy * dy <= radius * radius + radius && f.inside(x + dx, y + dy))
        image.set(x + dx, y + dy, color);
}

struct LegendEntry {
  std::string text;
  Rgb color;
};

// The legend box in whichever corner of the plot area holds the fewest of `points` (pixel
// positions); ties go to top right, top left, bottom right, bottom left in that order.
void draw_legend(Image& image, const Frame& f, const std::vector<LegendEntry>& entries,
                 const std::vector<std::pair<int, int>>& points) {
  if (entries.empty()) return;
  constexpr int kSwatch = 14, kRow = font::kGlyphHeight + 4;
  int widest = 0;
  for (const LegendEntry& e : entries)
    widest = std::max(widest, font::text_width(e.text));
  const int w = 6 + kSwatch + 5 + widest + 6, h = 5 + static_cast<int>(entries.size()) * kRow;
  const int margin = 6;
  const int xs[2] = {f.right - margin - w, f.left + margin};
  const int ys[2] = {f.top + margin, f.bottom - margin - h};
  int best_x = xs[0], best_y = ys[0];
  size_t best = std::numeric_limits<size_t>::max();
  for (int yi = 0; yi < 2; ++yi) {
    for (int xi = 0; xi < 2; ++xi) {
      size_t covered = 0;
      for (const auto& [px, py] : points)
        covered +=
            px >= xs[xi] - 2 && px <= xs[xi] + w + 2 && py >= ys[yi] - 2 && py <= ys[yi] + h + 2;
      if (covered < best) {
        best = covered;
        best_x = xs[xi];
        best_y = ys[yi];
      }
    }
  }
  fill_rect(image, best_x, best_y, best_x + w, best_y + h, kWhite);
  fill_rect(image, best_x, best_y, best_x + w, best_y, kFrame);
  fill_rect(image, best_x, best_y + h, best_x + w, best_y + h, kFrame);
  fill_rect(image, best_x, best_y, best_x, best_y + h, kFrame);
  fill_rect(image, best_x + w, best_y, best_x + w, best_y + h, kFrame);
  for (size_t i = 0; i < entries.size(); ++i) {
    const int y = best_y + 5 + static_cast<int>(i) * kRow;
    fill_rect(image, best_x + 6, y + 2, best_x + 5 + kSwatch, y + 4, entries[i].color);
    font::draw_text(image, best_x + 6 + kSwatch + 5, y, entries[i].text, kBlack);
  }
}

}  // namespace

Rgb category_color(int64_t index) {
  // Ten hues far apart in colour and lightness, readable on white.
  static constexpr Rgb kPalette[10] = {
      {31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
      {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  return kPalette[((index % 10) + 10) % 10];
}

Image line_chart(const std::vector<Series>& series, const LineChartOptions& options) {
  Image image(options.width, options.height);
  // The drawable points of each series, in axis units (log10 of y on a log axis).
  std::vector<std::vector<std::pair<double, double>>> points(series.size());
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (size_t s = 0; s < series.size(); ++s) {
    HG_CHECK(series[s].x.size() == series[s].y.size(), "series '", series[s].name, "' has ",
             series[s].x.size(), " x values but ", series[s].y.size(), " y values");
    for (size_t i = 0; i < series[s].x.size(); ++i) {
      const double x = series[s].x[i];
      double y = series[s].y[i];
      if (options.log_y) y = y > 0.0 ? std::log10(y) : NAN;
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      points[s].emplace_back(x, y);
      xlo = std::min(xlo, x);
      xhi = std::max(xhi, x);
      ylo = std::min(ylo, y);
      yhi = std::max(yhi, y);
    }
  }
  if (!(xlo <= xhi)) xlo = 0.0, xhi = 1.0;
  if (!(ylo <= yhi)) ylo = options.log_y ? -1.0 : 0.0, yhi = options.log_y ? 0.0 : 1.0;
  const Labels labels{
      options.title, options.x_label,
      options.y_label + (options.log_y && !options.y_label.empty() ? " (log)" : "")};
  const Frame f = layout(
      options.width, options.height, labels, [&](int t) { return linear_axis(xlo, xhi, t); },
      [&](int t) { return options.log_y ? log_axis(ylo, yhi, t) : linear_axis(ylo, yhi, t); });
  draw_frame(image, f, labels);

  std::vector<std::pair<int, int>> pixels;
  std::vector<LegendEntry> legend;
  for (size_t s = 0; s < series.size(); ++s) {
    const Rgb color = category_color(static_cast<int64_t>(s));
    const bool markers = points[s].size() * 6 <= static_cast<size_t>(f.right - f.left);
    for (size_t i = 0; i < points[s].size(); ++i) {
      const int x = f.px(points[s][i].first), y = f.py(points[s][i].second);
      if (i > 0) {
        const int x0 = f.px(points[s][i - 1].first), y0 = f.py(points[s][i - 1].second);
        draw_line(image, f, x0, y0, x, y, color);
        // Sample the segment so the legend avoids lines, not only their end points.
        for (int k = 1; k < 8; ++k)
          pixels.emplace_back(x0 + (x - x0) * k / 8, y0 + (y - y0) * k / 8);
      }
      if (markers || points[s].size() == 1) draw_dot(image, f, x, y, 2, color);
      pixels.emplace_back(x, y);
    }
    if (!series[s].name.empty()) legend.push_back({series[s].name, color});
  }
  draw_legend(image, f, legend, pixels);
  return image;
}

Image scatter_plot(const std::vector<double>& x, const std::vector<double>& y,
                   const std::vector<int32_t>& labels, const ScatterOptions& options) {
  HG_CHECK(x.size() == y.size(), "scatter_plot needs as many y values as x values, found ",
           x.size(), " and ", y.size());
  HG_CHECK(labels.empty() || labels.size() == x.size(), "scatter_plot needs one label per point (",
           x.size(), ") or none, found ", labels.size());
  HG_CHECK(options.point_radius >= 0 && options.point_radius <= 20,
           "point_radius must be in [0, 20], found ", options.point_radius);
  Image image(options.width, options.height);
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    xlo = std::min(xlo, x[i]);
    xhi = std::max(xhi, x[i]);
    ylo = std::min(ylo, y[i]);
    yhi = std::max(yhi, y[i]);
  }
  if (!(xlo <= xhi)) xlo = 0.0, xhi = 1.0, ylo = 0.0, yhi = 1.0;
  // A little room so no point sits on the axes.
  const double xpad = 0.03 * (xhi - xlo), ypad = 0.03 * (yhi - ylo);
  const Labels text{options.title, options.x_label, options.y_label};
  const Frame f = layout(
      options.width, options.height, text,
      [&](int t) { return linear_axis(xlo - xpad, xhi + xpad, t); },
      [&](int t) { return linear_axis(ylo - ypad, yhi + ypad, t); });
  draw_frame(image, f, text);

  std::vector<std::pair<int, int>> pixels;
  std::set<int32_t> present;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    const int32_t label = labels.empty() ? 0 : labels[i];
    const int px = f.px(x[i]), py = f.py(y[i]);
    draw_dot(image, f, px, py, options.point_radius, category_color(label));
    pixels.emplace_back(px, py);
    if (!labels.empty()) present.insert(label);
  }
  // One legend row per label, at most 20 (then a count of the rest).
  std::vector<LegendEntry> legend;
  for (int32_t label : present) {
    if (legend.size() == 20) {
      legend.push_back({"+" + std::to_string(present.size() - 20) + " more", kWhite});
      break;
    }
    legend.push_back({std::to_string(label), category_color(label)});
  }
  draw_legend(image, f, legend, pixels);
  return image;
}

}  // namespace hg::io
