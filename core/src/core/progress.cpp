// Progress lines: formatting, and when to print them on a terminal versus a log file.
#include "hourglass/core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hg {
namespace {

constexpr double kRedrawInterval = 0.1;  // seconds between terminal redraws

double seconds_between(std::chrono::steady_clock::time_point a,
                       std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

std::string format_thousands(int64_t value) {
  const bool negative = value < 0;
  std::string digits = std::to_string(negative ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t total = static_cast<int64_t>(std::llround(seconds));
  const int64_t h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char text[32];
  if (h > 0) {
    std::snprintf(text, sizeof(text), "%lld:%02lld:%02lld", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(s));
  } else {
    std::snprintf(text, sizeof(text), "%lld:%02lld", static_cast<long long>(m),
                  static_cast<long long>(s));
  }
  return text;
}

std::string format_progress_line(const std::string& label, int64_t done, int64_t total, double rate,
                                 double loss, double eta_s, int bar_width, const char* unit) {
  std::string line = label;
  if (bar_width > 0 && total > 0) {
    const int64_t clamped = std::min(std::max<int64_t>(done, 0), total);
    const int filled = static_cast<int>(clamped * bar_width / total);
    line += " [" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
  }
  line += " " + std::to_string(done) + "/" + std::to_string(total);
  if (rate >= 0 && std::isfinite(rate)) {
    line += "  " + format_thousands(static_cast<int64_t>(std::llround(rate))) + " " + unit + "/s";
  }
  if (!std::isnan(loss)) {
    char text[32];
    std::snprintf(text, sizeof(text), "  loss %.4f", loss);
    line += text;
  }
  if (eta_s >= 0) line += "  ETA " + format_duration(eta_s);
  return line;
}

Progress::Progress(std::string label, int64_t total, ProgressOptions options)
    : label_(std::move(label)), total_(total), options_(options) {
  interactive_ =
      options_.interactive >= 0 ? options_.interactive != 0 : isatty(fileno(options_.out)) != 0;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

Progress::~Progress() {
  if (line_open_) {
    std::fputc('\n', options_.out);
    std::fflush(options_.out);
  }
}

bool Progress::due(int64_t done) const {
  if (finished_) return false;
  const double since = seconds_between(last_draw_, std::chrono::steady_clock::now());
  if (interactive_) return since >= kRedrawInterval;
  if (since >= options_.plain_interval_s) return true;
  if (options_.plain_percent > 0 && total_ > 0) {
    const double step = options_.plain_percent / 100.0 * static_cast<double>(total_);
    return std::floor(static_cast<double>(done) / step) >
           std::floor(static_cast<double>(last_done_) / step);
  }
  return false;
}

void Progress::update(int64_t done, double loss) {
  if (!due(done)) return;
  draw(done, loss, false);
}

void Progress::finish(double loss) {
  if (finished_) return;
  draw(total_, loss, true);
  finished_ = true;
}

void Progress::draw(int64_t done, double loss, bool final_line) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = seconds_between(start_, now);
  const double rate = elapsed > 0 && done > 0 ? static_cast<double>(done) / elapsed : -1.0;
  const double eta = final_line || rate <= 0 ? -1.0 : static_cast<double>(total_ - done) / rate;
  std::string line = format_progress_line(label_, done, total_, rate, loss, eta,
                                          interactive_ ? options_.bar_width : 0, options_.unit);
  if (final_line) line += "  time " + format_duration(elapsed);
  if (interactive_) {
    // Carriage return, the line, then erase whatever a longer previous line left behind.
    std::fprintf(options_.out, "\r%s\033[K%s", line.c_str(), final_line ? "\n" : "");
    line_open_ = !final_line;
  } else {
    std::fprintf(options_.out, "%s\n", line.c_str());
  }
  std::fflush(options_.out);
  ++lines_;
  last_done_ = done;
  last_draw_ = now;
}

}  // namespace hg
