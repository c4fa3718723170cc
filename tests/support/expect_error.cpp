// expect_error: see expect_error.h.
#include "support/expect_error.h"

#include <gtest/gtest.h>

#include "hourglass/core/error.h"

namespace hg::testing {

void expect_error(const std::function<void()>& fn, const std::vector<std::string>& parts) {
  try {
    fn();
  } catch (const hg::Error& e) {
    const std::string message = e.what();
    for (const std::string& part : parts)
      EXPECT_NE(message.find(part), std::string::npos)
          << "error message \"" << message << "\" does not mention \"" << part << "\"";
    return;
  }
  ADD_FAILURE() << "expected an hg::Error mentioning \"" << (parts.empty() ? "" : parts[0])
                << "\", but nothing was thrown";
}

}  // namespace hg::testing
