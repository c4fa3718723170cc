// The toml++ 3.3.0 guard (see toml_text.h): a minimal UTF-8 walk that moves the code points the
// library misclassifies to plane 15 and back.
#include "hourglass/io/toml_text.h"

#include <cstdint>

#include "hourglass/core/error.h"

namespace hg::io {
namespace {

constexpr char32_t kPlane15 = 0xF0000;

// One UTF-8 sequence at the front of `text`: its code point and length, or length 0 when the
// bytes there are not a valid, shortest-form sequence.
struct Decoded {
  char32_t c = 0;
  size_t length = 0;
};

Decoded decode(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(0);
  size_t length = 0;
  char32_t c = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, c = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, c = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, c = lead & 0x07;
  } else {
    return {};
  }
  if (text.size() < length) return {};
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return {};
    c = (c << 6) | (byte(i) & 0x3F);
  }
  const bool shortest = (length == 3 && c >= 0x800) || (length == 4 && c >= 0x10000) || length == 2;
  const bool scalar = c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF);
  if (!shortest || !scalar) return {};
  return {c, length};
}

void encode(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Calls `visit(code point, bytes)` for each valid sequence of `text` and `visit(0, one byte)`
// for each byte that starts none, and returns the concatenation of what visit appends.
template <class Visit>
std::string transform(std::string_view text, Visit visit) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (static_cast<uint8_t>(text[i]) < 0x80) {
      out += text[i++];
      continue;
    }
    const Decoded d = decode(text.substr(i));
    const size_t length = d.length == 0 ? 1 : d.length;
    visit(d.c, text.substr(i, length), out);
    i += length;
  }
  return out;
}

}  // namespace

bool toml_misclassifies(char32_t c) {
  // The same arithmetic as toml++ 3.3.0's is_non_ascii_horizontal_whitespace(): the range
  // U+00A0..U+FEFF is cut into 64 slices of 0x3FA code points; a set bit in the mask means "no
  // whitespace in this slice", and slices 5 and 7 are then decided by a switch. Its mask also
  // leaves slices 0, 11 and 63 clear, whose code points (but the three whitespace ones tested
  // first) fall through to the switch's unreachable default.
  if (c < 0xA0 || c > 0xFEFF) return false;
  const uint64_t slice = (static_cast<uint64_t>(c) - 0xA0) / 0x3FA;
  if ((uint64_t{1} << slice) & 0x7FFFFFFFFFFFF75Eull) return false;
  if (c == 0xA0 || c == 0x3000 || c == 0xFEFF) return false;
  return slice != 5 && slice != 7;
}

std::string shield_toml_text(std::string_view text, const std::string& source) {
  return transform(text, [&](char32_t c, std::string_view bytes, std::string& out) {
    if (toml_misclassifies(c)) return encode(kPlane15 + c, out);
    HG_CHECK(!(c >= kPlane15 && toml_misclassifies(c - kPlane15)), source,
             ": private-use code points U+F00A1..U+FFEFE cannot be read from TOML by hourglass "
             "(it uses them to work around a toml++ 3.3.0 defect); found one at byte ",
             bytes.data() - text.data());
    out += bytes;
  });
}

std::string unshield_toml_string(std::string_view text) {
  return transform(text, [](char32_t c, std::string_view bytes, std::string& out) {
    if (c >= kPlane15 && toml_misclassifies(c - kPlane15)) return encode(c - kPlane15, out);
    out += bytes;
  });
}

}  // namespace hg::io
