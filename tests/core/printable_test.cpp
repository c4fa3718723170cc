// hg::printable (error.h): what every hg::Error message goes through, so file contents in a
// message never put raw bytes on the terminal. Valid UTF-8 stays as it is; invalid sequences and
// control characters become \xNN.
#include <gtest/gtest.h>

#include <string>

#include "hourglass/core/error.h"
#include "hourglass/core/printable.h"

namespace hg {
namespace {

TEST(Printable, EscapesInvalidUtf8AndControlsKeepsTheRest) {
  EXPECT_EQ(printable("plain text, 'F32' [1, 2]"), "plain text, 'F32' [1, 2]");
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");  // 2-, 3- and 4-byte sequences
  EXPECT_EQ(printable("a\xff"
                      "b"),
            "a\\xFFb");
  EXPECT_EQ(printable("\x1b[31mred"), "\\x1B[31mred");
  EXPECT_EQ(printable(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(printable("\xc3"), "\\xC3");                             // truncated sequence
  EXPECT_EQ(printable("\xc0\xaf"), "\\xC0\\xAF");                    // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xED\\xA0\\x80");           // a UTF-16 surrogate
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");  // past U+10FFFF
  EXPECT_EQ(printable("line\nnext\ttab\x7f"), "line\nnext\ttab\\x7F");
}

TEST(Printable, HgCheckMessagesAreEscaped) {
  try {
    HG_FAIL("dtype '", std::string("\xff\x1b"), "'");
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "dtype '\\xFF\\x1B'");
    return;
  }
  ADD_FAILURE() << "HG_FAIL did not throw";
}

}  // namespace
}  // namespace hg
