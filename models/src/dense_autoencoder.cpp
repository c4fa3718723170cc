// DenseAutoencoder: layer construction, flattening, and the logits path for BCE.
#include "hourglass/models/dense_autoencoder.h"

#include "hourglass/core/error.h"
#include "hourglass/core/progress.h"
#include "hourglass/core/rng.h"
#include "hourglass/nn/activation.h"
#include "hourglass/nn/linear.h"
#include "hourglass/ops/shape_ops.h"

namespace hg::models {

DenseAutoencoder::DenseAutoencoder(DenseAutoencoderOptions options) : options_(std::move(options)) {
  const std::vector<int64_t>& sizes = options_.sizes;
  HG_CHECK(sizes.size() >= 2, "DenseAutoencoder needs at least two layer sizes (input, code), got ",
           sizes.size());
  for (int64_t s : sizes)
    HG_CHECK(s > 0, "DenseAutoencoder: layer sizes must be positive, got ", s);
  const std::string code_activation =
      options_.code_activation.empty() ? options_.hidden_activation : options_.code_activation;
  // Validate names before building anything (make_activation lists the valid ones).
  nn::make_activation(options_.hidden_activation);
  nn::make_activation(code_activation);
  nn::make_activation(options_.output_activation);

  Generator gen(options_.seed);
  const size_t layers = sizes.size() - 1;
  encoder_ = register_module("encoder", std::make_shared<nn::Sequential>());
  for (size_t i = 0; i < layers; ++i) {
    encoder_->add(std::make_shared<nn::Linear>(sizes[i], sizes[i + 1], true, &gen));
    encoder_->add(
        nn::make_activation(i + 1 == layers ? code_activation : options_.hidden_activation));
  }
  decoder_ = register_module("decoder", std::make_shared<nn::Sequential>());
  for (size_t i = layers; i > 0; --i) {
    decoder_->add(std::make_shared<nn::Linear>(sizes[i], sizes[i - 1], true, &gen));
    const bool last = i == 1;
    // A linear output gets no module, like a PyTorch decoder ending in its Linear.
    if (last &&
        (options_.output_activation == "identity" || options_.output_activation == "linear"))
      break;
    decoder_->add(
        nn::make_activation(last ? options_.output_activation : options_.hidden_activation));
  }
  output_is_sigmoid_ = options_.output_activation == "sigmoid";
}

Tensor DenseAutoencoder::encode(const Tensor& x) {
  HG_CHECK(x.rank() >= 2, "DenseAutoencoder expects a batch [N, D] or [N, C, H, W], got ",
           x.shape());
  const Tensor flat = x.rank() == 2 ? x : flatten(x, 1);
  HG_CHECK(flat.dim(1) == input_dim(), "DenseAutoencoder built for ", input_dim(),
           " input features, got input ", x.shape(), " (", flat.dim(1), " per sample)");
  return encoder_->forward(flat);
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

std::string DenseAutoencoder::describe() const {
  std::string shape;
  const std::vector<int64_t>& sizes = options_.sizes;
  for (size_t i = 0; i < sizes.size(); ++i)
    shape += (i ? "-" : "") + std::to_string(sizes[i]);
  for (size_t i = sizes.size() - 1; i > 0; --i)
    shape += "-" + std::to_string(sizes[i - 1]);
  const std::string code =
      options_.code_activation.empty() ? options_.hidden_activation : options_.code_activation;
  const std::string hidden =
      sizes.size() > 2 ? options_.hidden_activation + " hidden, " : std::string();
  return "dense autoencoder " + shape + " (" + hidden + code + " code, " +
         options_.output_activation + " output), " + format_thousands(num_parameters()) +
         " parameters";
}

}  // namespace hg::models
