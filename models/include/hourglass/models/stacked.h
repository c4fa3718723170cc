// StackedAutoencoder: greedy layer-wise pre-training, then supervised fine-tuning of the stack
// (Hinton & Salakhutdinov 2006; Bengio et al. 2007; Vincent et al. 2010, stacked denoising).
//
// sizes {784, 1000, 500, 250, 30} is a stack of four one-layer autoencoders: layer i encodes
// sizes[i] -> sizes[i+1] and decodes back. pretrain() trains them bottom up, each on the codes
// of the (frozen) layers below it, optionally denoising (each layer's input corrupted, its clean
// input the target) or sparse (an L1 penalty on its code). Then either
//   - fine_tune(): a softmax classifier Linear(sizes.back(), num_classes) on top of the stacked
//     encoders, the whole encoder stack and classifier trained with softmax cross-entropy on the
//     dataset's labels (Bengio 2007, UFLDL's "fine-tuning stacked autoencoders"); or
//   - the unrolled deep autoencoder trained end to end on reconstruction (Hinton 2006): the model
//     is an Autoencoder (encode through every encoder, decode through the mirrored decoders), so
//     train_autoencoder() fine-tunes it that way.
//
// Parameters are named as the PyTorch model
//   encoder = Sequential(Linear(784, 1000), Sigmoid(), ..., Linear(250, 30), Identity())
//   decoder = Sequential(Linear(30, 250), Sigmoid(), ..., Linear(1000, 784), Sigmoid())
//   classifier = Linear(30, 10)
// i.e. as DenseAutoencoder's, but every Linear is followed by its activation module (an
// Identity for a linear layer), so layer i's encoder Linear is encoder.{2i} and its decoder
// Linear decoder.{2(L-1-i)} for L layers. Activations: hidden_activation after every encoder
// Linear but the top one (code_activation) and after every decoder Linear but the last
// (output_activation); Hinton's deep autoencoder is sizes {784, 1000, 500, 250, 30}, sigmoid
// hidden, identity code, sigmoid output.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/data/dataloader.h"
#include "hourglass/models/autoencoder.h"
#include "hourglass/nn/linear.h"
#include "hourglass/nn/sequential.h"
#include "hourglass/ops/regularizers.h"
#include "hourglass/optim/optimizer.h"

namespace hg::models {

struct StackedAutoencoderOptions {
  std::vector<int64_t> sizes{784, 256, 64};  // input dimension, hidden sizes..., top code size
  std::string hidden_activation = "sigmoid";
  std::string code_activation;  // the top encoder layer's; empty: the hidden activation
  std::string output_activation = "sigmoid";
  int64_t num_classes = 10;  // the classifier's outputs; 0 builds no classifier
  uint64_t seed = 0;         // weights from Generator(seed): encoders, decoders, classifier
};

// Hinton & Salakhutdinov's deep autoencoder: 784-1000-500-250-30, logistic units, a linear
// 30-unit code, mirrored decoder with a logistic output.
StackedAutoencoderOptions hinton_deep_autoencoder_options(uint64_t seed = 0);

struct PretrainEpoch {
  int64_t layer = 0;      // 0-based
  int64_t epoch = 0;      // 1-based within the layer
  double train_loss = 0;  // the mean training objective of the epoch (penalty included)
  // The layer's optimizer and corruption-noise generator after the epoch, for a checkpoint; valid
  // during the callback.
  const optim::Optimizer* optimizer = nullptr;
  const Generator* noise = nullptr;
};

// Where a checkpointed pre-training continues: the layers below `layer` are done, and `layer`
// has done `epochs_done` epochs. restore() then loads that layer's optimizer state and noise
// position, once, before its next epoch (only when epochs_done > 0).
struct PretrainResume {
  int64_t layer = 0;
  int64_t epochs_done = 0;
  std::function<void(optim::Optimizer&, Generator&)> restore;
};

struct PretrainOptions {
  int64_t epochs = 1;  // per layer
  std::string optimizer = "adam";
  float lr = -1.0f;  // < 0: the optimizer's default
  // The reconstruction loss of layers whose decoder ends in a sigmoid (targets in [0, 1]); the
  // others, reconstructing unbounded codes, use squared error. Means per element.
  ReconstructionLoss loss = ReconstructionLoss::kBce;
  CorruptionOptions
      corruption;          // denoising: each layer's input corrupted, its clean input the target
  float l1_weight = 0.0f;  // sparse: + l1_weight * sum |code| / batch size
  uint64_t seed = 0;       // the corruption noise's generator
  std::function<void(const PretrainEpoch&)> on_epoch;
  PretrainResume resume;  // the default starts from the bottom layer
};

struct LayerPretrainResult {
  int64_t layer = 0;
  double initial_loss = 0;  // the layer's clean reconstruction loss over the loader, before
  double final_loss = 0;    // ... and after its training
  std::vector<double> train_losses;  // per epoch
};

struct FineTuneEpoch {
  int64_t epoch = 0;         // 1-based
  double train_loss = 0;     // mean softmax cross-entropy over the epoch's samples
  double test_accuracy = 0;  // NaN without a test loader
};

struct FineTuneOptions {
  int64_t epochs = 1;
  std::string optimizer = "adam";
  float lr = -1.0f;
  std::function<void(const FineTuneEpoch&)> on_epoch;
};

class StackedAutoencoder : public Autoencoder {
 public:
  explicit StackedAutoencoder(StackedAutoencoderOptions options = {});

