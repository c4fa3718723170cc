// Fuzz target: the IDX reader through zlib (a path ending in .gz): broken gzip streams, streams
// that end early or go on, and decompressed headers that lie about their sizes.
#include "fuzz_target.h"
#include "hourglass/data/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hg::fuzz::input_file(data, size, "-idx-ubyte.gz");
  hg::fuzz::expect_accept_or_hg_error([&] { hg::data::read_idx(path); });
  return 0;
}
