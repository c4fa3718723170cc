// Fuzz target: a run's checkpoint files (models/src/checkpoint.cpp) loaded into a small model,
// as `hourglass train --resume` does: the bytes are tried as the weights file, as the training
// state (optimizer moments, step count, generators, position) and as a pre-training state.
// Seeds are real checkpoints of the same model (make_seeds.cpp), so mutations reach the checks
// behind the safetensors layer: names, shapes, metadata numbers. The CRC-32s in a checkpoint catch
// almost every mutation, so each seed also comes without them (<stem>-unchecked.safetensors).
#include "fuzz_model.h"
#include "fuzz_target.h"
#include "hourglass/models/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hg::fuzz::input_file(data, size, ".safetensors");
  hg::fuzz::FuzzModel m;
  hg::fuzz::expect_accept_or_hg_error([&] { hg::models::load_model_weights(path, *m.model); });
  hg::fuzz::expect_accept_or_hg_error(
      [&] { hg::models::load_training_state(path, *m.optimizer, *m.model); });
  hg::fuzz::expect_accept_or_hg_error([&] { hg::models::load_pretraining_position(path); });
  return 0;
}
