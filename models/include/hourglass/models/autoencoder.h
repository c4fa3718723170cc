// Autoencoder: the interface the training loop sees. A model maps an input to a code (encode)
// and back (decode). Models whose decoder ends in a sigmoid also expose the pre-sigmoid output
// (decode_logits), so binary cross-entropy can be computed from logits, stably and with the
// exact gradient, instead of from probabilities that saturate at 0 and 1.
//
// objective() is the batch loss the trainer minimises: the reconstruction term plus whatever the
// variant adds (sparsity, contractive, KL), each returned by name so the trainer can log them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/nn/module.h"

namespace hg::models {

// The reconstruction loss, a mean per element unless a model says otherwise (the VAE sums over
// the pixels of a sample, as its evidence lower bound requires).
enum class ReconstructionLoss { kMse, kBce };
// "mse" or "bce"; hg::Error otherwise.
ReconstructionLoss parse_reconstruction_loss(const std::string& name);
const char* loss_name(ReconstructionLoss loss);

// One named, already weighted scalar term of an objective ("reconstruction", "l1", "kl", ...).
struct LossTerm {
  std::string name;
  Tensor value;
};

struct Objective {
  Tensor total;                 // the sum of the terms: what backward() starts from
  std::vector<LossTerm> terms;  // the first is always "reconstruction"
};

class Autoencoder : public nn::Module {
 public:
  virtual Tensor encode(const Tensor& x) = 0;
  virtual Tensor decode(const Tensor& z) = 0;
  // True when decode(z) == sigmoid(decode_logits(z)).
  virtual bool output_is_sigmoid() const { return false; }
  // The decoder's output before its final sigmoid. Throws hg::Error unless output_is_sigmoid().
  virtual Tensor decode_logits(const Tensor& z);

  Tensor forward(const Tensor& x) override { return decode(encode(x)); }

  // The training objective on one batch: reconstruct `target` from `input` (they differ for
  // denoising and the other paired uses; target is reshaped to the output's shape). The default
  // is the reconstruction term alone.
  virtual Objective objective(const Tensor& input, const Tensor& target, ReconstructionLoss loss);
  // Called by the trainer before each epoch (0-based), e.g. to anneal a k-sparse schedule.
  virtual void on_epoch_start(int64_t /*epoch*/, int64_t /*total_epochs*/) {}
  // Variational models encode to a distribution; encode() then returns its mean.
  virtual bool is_variational() const { return false; }
  Tensor forward_logits(const Tensor& x) { return decode_logits(encode(x)); }

  // One line for logs: architecture, activations, parameter count.
  virtual std::string describe() const { return type_name(); }

  // How the PyTorch equivalent computes encode and decode from the model's children, as the JSON
  // object of model.json's "forward" entry (the kinds are listed in checkpoint.h).
  virtual std::string torch_forward() const;
  // The model's own random generators by name (a VAE's "noise", a stochastic contractive
  // penalty's "contractive"), so a checkpoint can carry their state.
  virtual std::vector<std::pair<std::string, Generator*>> generators() { return {}; }
  int64_t num_parameters() const;
};

}  // namespace hg::models
