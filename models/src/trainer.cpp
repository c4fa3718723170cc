// The reconstruction training loop. Loss sums are kept on the model's device and read back only
// when the progress line is redrawn and at the end of the epoch, so a GPU step does not wait for
// the host.
#include "hourglass/models/trainer.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/ops/elementwise.h"
#include "hourglass/ops/loss.h"

namespace hg::models {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// running += loss * samples, off the tape. The sum of per-batch means weighted by batch size,
// divided by the sample count, is the mean over every element (all samples have equal size).
Tensor accumulate(const Tensor& running, const Tensor& loss, int64_t samples) {
  const Tensor weighted = mul(loss.detach(), static_cast<float>(samples));
  return running.defined() ? add(running, weighted) : weighted;
}

}  // namespace

ReconstructionLoss parse_reconstruction_loss(const std::string& name) {
  if (name == "mse") return ReconstructionLoss::kMse;
  if (name == "bce") return ReconstructionLoss::kBce;
  HG_FAIL("unknown loss '", name, "': expected mse or bce");
}

const char* loss_name(ReconstructionLoss loss) {
  return loss == ReconstructionLoss::kMse ? "mse" : "bce";
}

Tensor reconstruction_loss(Autoencoder& model, const Tensor& input, const Tensor& target,
                           ReconstructionLoss loss) {
  if (loss == ReconstructionLoss::kBce && model.output_is_sigmoid()) {
    const Tensor logits = model.forward_logits(input);
    return bce_with_logits(logits, target.reshape(logits.shape().dims()));
  }
  const Tensor out = model.forward(input);
  const Tensor shaped = target.reshape(out.shape().dims());
  return loss == ReconstructionLoss::kMse ? mse_loss(out, shaped)
                                          : binary_cross_entropy(out, shaped);
}

Objective Autoencoder::objective(const Tensor& input, const Tensor& target,
                                 ReconstructionLoss loss) {
  const Tensor reconstruction = reconstruction_loss(*this, input, target, loss);
  return Objective{reconstruction, {{"reconstruction", reconstruction}}};
}

double evaluate_reconstruction(Autoencoder& model, data::DataLoader& loader,
                               ReconstructionLoss loss) {
  NoGrad no_grad;
  const bool was_training = model.is_training();
  model.eval();
  Tensor running;
  int64_t samples = 0;
  for (const data::Batch& batch : loader) {
    running = accumulate(running, reconstruction_loss(model, batch.inputs, loss), batch.size());
    samples += batch.size();
  }
  model.train(was_training);
  HG_CHECK(samples > 0, "evaluation over an empty data loader");
  return static_cast<double>(running.item()) / static_cast<double>(samples);
}

std::vector<EpochRecord> train_autoencoder(Autoencoder& model, optim::Optimizer& optimizer,
                                           data::DataLoader& train, data::DataLoader* test,
                                           const TrainOptions& options) {
  HG_CHECK(options.epochs >= 0 && options.start_epoch >= 0,
           "epochs and start_epoch must be >= 0, got ", options.epochs, " and ",
           options.start_epoch);
  HG_CHECK(train.num_batches() > 0, "the training set (", train.dataset().size(),
           " samples) yields no batch of ", train.options().batch_size,
           train.options().drop_last ? " with drop_last" : "");
  const int64_t last_epoch = options.start_epoch + options.epochs;
  std::vector<EpochRecord> history;
  for (int64_t epoch = options.start_epoch; epoch < last_epoch; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    model.train();
    train.set_epoch(epoch);
    std::unique_ptr<Progress> progress;
    if (options.progress) {
      progress = std::make_unique<Progress>(
          "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(last_epoch),
          train.samples_per_epoch(), options.progress_options);
    }

    Tensor running;
    int64_t samples = 0, steps = 0;
    for (const data::Batch& batch : train) {
      const Tensor loss = reconstruction_loss(model, batch.inputs, options.loss);
      optimizer.zero_grad();
      backward(loss);
      optimizer.step();
      running = accumulate(running, loss, batch.size());
      samples += batch.size();
      ++steps;
      if (progress && progress->due(samples)) {
        progress->update(samples, static_cast<double>(running.item()) / samples);
      }
    }
    EpochRecord record;
    record.epoch = epoch + 1;
    record.steps = steps;
    record.train_loss = static_cast<double>(running.item()) / static_cast<double>(samples);
    record.train_seconds = seconds_since(epoch_start);
    record.samples_per_second = samples / std::max(record.train_seconds, 1e-9);
    if (progress) progress->finish(record.train_loss);
    HG_CHECK(std::isfinite(record.train_loss), "training diverged in epoch ", epoch + 1,
             ": the mean training loss is ", record.train_loss, " (try a smaller learning rate)");

    record.test_loss = test != nullptr ? evaluate_reconstruction(model, *test, options.loss)
                                       : std::numeric_limits<double>::quiet_NaN();
    record.seconds = seconds_since(epoch_start);
    history.push_back(record);
    if (options.on_epoch) options.on_epoch(record);
  }
  return history;
}

}  // namespace hg::models
