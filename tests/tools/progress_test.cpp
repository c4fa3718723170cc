// Progress lines: the formatting, and that a log file gets a few plain lines rather than one per
// update, while a terminal gets a redrawn line.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "hourglass/core/progress.h"

namespace hg {
namespace {

std::string contents(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  for (int c; (c = std::fgetc(file)) != EOF;)
    text += static_cast<char>(c);
  return text;
}

TEST(Progress, Formatting) {
  EXPECT_EQ(format_thousands(0), "0");
  EXPECT_EQ(format_thousands(999), "999");
  EXPECT_EQ(format_thousands(8512), "8,512");
  EXPECT_EQ(format_thousands(1234567), "1,234,567");
  EXPECT_EQ(format_thousands(-1000), "-1,000");
  EXPECT_EQ(format_duration(5), "0:05");
  EXPECT_EQ(format_duration(754), "12:34");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(-1), "?");
  EXPECT_EQ(format_progress_line("epoch 1/5", 12345, 60000, 8512.4, 0.0312, 5.2, 10),
            "epoch 1/5 [##........] 12345/60000  8,512 samples/s  loss 0.0312  ETA 0:05");
  EXPECT_EQ(format_progress_line("e", 3, 4, -1, std::nan(""), -1, 0), "e 3/4");
}

TEST(Progress, PlainOutputDoesNotSpam) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    ProgressOptions options;
    options.out = file;
    options.interactive = 0;
    options.plain_interval_s = 3600;
    Progress progress("epoch 1/1", 1000, options);
    for (int i = 1; i <= 1000; ++i)
      progress.update(i, 0.5);
    EXPECT_EQ(progress.lines_printed(), 0);
    progress.finish(0.25);
    progress.finish(0.25);  // idempotent
    EXPECT_EQ(progress.lines_printed(), 1);
  }
  const std::string text = contents(file);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.rfind("epoch 1/1 1000/1000", 0), 0u) << text;
  EXPECT_NE(text.find("loss 0.2500  time 0:00\n"), std::string::npos) << text;
  std::fclose(file);
}

TEST(Progress, PlainPercentSteps) {
  std::FILE* file = std::tmpfile();
  ProgressOptions options;
  options.out = file;
  options.interactive = 0;
  options.plain_interval_s = 3600;
  options.plain_percent = 25;
  Progress progress("p", 100, options);
  for (int i = 1; i <= 100; ++i)
    progress.update(i);
  progress.finish();
  EXPECT_EQ(progress.lines_printed(), 5);  // 25, 50, 75, 100 %, and the final line
  std::fclose(file);
}

TEST(Progress, TerminalRedrawsOneLine) {
  std::FILE* file = std::tmpfile();
  {
    ProgressOptions options;
    options.out = file;
    options.interactive = 1;
    Progress progress("epoch 2/3", 10, options);
    progress.update(5, 0.1);  // not yet due: redraws are at most 10 per second
    EXPECT_EQ(progress.lines_printed(), 0);
    progress.finish(0.1);
  }
  const std::string text = contents(file);
  EXPECT_EQ(text.front(), '\r');
  EXPECT_NE(text.find("epoch 2/3 [####################] 10/10"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
  std::fclose(file);
}

TEST(Progress, UnfinishedTerminalLineIsEndedOnDestruction) {
  std::FILE* file = std::tmpfile();
  {
    ProgressOptions options;
    options.out = file;
    options.interactive = 1;
    Progress progress("x", 10, options);
    while (!progress.due(3)) {
    }
    progress.update(3);
  }
  const std::string text = contents(file);
  EXPECT_EQ(text.back(), '\n') << text;
  EXPECT_EQ(text.find("time"), std::string::npos);  // no final line was drawn
  std::fclose(file);
}

}  // namespace
}  // namespace hg