  // Autoencoder: the whole stack. Inputs [N, D] or [N, C, H, W] (flattened); outputs [N, D].
  Tensor encode(const Tensor& x) override { return encode_layers(x, num_layers()); }
  Tensor decode(const Tensor& z) override;
  bool output_is_sigmoid() const override { return options_.output_activation == "sigmoid"; }
  Tensor decode_logits(const Tensor& z) override;

  // x through the first `count` encoder layers (0: x flattened).
  Tensor encode_layers(const Tensor& x, int64_t count);
  // The class logits [N, num_classes] of x: the classifier on encode(x).
  Tensor classify(const Tensor& x);

  // Greedy layer-wise pre-training of every layer, bottom up, each for options.epochs epochs on
  // the batches of `train` pushed through the layers below (under NoGrad); with options.resume,
  // from that point on (a resumed run gives the same bits as an uninterrupted one). Results
  // cover the layers trained by this call.
  std::vector<LayerPretrainResult> pretrain(data::DataLoader& train,
                                            const PretrainOptions& options);
  LayerPretrainResult pretrain_layer(int64_t layer, data::DataLoader& train,
                                     const PretrainOptions& options);
  // Layer `layer`'s clean reconstruction loss (mean per element) over `loader`, in eval mode.
  double layer_reconstruction_loss(int64_t layer, data::DataLoader& loader,
                                   ReconstructionLoss loss);

  // Supervised fine-tuning of the encoders and the classifier; needs labels and a classifier.
  std::vector<FineTuneEpoch> fine_tune(data::DataLoader& train, data::DataLoader* test,
                                       const FineTuneOptions& options);
  // The share of loader's samples whose largest logit is their label, in eval mode.
  double evaluate_accuracy(data::DataLoader& loader);

  std::string type_name() const override { return "StackedAutoencoder"; }
  // "stacked autoencoder 784-1000-500-250-30 (sigmoid hidden, identity code, sigmoid output,
  // 10-class classifier), 2,837,624 parameters".
  std::string describe() const override;
  std::string torch_forward() const override;  // "autoencoder" with "encoder_input" [sizes[0]]

  const StackedAutoencoderOptions& options() const { return options_; }
  int64_t num_layers() const { return static_cast<int64_t>(options_.sizes.size()) - 1; }
  nn::Sequential& encoder() { return *encoder_; }
  nn::Sequential& decoder() { return *decoder_; }
  nn::Linear& classifier();  // hg::Error when built without one

 private:
  void check_layer(int64_t layer) const;
  nn::Module& encoder_linear(int64_t layer) const;
  nn::Module& encoder_activation(int64_t layer) const;
  nn::Module& decoder_linear(int64_t layer) const;
  nn::Module& decoder_activation(int64_t layer) const;
  bool decoder_is_sigmoid(int64_t layer) const;
  // The per-element reconstruction loss of `layer` on its input h (target `clean`), and the
  // layer's code through `code_out` when non-null.
  Tensor layer_loss(int64_t layer, const Tensor& h, const Tensor& clean, ReconstructionLoss loss,
                    Tensor* code_out);

  StackedAutoencoderOptions options_;
  std::shared_ptr<nn::Sequential> encoder_, decoder_;
  std::shared_ptr<nn::Linear> classifier_;
};

}  // namespace hg::models
