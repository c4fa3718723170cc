// Fuzz target: the IDX reader (core/src/data/idx.cpp) on a plain file, as images, labels and any
// rank. An accepted file must hold exactly the elements its header declares.
#include "fuzz_target.h"
#include "hourglass/data/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hg::fuzz::input_file(data, size, "-idx-ubyte");
  hg::fuzz::expect_accept_or_hg_error([&] {
    const hg::Tensor t = hg::data::read_idx(path);
    if (static_cast<size_t>(t.numel()) > size) std::abort();  // more elements than bytes read
  });
  hg::fuzz::expect_accept_or_hg_error([&] { hg::data::read_idx_images(path); });
  hg::fuzz::expect_accept_or_hg_error([&] { hg::data::read_idx_labels(path); });
  return 0;
}
