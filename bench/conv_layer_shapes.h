// The convolution layers of the two MNIST convolutional autoencoders
// (models/src/conv_autoencoder.cpp: the Keras-style and the PyTorch-style net, 8 code channels),
// batch 128, as the geometries the conv kernels see. Shared by bench_conv_cpu (which names them as
// bench/torch_conv_layers.py does) and bench_conv_cuda (which names them "<net>/<layer>"), so both
// time the same shapes.
#pragma once

#include <cstdint>
#include <vector>

#include "hourglass/kernels/conv_params.h"

namespace hg::bench {

constexpr int64_t kConvLayerBatch = 128;

struct ConvLayerShape {
  const char* cpu_name;   // bench_conv_cpu's (and torch_conv_layers.py's) name
  const char* cuda_name;  // bench_conv_cuda's "<net>/<layer>"
  // ConvTranspose2d: g is the conv it is the adjoint of (x is the layer's output, y its input).
  bool transposed;
  kernels::Conv2dGeometry g;
};

// The conv x [ci, h, h] -> y [co, out, out], out = (h + 2 pad - k) / stride + 1.
inline ConvLayerShape conv_layer_shape(const char* cpu_name, const char* cuda_name, bool transposed,
                                       int64_t ci, int64_t h, int64_t co, int64_t k, int64_t stride,
                                       int64_t pad) {
  kernels::Conv2dGeometry g;
  g.batch = kConvLayerBatch;
  g.in_channels = ci;
  g.in_h = g.in_w = h;
  g.out_channels = co;
  g.kernel_h = g.kernel_w = k;
  g.stride_h = g.stride_w = stride;
  g.pad_h = g.pad_w = pad;
  g.out_h = g.out_w = (h + 2 * pad - k) / stride + 1;
  return {cpu_name, cuda_name, transposed, g};
}

inline std::vector<ConvLayerShape> mnist_conv_layer_shapes() {
  auto l = conv_layer_shape;
  return {
      // Keras-style: 3x3 'same' convs between 2x2 pools / upsamplings, one 'valid'.
      l("keras_e1", "keras/enc_conv1_1to16_28", false, 1, 28, 16, 3, 1, 1),
      l("keras_e2", "keras/enc_conv2_16to8_14", false, 16, 14, 8, 3, 1, 1),
      l("keras_e3", "keras/enc_conv3_8to8_7", false, 8, 7, 8, 3, 1, 1),
      l("keras_d1", "keras/dec_conv1_8to8_4", false, 8, 4, 8, 3, 1, 1),
      l("keras_d2", "keras/dec_conv2_8to8_8", false, 8, 8, 8, 3, 1, 1),
      l("keras_d3", "keras/dec_conv3_8to16_16_valid", false, 8, 16, 16, 3, 1, 0),
      l("keras_d4", "keras/dec_conv4_16to1_28", false, 16, 28, 1, 3, 1, 1),
      // PyTorch-style: strided convs down to 8x1x1, transposed convs back up. A
      // ConvTranspose2d(a, b, k, s) from size n to m is the adjoint of Conv2d(b, a, k, s) from
      // m to n (its forward pass is that conv's backward_data).
      l("torch_e1", "torch/conv1_1to32_k5_28to24", false, 1, 28, 32, 5, 1, 0),
      l("torch_e2", "torch/conv2_32to32_k5_24to20", false, 32, 24, 32, 5, 1, 0),
      l("torch_e3", "torch/conv3_32to32_k4s2_20to9", false, 32, 20, 32, 4, 2, 0),
      l("torch_e4", "torch/conv4_32to32_k3s2_9to4", false, 32, 9, 32, 3, 2, 0),
      l("torch_e5", "torch/conv5_32to8_k4_4to1", false, 32, 4, 8, 4, 1, 0),
      l("torch_d1", "torch/deconv1_8to32_k4_1to4", true, 32, 4, 8, 4, 1, 0),
      l("torch_d2", "torch/deconv2_32to32_k3s2_4to9", true, 32, 9, 32, 3, 2, 0),
      l("torch_d3", "torch/deconv3_32to32_k4s2_9to20", true, 32, 20, 32, 4, 2, 0),
      l("torch_d4", "torch/deconv4_32to32_k5_20to24", true, 32, 24, 32, 5, 1, 0),
      l("torch_d5", "torch/deconv5_32to1_k5_24to28", true, 1, 28, 32, 5, 1, 0),
  };
}

}  // namespace hg::bench
