// hg::Error: the one exception type for bad input (files, shapes, flags, devices). Its message
// says what was expected and what was found. HG_CHECK builds one with the caller's location.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace hg {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
[[noreturn]] void throw_error(const char* file, int line, const std::string& message);

template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

}  // namespace hg

// HG_CHECK(cond, parts...): throws hg::Error("<parts...>") when cond is false. The parts are
// streamed, so shapes and numbers can be passed directly.
#define HG_CHECK(cond, ...)                                                              \
  do {                                                                                   \
    if (!(cond)) ::hg::detail::throw_error(__FILE__, __LINE__, ::hg::detail::concat(__VA_ARGS__)); \
  } while (0)

#define HG_FAIL(...) ::hg::detail::throw_error(__FILE__, __LINE__, ::hg::detail::concat(__VA_ARGS__))
