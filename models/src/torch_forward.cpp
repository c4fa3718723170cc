// torch_forward(): how each model's PyTorch equivalent computes its reconstruction from the
// model's children, as model.json's "forward" object (the kinds are defined in checkpoint.h).
#include <nlohmann/json.hpp>

#include "hourglass/core/error.h"
#include "hourglass/models/code_regularizer.h"
#include "hourglass/models/conv_autoencoder.h"
#include "hourglass/models/dense_autoencoder.h"
#include "hourglass/models/stacked.h"
#include "hourglass/models/vae.h"

namespace hg::models {

using nlohmann::json;

std::string Autoencoder::torch_forward() const {
  HG_FAIL("model ", type_name(),
          " does not describe its PyTorch forward pass (torch_forward), so model.json cannot be "
          "written for it");
}

std::string DenseAutoencoder::torch_forward() const {
  json forward{{"kind", "autoencoder"}, {"encoder_input", json::array({input_dim()})}};
  if (options_.code_regularizer.kind == CodeRegularizer::kKSparse)
    forward["top_k"] = ksparse_encoding_k(options_.code_regularizer, code_dim());
  return forward.dump();
}

std::string ConvAutoencoder::torch_forward() const {
  return json{{"kind", "autoencoder"}, {"encoder_input", input_shape_}}.dump();
}

std::string StackedAutoencoder::torch_forward() const {
  return json{{"kind", "autoencoder"}, {"encoder_input", json::array({options_.sizes.front()})}}
      .dump();
}

std::string Vae::torch_forward() const {
  return json{{"kind", "vae_mlp"}, {"hidden_activation", "relu"}}.dump();
}

std::string ConvVae::torch_forward() const {
  return json{{"kind", "vae_conv"}, {"encoder_input", json::array({1, 28, 28})}}.dump();
}

}  // namespace hg::models
