// Shared by the end-to-end tests of the `hourglass` program: running it in a folder with its
// stdout / stderr captured, reading files back, and writing a tiny generated IDX dataset.
// Header-only because it needs HG_BINARY_DIR, which only the test executables (not hg_test_support)
// define.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/core/tensor.h"
#include "hourglass/data/idx.h"

namespace hg::testing {

inline const std::string kHourglassBinary = HG_BINARY_DIR "/tools/hourglass";

// Why the binary cannot be run ("" when it can): for HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_BINARY",
// ...) of support/requirements.h.
inline std::string missing_binary() {
  return std::filesystem::exists(kHourglassBinary)
             ? std::string()
             : kHourglassBinary + " is not built (target hourglass_cli)";
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

struct CliResult {
  int code = -1;  // the exit status, -1 when the program did not exit normally
  std::string out, err;
};

// Runs the program with `args` (already shell-safe) in `dir`, capturing stdout and stderr in
// files there.
inline CliResult run_hourglass(const std::filesystem::path& dir, const std::string& args) {
  const std::filesystem::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  const std::string command = "cd '" + dir.string() + "' && '" + kHourglassBinary + "' " + args +
                              " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(command.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

// A fresh folder under the system temp dir named `prefix`-XXXXXX (ASSERTs it was created).
inline void make_temp_dir(const std::string& prefix, std::filesystem::path* dir) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  *dir = pattern;
}

// How write_tiny_idx labels its images: sample i gets i % 10, or the quadrant of the square's
// corner (2 * (row >= 10) + (column >= 10), corners in [0, 20)), which a code can learn.
enum class TinyLabels { kIndexMod10, kQuadrant };

// An MNIST-layout IDX dataset in `folder`: `train` / `test` 28x28 images of a bright 8x8 square at
// a place drawn from `seed`.
inline void write_tiny_idx(const std::filesystem::path& folder, int64_t train, int64_t test,
                           uint64_t seed, TinyLabels labelling = TinyLabels::kIndexMod10) {
  std::filesystem::create_directories(folder);
  hg::Generator gen(seed);
  for (const auto& [prefix, n] :
       {std::pair<std::string, int64_t>{"train", train}, {"t10k", test}}) {
    std::vector<uint8_t> pixels(static_cast<size_t>(n * 28 * 28), 0);
    std::vector<uint8_t> labels(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r0 = static_cast<int64_t>(gen.next_below(20)),
                    c0 = static_cast<int64_t>(gen.next_below(20));
      for (int64_t r = r0; r < r0 + 8; ++r)
        for (int64_t c = c0; c < c0 + 8; ++c)
          pixels[(i * 28 + r) * 28 + c] = 230;
      labels[i] = static_cast<uint8_t>(
          labelling == TinyLabels::kQuadrant ? 2 * (r0 >= 10) + (c0 >= 10) : i % 10);
    }
    hg::data::write_idx((folder / (prefix + "-images-idx3-ubyte")).string(),
                        hg::Tensor::from_vector(pixels, hg::Shape{n, 28, 28}));
    hg::data::write_idx((folder / (prefix + "-labels-idx1-ubyte")).string(),
                        hg::Tensor::from_vector(labels, hg::Shape{n}));
  }
}

}  // namespace hg::testing
