// The training loop for autoencoders: per step the model's objective (reconstruction plus the
// variant's penalties), zero_grad, backward, optimizer step; per epoch the mean of every
// objective term over the training samples and the test objective (under NoGrad), returned as a
// history and passed to a callback. Reconstruction losses are per pixel: the mean over every
// element of the batch, which is what published MNIST numbers quote.
//
// Denoising works with any model: with a corruption in TrainOptions each training batch is
// corrupted on its device (Philox, seeded by corruption_seed) and the model reconstructs the
// clean batch from it. The test objective then also sees corrupted inputs against clean targets
// (Keras-style validation of a denoiser), with noise that is the same at every evaluation, so
// test losses are comparable from epoch to epoch. evaluate_reconstruction() never corrupts.
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
#include "hourglass/ops/regularizers.h"
#include "hourglass/optim/optimizer.h"

namespace hg::models {

// The per-element mean loss of model's reconstruction of `input` against `target` (reshaped to
// the reconstruction's shape).
Tensor reconstruction_loss(Autoencoder& model, const Tensor& input, const Tensor& target,
                           ReconstructionLoss loss);
inline Tensor reconstruction_loss(Autoencoder& model, const Tensor& x, ReconstructionLoss loss) {
  return reconstruction_loss(model, x, x, loss);
}
// The same from an already computed code: decodes it (through the logits for BCE on a sigmoid
// output) and compares with `target`. Models' objective() overrides use it.
Tensor reconstruction_loss_from_code(Autoencoder& model, const Tensor& code, const Tensor& target,
                                     ReconstructionLoss loss);

// An objective term's value averaged over the samples of an epoch or an evaluation.
struct TermValue {
  std::string name;
  double value = 0;
};

struct EpochRecord {
  int64_t epoch = 0;  // 1-based
  int64_t steps = 0;
  double train_loss = 0;  // the objective's total, mean over the epoch's training samples
  double test_loss = 0;   // the test objective's total; NaN when there is no test loader
  std::vector<TermValue> train_terms;  // each objective term, "reconstruction" first
  std::vector<TermValue> test_terms;   // empty when there is no test loader
  double samples_per_second = 0;       // training samples over training time
  double train_seconds = 0;
  double seconds = 0;  // the whole epoch, evaluation included
  // Kernel launches (kernels, library calls, graph launches) per training step of this session on
  // the training device: 0 on the CPU.
  double launches_per_step = 0;
  int64_t replayed_steps = 0;  // steps run by replaying a captured CUDA graph
};

// One training step, reported every log_every_steps steps (a host read of the step's terms).
struct StepRecord {
  int64_t epoch = 0;        // 1-based
  int64_t step = 0;         // 1-based within the epoch
  int64_t global_step = 0;  // 1-based over the run, counting the epochs before start_epoch
  double loss = 0;          // this batch's objective total
  std::vector<TermValue> terms;
};

// Where a run stands between two training steps: with the model's parameters, the optimizer's
// state and the generators (checkpoint.h), enough to continue it bit-exactly. At an epoch
// boundary step is 0 and the sums are empty.
struct TrainPosition {
  int64_t epoch = 0;          // 0-based: the epoch in progress (or the next one when step == 0)
  int64_t step = 0;           // batches of `epoch` already trained
  uint64_t noise_offset = 0;  // the corruption generator's offset within epoch's stream
  // The unfinished epoch's running sums, as the trainer keeps them (float32 scalars on the
  // model's device, each batch's value times its sample count), so the epoch's record comes out
  // as if it had never been interrupted.
  std::vector<std::string> term_names;
  std::vector<Tensor> term_sums;
  Tensor total_sum;
  int64_t samples = 0;
  double train_seconds = 0;  // training time already spent in the epoch
};

struct TrainOptions {
  int64_t epochs = 1;
  int64_t start_epoch = 0;  // 0-based index of the first epoch (a resumed run starts later)
  // A run interrupted inside epoch start_epoch continues after resume.step batches of it, with
  // resume's noise offset and running sums (resume.epoch must equal start_epoch; step 0: none).
  TrainPosition resume;
  ReconstructionLoss loss = ReconstructionLoss::kBce;
  // Denoising: kind kNone (the default) trains on the inputs as they are.
  CorruptionOptions corruption;
  // The corruption noise of epoch e comes from Philox (corruption_seed, its own counter range
  // for e), so a run resumed at start_epoch draws the noise the uninterrupted run would have.
  uint64_t corruption_seed = 0;
  bool progress = true;  // a progress line per epoch on progress_options.out
  ProgressOptions progress_options;
  std::function<void(const EpochRecord&)> on_epoch;  // called after each epoch
  int64_t log_every_steps = 0;  // > 0: on_step after every log_every_steps-th step of an epoch
  std::function<void(const StepRecord&)> on_step;
  // Polled after every step. When it returns true, training stops there: on_stop receives the
  // position (the caller saves a checkpoint) and train_autoencoder returns the epochs completed.
  std::function<bool()> stop_requested;
  std::function<void(const TrainPosition&)> on_stop;
  // On a device with graphs (CUDA), capture one training step per epoch and replay it for the
  // epoch's later batches of the same shape (models/src/step_graph.h says when it cannot).
  bool cuda_graph = false;
  // One-line notes (why a step ran eagerly); standard error when unset.
  std::function<void(const std::string&)> on_note;
};

// Trains for options.epochs epochs; `test` may be null. Sets each loader's epoch so shuffling
// depends only on (seed, epoch), and calls model.on_epoch_start(epoch, start_epoch + epochs)
// before each epoch.
std::vector<EpochRecord> train_autoencoder(Autoencoder& model, optim::Optimizer& optimizer,
                                           data::DataLoader& train, data::DataLoader* test,
                                           const TrainOptions& options);

struct Evaluation {
  double loss = 0;  // the objective's total, mean over the samples
  std::vector<TermValue> terms;
};
// The objective over every sample of `loader`, in eval mode under NoGrad. With a corruption the
// inputs are corrupted (noise from corruption_seed's evaluation stream, the same at every call)
// and the targets stay clean.
Evaluation evaluate_objective(Autoencoder& model, data::DataLoader& loader, ReconstructionLoss loss,
                              const CorruptionOptions& corruption = {},
                              uint64_t corruption_seed = 0);

// The mean per-element reconstruction loss over every sample of `loader` (clean inputs, no
// penalties), in eval mode under NoGrad.
double evaluate_reconstruction(Autoencoder& model, data::DataLoader& loader,
                               ReconstructionLoss loss);

}  // namespace hg::models
