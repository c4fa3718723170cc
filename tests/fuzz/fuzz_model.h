// The small model and optimizer that checkpoint fuzzing loads into (fuzz_checkpoint.cpp) and
// whose real checkpoints seed it (make_seeds.cpp): a 12-5-12 dense autoencoder with Adam.
#pragma once

#include <memory>

#include "hourglass/models/dense_autoencoder.h"
#include "hourglass/optim/optimizer.h"

namespace hg::fuzz {

struct FuzzModel {
  FuzzModel();
  std::unique_ptr<models::DenseAutoencoder> model;
  std::unique_ptr<optim::Optimizer> optimizer;
};

}  // namespace hg::fuzz
