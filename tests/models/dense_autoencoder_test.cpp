// DenseAutoencoder: PyTorch parameter names and shapes, flattening, the logits path, seeding.
#include <gtest/gtest.h>

#include <cmath>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/models/models.h"
#include "hourglass/ops/ops.h"

namespace hg::models {
namespace {

TEST(DenseAutoencoder, ParameterNamesAndShapesMatchPyTorch) {
  DenseAutoencoder model;  // 784-64-784
  const auto params = model.named_parameters();
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].first, "encoder.0.weight");
  EXPECT_EQ(params[0].second.shape(), (Shape{64, 784}));
  EXPECT_EQ(params[1].first, "encoder.0.bias");
  EXPECT_EQ(params[1].second.shape(), (Shape{64}));
  EXPECT_EQ(params[2].first, "decoder.0.weight");
  EXPECT_EQ(params[2].second.shape(), (Shape{784, 64}));
  EXPECT_EQ(params[3].first, "decoder.0.bias");
  EXPECT_EQ(model.num_parameters(), 784 * 64 + 64 + 64 * 784 + 784);
  EXPECT_EQ(model.describe(),
            "dense autoencoder 784-64-784 (relu code, sigmoid output), 101,200 parameters");
}

TEST(DenseAutoencoder, DeepLayoutSkipsActivationIndices) {
  DenseAutoencoderOptions options;
  options.sizes = {20, 12, 6};
  options.code_activation = "identity";
  DenseAutoencoder model(options);
  std::vector<std::string> names;
  for (const auto& p : model.named_parameters())
    names.push_back(p.first);
  EXPECT_EQ(names,
            (std::vector<std::string>{"encoder.0.weight", "encoder.0.bias", "encoder.2.weight",
                                      "encoder.2.bias", "decoder.0.weight", "decoder.0.bias",
                                      "decoder.2.weight", "decoder.2.bias"}));
  EXPECT_EQ(model.encoder().size(), 4u);
  EXPECT_EQ(model.encoder()[3]->type_name(), "Identity");
  EXPECT_EQ(model.decoder().size(), 4u);
  EXPECT_EQ(model.decoder()[1]->type_name(), "ReLU");
  EXPECT_EQ(model.decoder()[3]->type_name(), "Sigmoid");
}

TEST(DenseAutoencoder, FlattensImagesAndChecksWidth) {
  DenseAutoencoderOptions options;
  options.sizes = {12, 4};
  DenseAutoencoder model(options);
  const Tensor x = Tensor::rand(Shape{5, 1, 3, 4});
  EXPECT_EQ(model.encode(x).shape(), (Shape{5, 4}));
  const Tensor y = model.forward(x);
  EXPECT_EQ(y.shape(), (Shape{5, 12}));
  for (float v : y.to_vector()) {
    EXPECT_GT(v, 0.0f);
    EXPECT_LT(v, 1.0f);
  }
  EXPECT_THROW(model.forward(Tensor::rand(Shape{5, 13})), Error);
  EXPECT_THROW(model.forward(Tensor::rand(Shape{12})), Error);
  clear_tape();
}

TEST(DenseAutoencoder, LogitsAreThePreSigmoidOutput) {
  DenseAutoencoderOptions options;
  options.sizes = {10, 6, 3};
  DenseAutoencoder model(options);
  NoGrad no_grad;
  const Tensor x = Tensor::rand(Shape{4, 10});
  const std::vector<float> probs = model.forward(x).to_vector();
  const std::vector<float> logits = model.forward_logits(x).to_vector();
  ASSERT_EQ(probs.size(), logits.size());
  for (size_t i = 0; i < probs.size(); ++i)
    EXPECT_NEAR(probs[i], 1.0f / (1.0f + std::exp(-logits[i])), 1e-6f);

  DenseAutoencoderOptions linear = options;
  linear.output_activation = "identity";
  DenseAutoencoder plain(linear);
  EXPECT_FALSE(plain.output_is_sigmoid());
  EXPECT_EQ(plain.decoder().size(), 3u);  // Linear, ReLU, Linear
  EXPECT_THROW(plain.forward_logits(x), Error);
}

TEST(DenseAutoencoder, SeedDeterminesWeights) {
  DenseAutoencoderOptions options;
  options.sizes = {8, 3};
  options.seed = 9;
  DenseAutoencoder a(options), b(options);
  options.seed = 10;
  DenseAutoencoder c(options);
  EXPECT_EQ(a.parameters()[0].to_vector(), b.parameters()[0].to_vector());
  EXPECT_NE(a.parameters()[0].to_vector(), c.parameters()[0].to_vector());
}

TEST(DenseAutoencoder, RejectsBadConfigurations) {
  DenseAutoencoderOptions options;
  options.sizes = {784};
  EXPECT_THROW(DenseAutoencoder{options}, Error);
  options.sizes = {784, 0};
  EXPECT_THROW(DenseAutoencoder{options}, Error);
  options.sizes = {784, 32};
  options.hidden_activation = "swish";
  EXPECT_THROW(DenseAutoencoder{options}, Error);
}

}  // namespace
}  // namespace hg::models
