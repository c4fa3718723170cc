// What every fuzz target shares. A target is one function, LLVMFuzzerTestOneInput, built two
// ways (tests/fuzz/CMakeLists.txt): with clang's -fsanitize=fuzzer it is a libFuzzer program
// that mutates inputs under ASan + UBSan; otherwise it is linked with replay_main.cpp and runs
// the committed seed and regression files once each, in every test configuration.
//
// The rule a target checks: every input is either accepted or refused with hg::Error. Any other
// exception (std::out_of_range from a stoul, nlohmann::json's own errors, std::bad_alloc from a
// size taken on trust) escapes a parser's contract, so the target aborts and libFuzzer reports
// it like a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "hourglass/core/error.h"

namespace hg::fuzz {

// Writes the input to a file of this process under $TMPDIR (or /tmp) whose name ends in
// `suffix` (parsers that choose by extension see the right one) and returns its path. The same
// path is reused for every input of a run.
std::string input_file(const uint8_t* data, size_t size, const std::string& suffix);

// A fresh, empty directory of this process (for targets that read a run folder).
std::string input_dir();

// Runs `parse`; returns normally when it accepts the input or refuses it with hg::Error, aborts
// (naming the exception) otherwise.
template <class Parse>
void expect_accept_or_hg_error(Parse&& parse) {
  try {
    parse();
  } catch (const hg::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: input escaped hg::Error: %s\n", e.what());
    std::abort();
  }
}

}  // namespace hg::fuzz
