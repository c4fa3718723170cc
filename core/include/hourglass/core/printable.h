// Text safe for a terminal. Every hg::Error message goes through printable() (error.cpp): file
// contents such as a corrupt dtype string or tensor key end up in messages, and an error must
// never put raw bytes on the terminal.
#pragma once

#include <string>

namespace hg {

// Valid UTF-8 and printable characters as they are; bytes that are not valid UTF-8 and control
// characters other than newline and tab as \xNN.
std::string printable(const std::string& text);

}  // namespace hg
