// Builds hg::Error messages. The location is kept out of the user-facing text (the CLI prints
// the message on one line) and appended only when HG_ERROR_LOCATIONS is set, for debugging.
#include "hourglass/core/error.h"
#include "hourglass/core/printable.h"

#include <cstdlib>

namespace hg {
namespace {

// The length of the valid UTF-8 sequence starting at s[i] (1 to 4), or 0 when it is not one
// (stray continuation bytes, overlong forms, surrogates, code points past U+10FFFF, truncation).
size_t utf8_length(const std::string& s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

}  // namespace

std::string printable(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t n = utf8_length(text, i);
    const bool control = n == 1 && (c < 0x20 || c == 0x7F) && c != '\n' && c != '\t';
    if (n == 0 || control) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      i += 1;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

namespace detail {

void throw_error(const char* file, int line, const std::string& message) {
  static const bool with_location = std::getenv("HG_ERROR_LOCATIONS") != nullptr;
  if (with_location)
    throw Error(printable(message) + " [" + file + ":" + std::to_string(line) + "]");
  throw Error(printable(message));
}

}  // namespace detail
}  // namespace hg
