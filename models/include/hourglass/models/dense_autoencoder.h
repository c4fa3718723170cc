// DenseAutoencoder: fully connected encoder and decoder, each an nn::Sequential, so parameters
// are named as in the PyTorch model
//   encoder = Sequential(Linear(784, 64), ReLU())
//   decoder = Sequential(Linear(64, 784), Sigmoid())
// ("encoder.0.weight", "decoder.0.bias", ...). sizes {784, 128, 64} builds 784-128-64-128-784:
// every Linear but the decoder's last is followed by the hidden activation (the code layer's by
// code_activation), the last by the output activation. Inputs [N, C, H, W] or [N, D] are
// flattened to [N, D]; reconstructions are [N, D].
//
// Variants, combinable:
// - tied_weights: decoder layer i uses encoder layer i's weight transposed (TiedLinear) and owns
//   only its bias, so the state_dict has "decoder.0.bias" (and "decoder.2.bias", ...) but no
//   decoder weights; see tied_linear.h for the PyTorch equivalent.
// - code_regularizer: an L1 or KL sparsity penalty on the code, or a k-sparse code
//   (code_regularizer.h). The k-sparse selection is part of encode(): the current training k in
//   training mode, alpha * k in eval mode; on_epoch_start() advances the annealing schedule.
// - contractive: lambda * ||J_f(x)||_F^2 of the first encoder layer (closed form) or of the whole
//   encoder (stochastic estimate), see contractive.h. It penalises the encoder before any k-sparse
//   selection. The stochastic probes come from the model's own Generator (seeded by
//   contractive.seed), which advances at every objective() call, evaluation included; its state
//   is not a parameter, so a checkpoint does not carry it.
// objective() returns the terms "reconstruction", then "l1" or "kl_sparsity", then "contractive",
// each already weighted.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/models/autoencoder.h"
#include "hourglass/models/code_regularizer.h"
#include "hourglass/models/contractive.h"
#include "hourglass/nn/linear.h"
#include "hourglass/nn/sequential.h"

namespace hg::models {

struct DenseAutoencoderOptions {
  std::vector<int64_t> sizes{784, 64};  // input dimension, hidden sizes..., code size
  std::string hidden_activation = "relu";
  std::string code_activation;                // empty: the hidden activation
  std::string output_activation = "sigmoid";  // "identity" leaves the output linear
  uint64_t seed = 0;  // weights drawn from Generator(seed), in PyTorch's construction order
  bool tied_weights = false;
  CodeRegularizerOptions code_regularizer;
  ContractiveOptions contractive;
};

class DenseAutoencoder : public Autoencoder {
 public:
  explicit DenseAutoencoder(DenseAutoencoderOptions options = {});

  // The encoder's forward pass with every layer's pre- and post-activation; `code` is the last
  // layer's output after the k-sparse selection (if any).
  struct EncoderPass {
    std::vector<DenseLayerTrace> layers;
    Tensor code;
  };
  EncoderPass encode_traced(const Tensor& x);

  Tensor encode(const Tensor& x) override { return encode_traced(x).code; }
  Tensor decode(const Tensor& z) override;
  bool output_is_sigmoid() const override { return output_is_sigmoid_; }
  Tensor decode_logits(const Tensor& z) override;
  Objective objective(const Tensor& input, const Tensor& target, ReconstructionLoss loss) override;
  void on_epoch_start(int64_t epoch, int64_t total_epochs) override;

  std::string type_name() const override { return "DenseAutoencoder"; }
  std::string describe() const override;
  // "autoencoder" with "encoder_input" [input_dim] and, for a k-sparse code, "top_k" (the
  // eval-time k).
  std::string torch_forward() const override;
  // "contractive": the stochastic contractive probes' generator (drawn from only in that mode).
  std::vector<std::pair<std::string, Generator*>> generators() override {
    return {{"contractive", &contractive_gen_}};
  }

  const DenseAutoencoderOptions& options() const { return options_; }
  int64_t input_dim() const { return options_.sizes.front(); }
  int64_t code_dim() const { return options_.sizes.back(); }
  const std::string& code_activation() const { return code_activation_; }
  // Units a k-sparse code keeps now: the schedule's k in training mode, alpha * k in eval mode;
  // 0 when the code is not k-sparse.
  int64_t active_k() const;
  nn::Sequential& encoder() { return *encoder_; }
  nn::Sequential& decoder() { return *decoder_; }

 private:
  DenseAutoencoderOptions options_;
  std::string code_activation_;
  std::shared_ptr<nn::Sequential> encoder_, decoder_;
  std::vector<std::shared_ptr<nn::Linear>> encoder_layers_;
  std::vector<std::string> encoder_activations_;
  bool output_is_sigmoid_ = false;
  int64_t training_k_ = 0;
  Generator contractive_gen_;
};

}  // namespace hg::models
