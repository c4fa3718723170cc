// The main() of a fuzz target when it is not built with libFuzzer: runs LLVMFuzzerTestOneInput
// once on every file named on the command line, and on every file inside each folder named
// there, so the seed corpus and the regression files (inputs that once crashed a parser) are
// replayed in every test configuration, compiler and sanitizers or not. Arguments starting with
// '-' are libFuzzer's flags (the same ctest command runs both builds) and are ignored.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  std::printf("replay %s (%zu bytes)\n", path.c_str(), bytes.size());
  std::fflush(stdout);
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  int files = 0;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    const std::filesystem::path arg(argv[i]);
    if (std::filesystem::is_directory(arg)) {
      std::vector<std::filesystem::path> inside;
      for (const auto& entry : std::filesystem::directory_iterator(arg))
        if (entry.is_regular_file()) inside.push_back(entry.path());
      std::sort(inside.begin(), inside.end());
      for (const auto& path : inside)
        run_file(path), ++files;
    } else {
      run_file(arg), ++files;
    }
  }
  if (files == 0) {
    std::fprintf(stderr, "replay: no input files (give files or folders)\n");
    return 1;
  }
  std::printf("replay: %d input(s), no crash\n", files);
  return 0;
}
