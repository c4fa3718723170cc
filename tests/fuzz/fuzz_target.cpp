// Files for fuzz inputs (fuzz_target.h): one per process and suffix, rewritten for every input.
#include "fuzz_target.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace hg::fuzz {

namespace {

std::filesystem::path process_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::filesystem::path dir =
      std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / ("hg-fuzz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

std::string input_file(const uint8_t* data, size_t size, const std::string& suffix) {
  const std::filesystem::path path = process_dir() / ("input" + suffix);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path.string();
}

std::string input_dir() {
  const std::filesystem::path dir = process_dir() / "run";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace hg::fuzz
