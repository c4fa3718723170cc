// Progress: reports how far a long loop (an epoch) has come. On a terminal it redraws one line,
//   epoch 1/5 [#####.....] 12345/60000  8,512 samples/s  loss 0.0312  ETA 0:05
// at most ten times a second. When the stream is a file or a pipe it prints a plain line only
// every `plain_interval_s` seconds (or every `plain_percent` of the way, when set) and at the end,
// so logs stay short.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

namespace hg {

struct ProgressOptions {
  std::FILE* out = stderr;
  int interactive = -1;  // -1: redraw when `out` is a terminal; 0: plain lines; 1: redraw
  double plain_interval_s = 10.0;
  double plain_percent = 0.0;  // > 0: also a plain line each time this many percent are passed
  int bar_width = 20;
  const char* unit = "samples";
};

// "8,512"
std::string format_thousands(int64_t value);
// "0:05", "12:34", "1:02:03"
std::string format_duration(double seconds);
// One progress line (no newline). rate in units/s (< 0: unknown), loss NaN: not shown,
// eta_s < 0: not shown. bar_width 0 leaves the bar out.
std::string format_progress_line(const std::string& label, int64_t done, int64_t total, double rate,
                                 double loss, double eta_s, int bar_width,
                                 const char* unit = "samples");

class Progress {
 public:
  static constexpr double kNoLoss = std::numeric_limits<double>::quiet_NaN();

  Progress(std::string label, int64_t total, ProgressOptions options = {});
  ~Progress();  // ends a half-drawn terminal line, so later messages start on their own line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // True when update(done) would print something now; lets a caller skip computing what it
  // would show (e.g. reading a loss back from the GPU).
  bool due(int64_t done) const;
  // `done` units of `total` finished; loss is shown when not NaN.
  void update(int64_t done, double loss = kNoLoss);
  // Prints the final line (a newline ends the redrawn one). Idempotent.
  void finish(double loss = kNoLoss);

  bool interactive() const { return interactive_; }
  int lines_printed() const { return lines_; }

 private:
  void draw(int64_t done, double loss, bool final_line);

  std::string label_;
  int64_t total_;
  ProgressOptions options_;
  bool interactive_;
  bool finished_ = false;
  bool line_open_ = false;  // a redrawn line without its newline yet
  int lines_ = 0;
  int64_t last_done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace hg
