// The training loop for reconstruction autoencoders: per step forward, loss, zero_grad,
// backward, optimizer step; per epoch the mean training loss and the test loss (under NoGrad),
// returned as a history and passed to a callback. Losses are per pixel: the mean over every
// element of the batch, which is what published MNIST numbers quote.
//
// Binary cross-entropy: when the model's output is a sigmoid, the loss is bce_with_logits on the
// pre-sigmoid output (stable for any logit, exact gradient); otherwise binary_cross_entropy on
// the output read as probabilities (log clamped at -100, like PyTorch).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "hourglass/core/progress.h"
#include "hourglass/data/dataloader.h"
#include "hourglass/models/autoencoder.h"
#include "hourglass/optim/optimizer.h"

namespace hg::models {

// The per-element mean loss of model's reconstruction of `input` against `target` (reshaped to
// the reconstruction's shape).
Tensor reconstruction_loss(Autoencoder& model, const Tensor& input, const Tensor& target,
                           ReconstructionLoss loss);
inline Tensor reconstruction_loss(Autoencoder& model, const Tensor& x, ReconstructionLoss loss) {
  return reconstruction_loss(model, x, x, loss);
}

struct EpochRecord {
  int64_t epoch = 0;  // 1-based
  int64_t steps = 0;
  double train_loss = 0;          // mean per element over the epoch's training samples
  double test_loss = 0;           // NaN when there is no test loader
  double samples_per_second = 0;  // training samples over training time
  double train_seconds = 0;
  double seconds = 0;  // the whole epoch, evaluation included
};

struct TrainOptions {
  int64_t epochs = 1;
  int64_t start_epoch = 0;  // 0-based index of the first epoch (a resumed run starts later)
  ReconstructionLoss loss = ReconstructionLoss::kBce;
  bool progress = true;  // a progress line per epoch on progress_options.out
  ProgressOptions progress_options;
  std::function<void(const EpochRecord&)> on_epoch;  // called after each epoch
};

// Trains for options.epochs epochs; `test` may be null. Sets each loader's epoch so shuffling
// depends only on (seed, epoch).
std::vector<EpochRecord> train_autoencoder(Autoencoder& model, optim::Optimizer& optimizer,
                                           data::DataLoader& train, data::DataLoader* test,
                                           const TrainOptions& options);

// The mean per-element loss over every sample of `loader`, in eval mode under NoGrad.
double evaluate_reconstruction(Autoencoder& model, data::DataLoader& loader,
                               ReconstructionLoss loss);

}  // namespace hg::models
