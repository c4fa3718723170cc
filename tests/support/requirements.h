// What a test needs from its environment (Python with numpy / torch, the hourglass binary,
// MNIST, a usable CUDA device), and one rule for when it is missing: the test skips with the
// reason, unless the matching HG_REQUIRE_<WHAT>=1 is set, in which case it fails. tools/test-all
// sets the requirements CI can meet, so a dependency that silently vanished from CI shows up as
// a failure, not as a skip that looks like a pass.
//
//   HG_REQUIRE_TORCH=1    /usr/bin/python3 (or $HG_PYTHON) imports torch and numpy
//   HG_REQUIRE_NUMPY=1    the same Python imports numpy
//   HG_REQUIRE_BINARY=1   the `hourglass` program was built beside the tests
//   HG_REQUIRE_MNIST=1    MNIST's IDX files are in data/mnist (tools/fetch-data mnist)
//   HG_REQUIRE_CUDA=1     a cuda device is usable (the SIMT emulator in CI, or a GPU)
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace hg::testing {

// True when the environment variable `name` is "1".
bool required(const char* name);

// The Python interpreter the cross-checks run: $HG_PYTHON, else /usr/bin/python3 (Debian's, which
// has python3-torch; a python3 earlier on PATH may not).
std::string python_path();
// Empty when python_path() can import every module in `modules` (e.g. "numpy", "torch");
// otherwise why not, in one line. Cached per module list.
std::string python_missing(const std::string& modules);

}  // namespace hg::testing

// Skips the current test with `reason` (a std::string; empty means "nothing is missing"), or
// fails it when the environment variable `require_env` is "1".
#define HG_SKIP_UNLESS_REQUIRED(require_env, reason)                                               \
  do {                                                                                             \
    const std::string hg_missing_ = (reason);                                                      \
    if (!hg_missing_.empty()) {                                                                    \
      if (::hg::testing::required(require_env)) FAIL() << require_env << "=1 but " << hg_missing_; \
      GTEST_SKIP() << hg_missing_;                                                                 \
    }                                                                                              \
  } while (0)
