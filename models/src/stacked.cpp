// StackedAutoencoder: construction in PyTorch's layout, greedy layer-wise pre-training (plain,
// denoising or sparse), supervised fine-tuning with a softmax classifier, and accuracy.
#include "hourglass/models/stacked.h"

#include <cmath>
#include <limits>
#include <utility>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/core/progress.h"
#include "hourglass/core/rng.h"
#include "hourglass/nn/activation.h"
#include "hourglass/ops/elementwise.h"
#include "hourglass/ops/loss.h"
#include "hourglass/ops/shape_ops.h"
#include "hourglass/optim/optimizer.h"

namespace hg::models {
namespace {

// running += value * weight, off the tape, kept on the device (no host sync per step).
Tensor accumulate(const Tensor& running, const Tensor& value, int64_t weight) {
  const Tensor weighted = mul(value.detach(), static_cast<float>(weight));
  return running.defined() ? add(running, weighted) : weighted;
}

std::vector<Tensor> concat(std::vector<Tensor> a, const std::vector<Tensor>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Restores a module's training flag when leaving a scope.
class ModeGuard {
 public:
  ModeGuard(nn::Module& module, bool training) : module_(module), previous_(module.is_training()) {
    module_.train(training);
  }
  ~ModeGuard() { module_.train(previous_); }
  ModeGuard(const ModeGuard&) = delete;
  ModeGuard& operator=(const ModeGuard&) = delete;

 private:
  nn::Module& module_;
  bool previous_;
};

}  // namespace

StackedAutoencoderOptions hinton_deep_autoencoder_options(uint64_t seed) {
  StackedAutoencoderOptions options;
  options.sizes = {784, 1000, 500, 250, 30};
  options.hidden_activation = "sigmoid";
  options.code_activation = "identity";
  options.output_activation = "sigmoid";
  options.seed = seed;
  return options;
}

StackedAutoencoder::StackedAutoencoder(StackedAutoencoderOptions options)
    : options_(std::move(options)) {
  const std::vector<int64_t>& sizes = options_.sizes;
  HG_CHECK(sizes.size() >= 2,
           "StackedAutoencoder needs at least two layer sizes (input, code), got ", sizes.size());
  for (int64_t s : sizes)
    HG_CHECK(s > 0, "StackedAutoencoder: layer sizes must be positive, got ", s);
  HG_CHECK(options_.num_classes >= 0, "StackedAutoencoder: num_classes must be >= 0, got ",
           options_.num_classes);
  if (options_.code_activation.empty()) options_.code_activation = options_.hidden_activation;
  // Validate the names before building anything (make_activation lists the valid ones).
  nn::make_activation(options_.hidden_activation);
  nn::make_activation(options_.code_activation);
  nn::make_activation(options_.output_activation);

  Generator gen(options_.seed);
  const int64_t layers = num_layers();
  encoder_ = register_module("encoder", std::make_shared<nn::Sequential>());
  for (int64_t i = 0; i < layers; ++i) {
    encoder_->add(std::make_shared<nn::Linear>(sizes[i], sizes[i + 1], true, &gen));
    encoder_->add(nn::make_activation(i + 1 == layers ? options_.code_activation
                                                      : options_.hidden_activation));
  }
  decoder_ = register_module("decoder", std::make_shared<nn::Sequential>());
  for (int64_t i = layers; i > 0; --i) {
    decoder_->add(std::make_shared<nn::Linear>(sizes[i], sizes[i - 1], true, &gen));
    decoder_->add(
        nn::make_activation(i == 1 ? options_.output_activation : options_.hidden_activation));
  }
  if (options_.num_classes > 0) {
    classifier_ = register_module(
        "classifier", std::make_shared<nn::Linear>(sizes.back(), options_.num_classes, true, &gen));
  }
}

// ---- layer access ------------------------------------------------------------------------------

void StackedAutoencoder::check_layer(int64_t layer) const {
  HG_CHECK(layer >= 0 && layer < num_layers(), "StackedAutoencoder: layer ", layer,
           " out of range: the stack has ", num_layers(), " layers (0-based)");
}

nn::Module& StackedAutoencoder::encoder_linear(int64_t layer) const {
  return *(*encoder_)[static_cast<size_t>(2 * layer)];
}
nn::Module& StackedAutoencoder::encoder_activation(int64_t layer) const {
  return *(*encoder_)[static_cast<size_t>(2 * layer + 1)];
}
// The decoder reconstructing layer `layer`'s input: the mirrored position.
nn::Module& StackedAutoencoder::decoder_linear(int64_t layer) const {
  return *(*decoder_)[static_cast<size_t>(2 * (num_layers() - 1 - layer))];
}
nn::Module& StackedAutoencoder::decoder_activation(int64_t layer) const {
  return *(*decoder_)[static_cast<size_t>(2 * (num_layers() - 1 - layer) + 1)];
}
bool StackedAutoencoder::decoder_is_sigmoid(int64_t layer) const {
  return decoder_activation(layer).type_name() == "Sigmoid";
}

nn::Linear& StackedAutoencoder::classifier() {
  HG_CHECK(classifier_ != nullptr,
           "this StackedAutoencoder was built without a classifier (num_classes = 0)");
  return *classifier_;
}

// ---- Autoencoder -------------------------------------------------------------------------------

Tensor StackedAutoencoder::encode_layers(const Tensor& x, int64_t count) {
  HG_CHECK(count >= 0 && count <= num_layers(), "encode_layers: count ", count,
           " out of range [0, ", num_layers(), "]");
  HG_CHECK(x.defined() && x.rank() >= 2,
           "StackedAutoencoder expects a batch [N, D] or [N, C, H, W], got ",
           x.defined() ? x.shape() : Shape{});
  Tensor h = x.rank() == 2 ? x : flatten(x, 1);
  HG_CHECK(h.dim(1) == options_.sizes.front(), "StackedAutoencoder built for ",
           options_.sizes.front(), " input features, got input ", x.shape(), " (", h.dim(1),
           " per sample)");
  for (int64_t i = 0; i < count; ++i)
    h = encoder_activation(i).forward(encoder_linear(i).forward(h));
  return h;
}

Tensor StackedAutoencoder::decode(const Tensor& z) {
  return decoder_->forward(z);
}

Tensor StackedAutoencoder::decode_logits(const Tensor& z) {
  HG_CHECK(output_is_sigmoid(), "StackedAutoencoder with a '", options_.output_activation,
           "' output has no logits to return");
  Tensor y = z;
  for (size_t i = 0; i + 1 < decoder_->size(); ++i)
    y = (*decoder_)[i]->forward(y);
  return y;
}

Tensor StackedAutoencoder::classify(const Tensor& x) {
  return classifier().forward(encode(x));
}

// ---- pre-training ------------------------------------------------------------------------------

Tensor StackedAutoencoder::layer_loss(int64_t layer, const Tensor& h, const Tensor& clean,
                                      ReconstructionLoss loss, Tensor* code_out) {
  const Tensor code = encoder_activation(layer).forward(encoder_linear(layer).forward(h));
  if (code_out != nullptr) *code_out = code;
  const Tensor pre = decoder_linear(layer).forward(code);
  if (decoder_is_sigmoid(layer)) {
    // Sigmoid output: BCE from logits (stable), or squared error on the probabilities.
    return loss == ReconstructionLoss::kBce ? bce_with_logits(pre, clean)
                                            : mse_loss(sigmoid(pre), clean);
  }
  return mse_loss(decoder_activation(layer).forward(pre), clean);
}

double StackedAutoencoder::layer_reconstruction_loss(int64_t layer, data::DataLoader& loader,
                                                     ReconstructionLoss loss) {
  check_layer(layer);
  NoGrad no_grad;
  ModeGuard mode(*this, false);
  Tensor running;
  int64_t samples = 0;
  for (const data::Batch& batch : loader) {
    const Tensor h = encode_layers(batch.inputs, layer);
    running = accumulate(running, layer_loss(layer, h, h, loss, nullptr), batch.size());
    samples += batch.size();
  }
  HG_CHECK(samples > 0, "layer_reconstruction_loss over an empty data loader");
  return static_cast<double>(running.item()) / static_cast<double>(samples);
}

LayerPretrainResult StackedAutoencoder::pretrain_layer(int64_t layer, data::DataLoader& train,
                                                       const PretrainOptions& options) {
  check_layer(layer);
  HG_CHECK(options.epochs >= 0, "pretrain: epochs must be >= 0, got ", options.epochs);
  HG_CHECK(options.l1_weight >= 0.0f, "pretrain: l1_weight must be >= 0, got ", options.l1_weight);
  HG_CHECK(train.num_batches() > 0, "pretrain: the training loader yields no batch");
  LayerPretrainResult result;
  result.layer = layer;
  result.initial_loss = layer_reconstruction_loss(layer, train, options.loss);

  auto optimizer = optim::make_optimizer(
      options.optimizer,
      concat(encoder_linear(layer).parameters(), decoder_linear(layer).parameters()), options.lr);
  // One noise stream per layer, so a layer's corruption does not depend on the layers before.
  Generator noise(options.seed + static_cast<uint64_t>(layer));
  const bool resuming = layer == options.resume.layer && options.resume.epochs_done > 0;
  if (resuming && options.resume.restore) options.resume.restore(*optimizer, noise);
  ModeGuard mode(*this, true);
  for (int64_t epoch = resuming ? options.resume.epochs_done : 0; epoch < options.epochs; ++epoch) {
    train.set_epoch(epoch);
    Tensor running;
    int64_t samples = 0;
    for (const data::Batch& batch : train) {
      Tensor clean;
      {
        NoGrad no_grad;  // the layers below are frozen: their codes are data
        clean = encode_layers(batch.inputs, layer);
      }
      const Tensor input = options.corruption.kind == Corruption::kNone
                               ? clean
                               : corrupt(clean, options.corruption, &noise);
      Tensor code;
      Tensor objective = layer_loss(layer, input, clean, options.loss, &code);
      if (options.l1_weight > 0.0f) {
        const float weight = options.l1_weight / static_cast<float>(batch.size());
        objective = add(objective, mul(l1_penalty(code), weight));
      }
      optimizer->zero_grad();
      backward(objective);
      optimizer->step();
      running = accumulate(running, objective, batch.size());
      samples += batch.size();
    }
    const double epoch_loss = static_cast<double>(running.item()) / static_cast<double>(samples);
    HG_CHECK(std::isfinite(epoch_loss), "pre-training layer ", layer, " diverged in epoch ",
             epoch + 1, ": the mean loss is ", epoch_loss, " (try a smaller learning rate)");
    result.train_losses.push_back(epoch_loss);
    if (options.on_epoch)
      options.on_epoch(PretrainEpoch{layer, epoch + 1, epoch_loss, optimizer.get(), &noise});
  }
  result.final_loss = layer_reconstruction_loss(layer, train, options.loss);
  return result;
}

std::vector<LayerPretrainResult> StackedAutoencoder::pretrain(data::DataLoader& train,
                                                              const PretrainOptions& options) {
  const PretrainResume& resume = options.resume;
  HG_CHECK(resume.layer >= 0 && resume.layer < num_layers() && resume.epochs_done >= 0 &&
               resume.epochs_done <= options.epochs,
           "pretrain: cannot resume at layer ", resume.layer, " after ", resume.epochs_done,
           " epochs of a ", num_layers(), "-layer stack trained ", options.epochs,
           " epochs per layer");
  std::vector<LayerPretrainResult> results;
  // A layer whose every epoch was done is complete.
  const int64_t first = resume.layer + (resume.epochs_done == options.epochs ? 1 : 0);
  for (int64_t layer = first; layer < num_layers(); ++layer)
    results.push_back(pretrain_layer(layer, train, options));
  return results;
}

// ---- fine-tuning -------------------------------------------------------------------------------

std::vector<FineTuneEpoch> StackedAutoencoder::fine_tune(data::DataLoader& train,
                                                         data::DataLoader* test,
                                                         const FineTuneOptions& options) {
  HG_CHECK(options.epochs >= 0, "fine_tune: epochs must be >= 0, got ", options.epochs);
  HG_CHECK(train.num_batches() > 0, "fine_tune: the training loader yields no batch");
  HG_CHECK(train.dataset().labels.defined(), "fine_tune needs a labelled dataset; '",
           train.dataset().name, "' has no labels");
  auto optimizer = optim::make_optimizer(
      options.optimizer, concat(encoder_->parameters(), classifier().parameters()), options.lr);
  std::vector<FineTuneEpoch> history;
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    train.set_epoch(epoch);
    Tensor running;
    int64_t samples = 0;
    {
      ModeGuard mode(*this, true);
      for (const data::Batch& batch : train) {
        const Tensor loss = softmax_cross_entropy(classify(batch.inputs), batch.labels);
        optimizer->zero_grad();
        backward(loss);
        optimizer->step();
        running = accumulate(running, loss, batch.size());
        samples += batch.size();
      }
    }
    FineTuneEpoch record;
    record.epoch = epoch + 1;
    record.train_loss = static_cast<double>(running.item()) / static_cast<double>(samples);
    HG_CHECK(std::isfinite(record.train_loss), "fine-tuning diverged in epoch ", epoch + 1,
             ": the mean loss is ", record.train_loss, " (try a smaller learning rate)");
    record.test_accuracy =
        test != nullptr ? evaluate_accuracy(*test) : std::numeric_limits<double>::quiet_NaN();
    history.push_back(record);
    if (options.on_epoch) options.on_epoch(record);
  }
  return history;
}

double StackedAutoencoder::evaluate_accuracy(data::DataLoader& loader) {
  HG_CHECK(loader.dataset().labels.defined(), "evaluate_accuracy needs a labelled dataset; '",
           loader.dataset().name, "' has no labels");
  NoGrad no_grad;
  ModeGuard mode(*this, false);
  int64_t correct = 0, samples = 0;
  for (const data::Batch& batch : loader) {
    const Tensor logits = classify(batch.inputs);
    const std::vector<float> values = logits.to_vector();
    const std::vector<int32_t> labels = batch.labels.to_vector_i32();
    const int64_t classes = logits.dim(1);
    for (int64_t row = 0; row < batch.size(); ++row) {
      int64_t best = 0;
      for (int64_t c = 1; c < classes; ++c)
        if (values[row * classes + c] > values[row * classes + best]) best = c;
      correct += best == labels[row] ? 1 : 0;
    }
    samples += batch.size();
  }
  HG_CHECK(samples > 0, "evaluate_accuracy over an empty data loader");
  return static_cast<double>(correct) / static_cast<double>(samples);
}

std::string StackedAutoencoder::describe() const {
  std::string shape;
  const std::vector<int64_t>& sizes = options_.sizes;
  for (size_t i = 0; i < sizes.size(); ++i)
    shape += (i ? "-" : "") + std::to_string(sizes[i]);
  const std::string classifier =
      options_.num_classes > 0 ? ", " + std::to_string(options_.num_classes) + "-class classifier"
                               : std::string();
  return "stacked autoencoder " + shape + " (" + options_.hidden_activation + " hidden, " +
         options_.code_activation + " code, " + options_.output_activation + " output" +
         classifier + "), " + format_thousands(num_parameters()) + " parameters";
}

}  // namespace hg::models
