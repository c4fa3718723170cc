// Fuzz target: the NPY decoder (core/src/io/npy.cpp). An accepted array must survive a round
// trip: encoding it and decoding the result gives the same dtype, shape and bytes.
#include <cstring>

#include "fuzz_target.h"
#include "hourglass/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  hg::fuzz::expect_accept_or_hg_error([&] {
    const hg::Tensor t = hg::io::decode_npy(bytes, "fuzz.npy");
    const hg::Tensor again = hg::io::decode_npy(hg::io::encode_npy(t), "round-trip.npy");
    if (again.dtype() != t.dtype() || again.shape() != t.shape() ||
        std::memcmp(again.raw_data(), t.raw_data(), t.nbytes()) != 0)
      std::abort();
  });
  return 0;
}
