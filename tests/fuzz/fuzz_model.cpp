// The checkpoint fuzzing model (fuzz_model.h).
#include "fuzz_model.h"

namespace hg::fuzz {

FuzzModel::FuzzModel() {
  models::DenseAutoencoderOptions options;
  options.sizes = {12, 5};
  model = std::make_unique<models::DenseAutoencoder>(options);
  optimizer = std::make_unique<optim::Adam>(model->parameters(), kernels::AdamParams{});
}

}  // namespace hg::fuzz
