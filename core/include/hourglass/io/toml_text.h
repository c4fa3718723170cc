// A guard around Debian's toml++ 3.3.0 for every TOML text hourglass reads (spec files, --config).
//
// toml++ 3.3.0 decides whether a non-ASCII code point is horizontal whitespace through a generated
// 64-bit table with holes: for U+00A1..U+0499, U+2C5E..U+3057 (but U+3000) and U+FB26..U+FEFE its
// is_non_ascii_horizontal_whitespace() reaches __builtin_unreachable(), which is undefined
// behaviour (found by tests/fuzz/fuzz_spec_toml; fixed upstream after 3.3.0). A Greek λ in a
// comment is in that set. shield_toml_text() moves exactly those code points to Unicode plane 15
// (private use, U+F0000 + c) before toml++ sees the text; there toml++ answers correctly (not
// whitespace), columns stay the same (one code point for one), and unshield_toml_string() moves
// them back in every key, string value and error message read out of the parsed document.
#pragma once

#include <string>
#include <string_view>

namespace hg::io {

// Whether toml++ 3.3.0 would reach undefined behaviour classifying code point `c`.
bool toml_misclassifies(char32_t c);

// `text` with every code point toml_misclassifies() moved to U+F0000 + c. Bytes that are not
// valid UTF-8 are left as they are, for toml++ to report. Throws hg::Error naming `source` when
// the text already holds a plane-15 code point that unshielding would change.
std::string shield_toml_text(std::string_view text, const std::string& source);

// Undoes shield_toml_text() on a string taken from the parsed document.
std::string unshield_toml_string(std::string_view text);

}  // namespace hg::io
