// Builds hg::Error messages. The location is kept out of the user-facing text (the CLI prints
// the message on one line) and appended only when HG_ERROR_LOCATIONS is set, for debugging.
#include "hourglass/core/error.h"

#include <cstdlib>

namespace hg::detail {

void throw_error(const char* file, int line, const std::string& message) {
  static const bool with_location = std::getenv("HG_ERROR_LOCATIONS") != nullptr;
  if (with_location) throw Error(message + " [" + file + ":" + std::to_string(line) + "]");
  throw Error(message);
}

}  // namespace hg::detail
