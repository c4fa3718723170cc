// DenseAutoencoder: fully connected encoder and decoder, each an nn::Sequential, so parameters
// are named as in the PyTorch model
//   encoder = Sequential(Linear(784, 64), ReLU())
//   decoder = Sequential(Linear(64, 784), Sigmoid())
// ("encoder.0.weight", "decoder.0.bias", ...). sizes {784, 128, 64} builds 784-128-64-128-784:
// every Linear but the decoder's last is followed by the hidden activation (the code layer's by
// code_activation), the last by the output activation. Inputs [N, C, H, W] or [N, D] are
// flattened to [N, D]; reconstructions are [N, D].
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hourglass/models/autoencoder.h"
#include "hourglass/nn/sequential.h"

namespace hg::models {

struct DenseAutoencoderOptions {
  std::vector<int64_t> sizes{784, 64};  // input dimension, hidden sizes..., code size
  std::string hidden_activation = "relu";
  std::string code_activation;                // empty: the hidden activation
  std::string output_activation = "sigmoid";  // "identity" leaves the output linear
  uint64_t seed = 0;  // weights drawn from Generator(seed), in PyTorch's construction order
};

class DenseAutoencoder : public Autoencoder {
 public:
  explicit DenseAutoencoder(DenseAutoencoderOptions options = {});

  Tensor encode(const Tensor& x) override;
  Tensor decode(const Tensor& z) override;
  bool output_is_sigmoid() const override { return output_is_sigmoid_; }
  Tensor decode_logits(const Tensor& z) override;

  std::string type_name() const override { return "DenseAutoencoder"; }
  std::string describe() const override;

  const DenseAutoencoderOptions& options() const { return options_; }
  int64_t input_dim() const { return options_.sizes.front(); }
  int64_t code_dim() const { return options_.sizes.back(); }
  nn::Sequential& encoder() { return *encoder_; }
  nn::Sequential& decoder() { return *decoder_; }

 private:
  DenseAutoencoderOptions options_;
  std::shared_ptr<nn::Sequential> encoder_, decoder_;
  bool output_is_sigmoid_ = false;
};

}  // namespace hg::models
