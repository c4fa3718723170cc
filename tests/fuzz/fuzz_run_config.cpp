// Fuzz target: a run folder's config.json (tools/hourglass/run_config.cpp), read by eval,
// reconstruct, sample, ... and train --resume. The folder has no model.safetensors, so load_run
// reads and checks the whole config (recipe, preset or spec, sample shape, seed) and then stops
// with its "has not finished an epoch" error instead of building a model of fuzzed size.
#include <fstream>

#include "fuzz_target.h"
#include "run_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string dir = hg::fuzz::input_dir();
  std::ofstream(dir + "/config.json", std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  hg::fuzz::expect_accept_or_hg_error([&] { hg::cli::load_run(dir, hg::Device::cpu()); });
  return 0;
}
