// Fuzz target: `--config FILE.toml` (tools/hourglass/config_file.cpp), expanded into arguments
// for `hourglass train` as the program does before parsing its command line.
#include "config_file.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hg::fuzz::input_file(data, size, ".toml");
  hg::fuzz::expect_accept_or_hg_error([&] {
    hg::cli::expand_config_files({"train", "--config", path, "--epochs", "1"});
  });
  return 0;
}
