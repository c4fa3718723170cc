// Checking bad-input behaviour: an operation must throw hg::Error, and its message must say what
// was expected and what was found.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace hg::testing {

// Expects fn to throw hg::Error whose message contains every part.
void expect_error(const std::function<void()>& fn, const std::vector<std::string>& parts);

}  // namespace hg::testing
