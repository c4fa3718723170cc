// ConvAutoencoder: image reshaping, the logits path, and the factories for the convolutional
// autoencoders of the notes (Keras blog, the notes' PyTorch model, keras-io).
#include "hourglass/models/conv_autoencoder.h"

#include <utility>

#include "hourglass/core/error.h"
#include "hourglass/core/progress.h"
#include "hourglass/core/rng.h"
#include "hourglass/nn/activation.h"
#include "hourglass/nn/conv.h"
#include "image_batch.h"

namespace hg::models {

ConvAutoencoder::ConvAutoencoder(std::string name, std::vector<int64_t> input_shape,
                                 std::vector<int64_t> code_shape,
                                 std::shared_ptr<nn::Sequential> encoder,
                                 std::shared_ptr<nn::Sequential> decoder)
    : name_(std::move(name)),
      input_shape_(std::move(input_shape)),
      code_shape_(std::move(code_shape)) {
  HG_CHECK(encoder && decoder, "ConvAutoencoder '", name_, "': encoder and decoder must be set");
  HG_CHECK(!input_shape_.empty() && !code_shape_.empty(), "ConvAutoencoder '", name_,
           "': input and code shapes must be non-empty");
  for (int64_t d : input_shape_)
    HG_CHECK(d > 0, "ConvAutoencoder '", name_, "': input shape dimensions must be positive");
  for (int64_t d : code_shape_)
    HG_CHECK(d > 0, "ConvAutoencoder '", name_, "': code shape dimensions must be positive");
  encoder_ = register_module("encoder", std::move(encoder));
  decoder_ = register_module("decoder", std::move(decoder));
  output_is_sigmoid_ =
      decoder_->size() > 0 && (*decoder_)[decoder_->size() - 1]->type_name() == "Sigmoid";
}

int64_t ConvAutoencoder::code_size() const {
  return detail::product(code_shape_);
}

Tensor ConvAutoencoder::encode(const Tensor& x) {
  return encoder_->forward(detail::as_image_batch(x, input_shape_, name_));
}

Tensor ConvAutoencoder::decode(const Tensor& z) {
  return decoder_->forward(detail::as_image_batch(z, code_shape_, name_ + " decoder"));
}

Tensor ConvAutoencoder::decode_logits(const Tensor& z) {
  HG_CHECK(output_is_sigmoid_, "ConvAutoencoder '", name_,
           "' does not end in a Sigmoid, so it has no logits to return");
  Tensor y = detail::as_image_batch(z, code_shape_, name_ + " decoder");
  for (size_t i = 0; i + 1 < decoder_->size(); ++i)
    y = (*decoder_)[i]->forward(y);
  return y;
}

std::string ConvAutoencoder::describe() const {
  return "conv autoencoder " + name_ + ": " + detail::shape_text(input_shape_) + " -> code " +
         detail::shape_text(code_shape_) + " (" + std::to_string(code_size()) + " values) -> " +
         detail::shape_text(input_shape_) + ", " + (output_is_sigmoid_ ? "sigmoid" : "linear") +
         " output, " + format_thousands(num_parameters()) + " parameters";
}

namespace {

void check_code_channels(const char* factory, int64_t channels) {
  HG_CHECK(channels > 0, factory, ": the code's channel count must be positive, got ", channels);
}

Conv2dOptions same_padding() {
  Conv2dOptions options;
  options.padding = Padding2d::same();
  return options;
}

Conv2dOptions strided(int64_t stride) {
  Conv2dOptions options;
  options.stride = {stride, stride};
  return options;
}

ConvTranspose2dOptions transpose_strided(int64_t stride, int64_t padding = 0,
                                         int64_t output_padding = 0) {
  ConvTranspose2dOptions options;
  options.stride = {stride, stride};
  options.padding = {padding, padding};
  options.output_padding = {output_padding, output_padding};
  return options;
}

// Keras MaxPooling2D((2, 2), padding='same'): windows of 2 at stride 2, a partial last window
// when the size is odd.
std::shared_ptr<nn::MaxPool2d> keras_pool() {
  Pool2dOptions options;
  options.kernel = {2, 2};
  options.ceil_mode = true;
  return std::make_shared<nn::MaxPool2d>(options);
}

}  // namespace

std::unique_ptr<ConvAutoencoder> keras_conv_autoencoder(int64_t code_channels, uint64_t seed) {
  check_code_channels("keras_conv_autoencoder", code_channels);
  Generator gen(seed);
  auto encoder = std::make_shared<nn::Sequential>();
  encoder->add(std::make_shared<nn::Conv2d>(1, 16, 3, same_padding(), true, &gen));
  encoder->add(std::make_shared<nn::ReLU>());
  encoder->add(keras_pool());
  encoder->add(std::make_shared<nn::Conv2d>(16, 8, 3, same_padding(), true, &gen));
  encoder->add(std::make_shared<nn::ReLU>());
  encoder->add(keras_pool());
  encoder->add(std::make_shared<nn::Conv2d>(8, code_channels, 3, same_padding(), true, &gen));
  encoder->add(std::make_shared<nn::ReLU>());
  encoder->add(keras_pool());

  auto decoder = std::make_shared<nn::Sequential>();
  decoder->add(std::make_shared<nn::Conv2d>(code_channels, 8, 3, same_padding(), true, &gen));
  decoder->add(std::make_shared<nn::ReLU>());
  decoder->add(std::make_shared<nn::Upsample>(2));
  decoder->add(std::make_shared<nn::Conv2d>(8, 8, 3, same_padding(), true, &gen));
  decoder->add(std::make_shared<nn::ReLU>());
  decoder->add(std::make_shared<nn::Upsample>(2));
  decoder->add(std::make_shared<nn::Conv2d>(8, 16, 3, Conv2dOptions{}, true, &gen));  // valid
  decoder->add(std::make_shared<nn::ReLU>());
  decoder->add(std::make_shared<nn::Upsample>(2));
  decoder->add(std::make_shared<nn::Conv2d>(16, 1, 3, same_padding(), true, &gen));
  decoder->add(std::make_shared<nn::Sigmoid>());
  return std::make_unique<ConvAutoencoder>("keras-conv", std::vector<int64_t>{1, 28, 28},
                                           std::vector<int64_t>{code_channels, 4, 4}, encoder,
                                           decoder);
}

std::unique_ptr<ConvAutoencoder> torch_conv_autoencoder(int64_t code_channels, uint64_t seed) {
  check_code_channels("torch_conv_autoencoder", code_channels);
  Generator gen(seed);
  auto encoder = std::make_shared<nn::Sequential>();
  encoder->add(std::make_shared<nn::Conv2d>(1, 32, 5, Conv2dOptions{}, true, &gen));
  encoder->add(std::make_shared<nn::ReLU>());
  encoder->add(std::make_shared<nn::Conv2d>(32, 32, 5, Conv2dOptions{}, true, &gen));
  encoder->add(std::make_shared<nn::ReLU>());
  encoder->add(std::make_shared<nn::Conv2d>(32, 32, 4, strided(2), true, &gen));
  encoder->add(std::make_shared<nn::ReLU>());
  encoder->add(std::make_shared<nn::Conv2d>(32, 32, 3, strided(2), true, &gen));
  encoder->add(std::make_shared<nn::ReLU>());
  encoder->add(std::make_shared<nn::Conv2d>(32, code_channels, 4, Conv2dOptions{}, true, &gen));

  auto decoder = std::make_shared<nn::Sequential>();
  decoder->add(std::make_shared<nn::ConvTranspose2d>(code_channels, 32, 4, transpose_strided(1),
                                                     true, &gen));
  decoder->add(std::make_shared<nn::ReLU>());
  decoder->add(std::make_shared<nn::ConvTranspose2d>(32, 32, 3, transpose_strided(2), true, &gen));
  decoder->add(std::make_shared<nn::ReLU>());
  decoder->add(std::make_shared<nn::ConvTranspose2d>(32, 32, 4, transpose_strided(2), true, &gen));
  decoder->add(std::make_shared<nn::ReLU>());
  decoder->add(std::make_shared<nn::ConvTranspose2d>(32, 32, 5, transpose_strided(1), true, &gen));
  decoder->add(std::make_shared<nn::ReLU>());
  decoder->add(std::make_shared<nn::ConvTranspose2d>(32, 1, 5, transpose_strided(1), true, &gen));
  decoder->add(std::make_shared<nn::Sigmoid>());
  return std::make_unique<ConvAutoencoder>("torch-conv", std::vector<int64_t>{1, 28, 28},
                                           std::vector<int64_t>{code_channels, 1, 1}, encoder,
                                           decoder);
}

std::unique_ptr<ConvAutoencoder> keras_io_conv_autoencoder(int64_t code_channels, uint64_t seed) {
  check_code_channels("keras_io_conv_autoencoder", code_channels);
  Generator gen(seed);
  Pool2dOptions pool;  // 2x2, stride 2; the sizes (28, 14) are even
  auto encoder = std::make_shared<nn::Sequential>();
  encoder->add(std::make_shared<nn::Conv2d>(1, 32, 3, same_padding(), true, &gen));
  encoder->add(std::make_shared<nn::ReLU>());
  encoder->add(std::make_shared<nn::MaxPool2d>(pool));
  encoder->add(std::make_shared<nn::Conv2d>(32, code_channels, 3, same_padding(), true, &gen));
  encoder->add(std::make_shared<nn::ReLU>());
  encoder->add(std::make_shared<nn::MaxPool2d>(pool));

  auto decoder = std::make_shared<nn::Sequential>();
  decoder->add(std::make_shared<nn::ConvTranspose2d>(code_channels, 32, 3,
                                                     transpose_strided(2, 1, 1), true, &gen));
  decoder->add(std::make_shared<nn::ReLU>());
  decoder->add(
      std::make_shared<nn::ConvTranspose2d>(32, 32, 3, transpose_strided(2, 1, 1), true, &gen));
  decoder->add(std::make_shared<nn::ReLU>());
  decoder->add(std::make_shared<nn::Conv2d>(32, 1, 3, same_padding(), true, &gen));
  decoder->add(std::make_shared<nn::Sigmoid>());
  return std::make_unique<ConvAutoencoder>("keras-io-conv", std::vector<int64_t>{1, 28, 28},
                                           std::vector<int64_t>{code_channels, 7, 7}, encoder,
                                           decoder);
}

}  // namespace hg::models
