// DenseAutoencoder: layer construction (plain or tied decoder), the traced encoder pass with the
// k-sparse selection, the logits path for BCE, and the objective with its penalty terms.
#include "hourglass/models/dense_autoencoder.h"

#include <cstdio>

#include "hourglass/core/error.h"
#include "hourglass/core/progress.h"
#include "hourglass/models/tied_linear.h"
#include "hourglass/models/trainer.h"
#include "hourglass/nn/activation.h"
#include "hourglass/ops/elementwise.h"
#include "hourglass/ops/shape_ops.h"

namespace hg::models {
namespace {

bool is_identity(const std::string& name) {
  return name == "identity" || name == "linear";
}

std::string format_float(float value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", static_cast<double>(value));
  return text;
}

}  // namespace

DenseAutoencoder::DenseAutoencoder(DenseAutoencoderOptions options)
    : options_(std::move(options)), contractive_gen_(options_.contractive.seed) {
  const std::vector<int64_t>& sizes = options_.sizes;
  HG_CHECK(sizes.size() >= 2, "DenseAutoencoder needs at least two layer sizes (input, code), got ",
           sizes.size());
  for (int64_t s : sizes)
    HG_CHECK(s > 0, "DenseAutoencoder: layer sizes must be positive, got ", s);
  code_activation_ =
      options_.code_activation.empty() ? options_.hidden_activation : options_.code_activation;
  // Validate names before building anything (make_activation lists the valid ones).
  nn::make_activation(options_.hidden_activation);
  nn::make_activation(code_activation_);
  nn::make_activation(options_.output_activation);
  validate_code_regularizer(options_.code_regularizer, sizes.back(), code_activation_);
  const size_t layers = sizes.size() - 1;
  validate_contractive(options_.contractive,
                       layers == 1 ? code_activation_ : options_.hidden_activation);

  Generator gen(options_.seed);
  encoder_ = register_module("encoder", std::make_shared<nn::Sequential>());
  for (size_t i = 0; i < layers; ++i) {
    encoder_layers_.push_back(
        encoder_->add(std::make_shared<nn::Linear>(sizes[i], sizes[i + 1], true, &gen)));
    encoder_activations_.push_back(i + 1 == layers ? code_activation_ : options_.hidden_activation);
    encoder_->add(nn::make_activation(encoder_activations_.back()));
  }
  decoder_ = register_module("decoder", std::make_shared<nn::Sequential>());
  for (size_t i = layers; i > 0; --i) {
    if (options_.tied_weights)
      decoder_->add(std::make_shared<TiedLinear>(encoder_layers_[i - 1]->weight(), &gen));
    else
      decoder_->add(std::make_shared<nn::Linear>(sizes[i], sizes[i - 1], true, &gen));
    const bool last = i == 1;
    // A linear output gets no module, like a PyTorch decoder ending in its Linear.
    if (last && is_identity(options_.output_activation)) break;
    decoder_->add(
        nn::make_activation(last ? options_.output_activation : options_.hidden_activation));
  }
  output_is_sigmoid_ = options_.output_activation == "sigmoid";
  training_k_ = options_.code_regularizer.kind == CodeRegularizer::kKSparse
                    ? ksparse_training_k(options_.code_regularizer, 0)
                    : 0;
}

int64_t DenseAutoencoder::active_k() const {
  if (options_.code_regularizer.kind != CodeRegularizer::kKSparse) return 0;
  return is_training() ? training_k_ : ksparse_encoding_k(options_.code_regularizer, code_dim());
}

DenseAutoencoder::EncoderPass DenseAutoencoder::encode_traced(const Tensor& x) {
  HG_CHECK(x.rank() >= 2, "DenseAutoencoder expects a batch [N, D] or [N, C, H, W], got ",
           x.shape());
  const Tensor flat = x.rank() == 2 ? x : flatten(x, 1);
  HG_CHECK(flat.dim(1) == input_dim(), "DenseAutoencoder built for ", input_dim(),
           " input features, got input ", x.shape(), " (", flat.dim(1), " per sample)");
  EncoderPass pass;
  Tensor y = flat;
  for (size_t i = 0; i < encoder_layers_.size(); ++i) {
    DenseLayerTrace layer;
    layer.weight = encoder_layers_[i]->weight();
    layer.activation = encoder_activations_[i];
    const auto& module = (*encoder_)[2 * i + 1];
    if (const auto* leaky = dynamic_cast<const nn::LeakyReLU*>(module.get()))
      layer.negative_slope = leaky->negative_slope();
    layer.pre = encoder_layers_[i]->forward(y);
    layer.post = module->forward(layer.pre);
    y = layer.post;
    pass.layers.push_back(std::move(layer));
  }
  const int64_t k = active_k();
  pass.code = k > 0 ? keep_top_k(y, k) : y;
  return pass;
}

Tensor DenseAutoencoder::decode(const Tensor& z) {
  return decoder_->forward(z);
}

Tensor DenseAutoencoder::decode_logits(const Tensor& z) {
  HG_CHECK(output_is_sigmoid_, "DenseAutoencoder with a '", options_.output_activation,
           "' output has no logits to return");
  Tensor y = z;
  for (size_t i = 0; i + 1 < decoder_->size(); ++i)
    y = (*decoder_)[i]->forward(y);
  return y;
}

Objective DenseAutoencoder::objective(const Tensor& input, const Tensor& target,
                                      ReconstructionLoss loss) {
  const EncoderPass pass = encode_traced(input);
  const Tensor reconstruction = reconstruction_loss_from_code(*this, pass.code, target, loss);
  Objective result{reconstruction, {{"reconstruction", reconstruction}}};
  for (LossTerm& term : code_penalty_terms(options_.code_regularizer, pass.code))
    result.terms.push_back(std::move(term));
  const ContractiveOptions& contractive = options_.contractive;
  if (contractive.weight > 0) {
    const Tensor norm =
        contractive.mode == ContractiveMode::kFirstLayer
            ? first_layer_contractive(pass.layers.front())
            : stochastic_contractive(pass.layers, contractive.probes, contractive_gen_);
    result.terms.push_back({"contractive", mul(norm, contractive.weight)});
  }
  for (size_t i = 1; i < result.terms.size(); ++i)
    result.total = add(result.total, result.terms[i].value);
  return result;
}

void DenseAutoencoder::on_epoch_start(int64_t epoch, int64_t /*total_epochs*/) {
  if (options_.code_regularizer.kind == CodeRegularizer::kKSparse)
    training_k_ = ksparse_training_k(options_.code_regularizer, epoch);
}

std::string DenseAutoencoder::describe() const {
  std::string shape;
  const std::vector<int64_t>& sizes = options_.sizes;
  for (size_t i = 0; i < sizes.size(); ++i)
    shape += (i ? "-" : "") + std::to_string(sizes[i]);
  for (size_t i = sizes.size() - 1; i > 0; --i)
    shape += "-" + std::to_string(sizes[i - 1]);
  const std::string hidden =
      sizes.size() > 2 ? options_.hidden_activation + " hidden, " : std::string();
  std::string extras;
  if (options_.tied_weights) extras += ", tied weights";
  const CodeRegularizerOptions& code = options_.code_regularizer;
  switch (code.kind) {
    case CodeRegularizer::kNone:
      break;
    case CodeRegularizer::kL1:
      extras += ", l1 code penalty " + format_float(code.weight);
      break;
    case CodeRegularizer::kKl:
      extras +=
          ", kl sparsity " + format_float(code.weight) + " (rho " + format_float(code.rho) + ")";
      break;
    case CodeRegularizer::kKSparse:
      extras += ", k-sparse k=" + std::to_string(code.k) + " (alpha " + format_float(code.alpha);
      if (code.anneal_epochs > 0)
        extras += ", from " + std::to_string(code.k_start) + " over " +
                  std::to_string(code.anneal_epochs) + " epochs";
      extras += ")";
      break;
  }
  if (options_.contractive.weight > 0)
    extras += ", contractive " + format_float(options_.contractive.weight) + " (" +
              contractive_mode_name(options_.contractive.mode) + ")";
  return "dense autoencoder " + shape + " (" + hidden + code_activation_ + " code, " +
         options_.output_activation + " output" + extras + "), " +
         format_thousands(num_parameters()) + " parameters";
}

}  // namespace hg::models
