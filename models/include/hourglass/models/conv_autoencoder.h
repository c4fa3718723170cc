// ConvAutoencoder: a convolutional encoder and decoder, each an nn::Sequential of torch.nn-named
// modules, so parameters carry PyTorch's state_dict names ("encoder.0.weight", "decoder.9.bias")
// and layouts, and a checkpoint loads into the equivalent
//   class AE(nn.Module): encoder = nn.Sequential(...); decoder = nn.Sequential(...)
// Inputs are images [N, C, H, W] or flat rows [N, C*H*W] (reshaped to the image shape);
// reconstructions are [N, C, H, W]. When the decoder ends in Sigmoid, decode_logits() runs every
// decoder module but that last one, so BCE can be taken on logits.
//
// The factories build the convolutional autoencoders of the lecture notes and references, each
// with a code-channel parameter (the channel count of the code tensor) so `--latent N` resizes
// the code, and weights drawn from Generator(seed) in PyTorch's construction order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hourglass/models/autoencoder.h"
#include "hourglass/nn/sequential.h"

namespace hg::models {

class ConvAutoencoder : public Autoencoder {
 public:
  // `name` labels describe(); input_shape and code_shape are per sample ({C, H, W}); the encoder
  // must map input_shape to code_shape and the decoder code_shape back to input_shape (checked
  // by the tests of each factory, not here: checking needs a forward pass).
  ConvAutoencoder(std::string name, std::vector<int64_t> input_shape,
                  std::vector<int64_t> code_shape, std::shared_ptr<nn::Sequential> encoder,
                  std::shared_ptr<nn::Sequential> decoder);

  Tensor encode(const Tensor& x) override;
  Tensor decode(const Tensor& z) override;
  bool output_is_sigmoid() const override { return output_is_sigmoid_; }
  Tensor decode_logits(const Tensor& z) override;

  std::string type_name() const override { return "ConvAutoencoder"; }
  // "conv autoencoder keras-conv: 1x28x28 -> code 8x4x4 (128 values) -> 1x28x28, sigmoid
  // output, 4,385 parameters".
  std::string describe() const override;
  std::string torch_forward() const override;  // "autoencoder" with "encoder_input" input_shape

  const std::string& name() const { return name_; }
  const std::vector<int64_t>& input_shape() const { return input_shape_; }
  const std::vector<int64_t>& code_shape() const { return code_shape_; }
  int64_t code_size() const;  // values per sample in the code
  nn::Sequential& encoder() { return *encoder_; }
  nn::Sequential& decoder() { return *decoder_; }

 private:
  std::string name_;
  std::vector<int64_t> input_shape_, code_shape_;
  std::shared_ptr<nn::Sequential> encoder_, decoder_;
  bool output_is_sigmoid_ = false;
};

// The Keras blog's convolutional autoencoder ("Building Autoencoders in Keras", 2016), for
// 1x28x28 inputs. Keras 'same' convolutions (stride 1, 3x3) pad 1 on each side; Keras
// MaxPooling2D((2, 2), padding='same') is MaxPool2d(2, ceil_mode=True) (7 -> 4: the last window
// starts inside the input and sees one row). Encoder:
//   0 Conv2d(1, 16, 3, same)  1 ReLU  2 MaxPool2d(2, ceil)      28 -> 14
//   3 Conv2d(16, 8, 3, same)  4 ReLU  5 MaxPool2d(2, ceil)      14 -> 7
//   6 Conv2d(8, C, 3, same)   7 ReLU  8 MaxPool2d(2, ceil)       7 -> 4   code C x 4 x 4
// Decoder:
//   0 Conv2d(C, 8, 3, same)   1 ReLU  2 Upsample(2)              4 -> 8
//   3 Conv2d(8, 8, 3, same)   4 ReLU  5 Upsample(2)              8 -> 16
//   6 Conv2d(8, 16, 3, valid) 7 ReLU  8 Upsample(2)             16 -> 14 -> 28
//   9 Conv2d(16, 1, 3, same) 10 Sigmoid
// C = code_channels (8 in the blog: a 128-value code).
std::unique_ptr<ConvAutoencoder> keras_conv_autoencoder(int64_t code_channels = 8,
                                                        uint64_t seed = 0);

// The PyTorch convolutional autoencoder printed in the lecture notes (seed 000, "Deep
// Autoencoders", after François Fleuret's course), for 1x28x28 inputs. Encoder:
//   0 Conv2d(1, 32, 5)  2 Conv2d(32, 32, 5)  4 Conv2d(32, 32, 4, stride 2)
//   6 Conv2d(32, 32, 3, stride 2)  8 Conv2d(32, C, 4)      28-24-20-9-4-1: code C x 1 x 1
// with ReLU at 1, 3, 5, 7 and a linear code. Decoder:
//   0 ConvTranspose2d(C, 32, 4)  2 ConvTranspose2d(32, 32, 3, stride 2)
//   4 ConvTranspose2d(32, 32, 4, stride 2)  6 ConvTranspose2d(32, 32, 5)
//   8 ConvTranspose2d(32, 1, 5)  9 Sigmoid                1-4-9-20-24-28
// with ReLU at 1, 3, 5, 7. The printed model ends at decoder.8 with a linear output; the Sigmoid
// added here (no parameters, so the state_dict is unchanged) keeps outputs in [0, 1] for BCE on
// MNIST pixels. C = code_channels (8 in the notes).
std::unique_ptr<ConvAutoencoder> torch_conv_autoencoder(int64_t code_channels = 8,
                                                        uint64_t seed = 0);

// The keras-io convolutional denoising autoencoder (keras.io/examples/vision/autoencoder), for
// 1x28x28 inputs. Encoder:
//   0 Conv2d(1, 32, 3, same)  1 ReLU  2 MaxPool2d(2)             28 -> 14
//   3 Conv2d(32, C, 3, same)  4 ReLU  5 MaxPool2d(2)             14 -> 7   code C x 7 x 7
// Decoder: Keras Conv2DTranspose(32, 3, strides=2, padding='same') doubles the size, which is
// PyTorch's ConvTranspose2d(k 3, stride 2, padding 1, output_padding 1) up to where the one
// surplus row and column are cropped (PyTorch drops the first, TensorFlow the last):
//   0 ConvTranspose2d(C, 32, 3, s2, p1, op1)  1 ReLU            7 -> 14
//   2 ConvTranspose2d(32, 32, 3, s2, p1, op1) 3 ReLU           14 -> 28
//   4 Conv2d(32, 1, 3, same)  5 Sigmoid
// C = code_channels (32 in the example).
std::unique_ptr<ConvAutoencoder> keras_io_conv_autoencoder(int64_t code_channels = 32,
                                                           uint64_t seed = 0);

}  // namespace hg::models
