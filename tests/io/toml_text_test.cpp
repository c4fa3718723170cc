// The toml++ 3.3.0 guard (hourglass/io/toml_text.h): the set of code points it moves is exactly the
// three ranges its header names, every code point of U+0000..U+10FFFF survives shield + unshield,
// text without such code points is left byte for byte, invalid UTF-8 passes through for toml++ to
// report, and the plane-15 code points the guard borrows are refused in input.
#include "hourglass/io/toml_text.h"

#include <gtest/gtest.h>

#include <string>

#include "hourglass/core/error.h"
#include "support/expect_error.h"

namespace hg::testing {
namespace {

// UTF-8 of one code point (test-side reference, independent of the guard's encoder).
std::string utf8(char32_t c) {
  std::string s;
  if (c < 0x80) return std::string(1, static_cast<char>(c));
  if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  }
  s += static_cast<char>(0x80 | (c & 0x3F));
  return s;
}

TEST(TomlText, MisclassifiedCodePointsAreTheThreeRanges) {
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    const bool expected = (c >= 0xA1 && c <= 0x499) ||
                          (c >= 0x2C5E && c <= 0x3057 && c != 0x3000) ||
                          (c >= 0xFB26 && c <= 0xFEFE);
    ASSERT_EQ(io::toml_misclassifies(c), expected) << std::hex << "U+" << static_cast<uint32_t>(c);
  }
}

TEST(TomlText, EveryCodePointRoundTripsAndOnlyMisclassifiedOnesMove) {
  for (char32_t c = 1; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;  // surrogates have no UTF-8 form
    if (c >= 0xF00A1 && c <= 0xFFEFE && io::toml_misclassifies(c - 0xF0000)) continue;
    const std::string text = "a" + utf8(c) + "b";
    const std::string shielded = io::shield_toml_text(text, "t.toml");
    if (io::toml_misclassifies(c))
      ASSERT_EQ(shielded, "a" + utf8(0xF0000 + c) + "b") << std::hex << static_cast<uint32_t>(c);
    else
      ASSERT_EQ(shielded, text) << std::hex << static_cast<uint32_t>(c);
    ASSERT_EQ(io::unshield_toml_string(shielded), text) << std::hex << static_cast<uint32_t>(c);
  }
}

TEST(TomlText, InvalidUtf8PassesThroughUnchanged) {
  // A lone continuation byte, a truncated λ, an overlong '/', a surrogate, a byte above F4.
  for (const std::string bad :
       {"\x80", "\xCE", "\xC0\xAF", "\xED\xA0\x80", "\xF5\x80\x80\x80", "x\xCE\xBB\xCE"}) {
    const std::string shielded = io::shield_toml_text(bad, "t.toml");
    if (bad == "x\xCE\xBB\xCE")  // the valid λ moves, the truncated tail stays
      EXPECT_EQ(shielded, "x" + utf8(0xF03BB) + "\xCE");
    else
      EXPECT_EQ(shielded, bad);
  }
}

TEST(TomlText, BorrowedPlane15CodePointsAreRefused) {
  expect_error([] { io::shield_toml_text("name = \"" + utf8(0xF03BB) + "\"", "spec.toml"); },
               {"spec.toml", "U+F00A1..U+FFEFE", "byte 8"});
  EXPECT_NO_THROW(io::shield_toml_text(utf8(0xF0000) + utf8(0xFFFFD), "spec.toml"));
}

}  // namespace
}  // namespace hg::testing
