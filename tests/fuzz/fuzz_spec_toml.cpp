// Fuzz target: model spec files in TOML (models/src/spec*.cpp), parsed as `hourglass train
// --spec FILE.toml` reads them.
#include "fuzz_target.h"
#include "hourglass/models/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  hg::fuzz::expect_accept_or_hg_error(
      [&] { hg::models::parse_model_spec(text, "toml", "fuzz.toml"); });
  return 0;
}
