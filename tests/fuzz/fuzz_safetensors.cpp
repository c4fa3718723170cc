// Fuzz target: the safetensors decoder (core/src/io/safetensors.cpp), the format of every
// checkpoint. An accepted file must survive a round trip through the encoder.
#include <cstring>

#include "fuzz_target.h"
#include "hourglass/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  hg::fuzz::expect_accept_or_hg_error([&] {
    const hg::io::SafetensorsFile file = hg::io::decode_safetensors(bytes, "fuzz.safetensors");
    const hg::io::SafetensorsFile again = hg::io::decode_safetensors(
        hg::io::encode_safetensors(file.tensors, file.metadata), "round-trip.safetensors");
    if (again.tensors.size() != file.tensors.size() || again.metadata != file.metadata)
      std::abort();
    for (size_t i = 0; i < file.tensors.size(); ++i) {
      const hg::Tensor& a = file.tensors[i].second;
      const hg::Tensor& b = again.tensors[i].second;
      if (again.tensors[i].first != file.tensors[i].first || a.shape() != b.shape() ||
          a.dtype() != b.dtype() || std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) != 0)
        std::abort();
    }
  });
  return 0;
}
