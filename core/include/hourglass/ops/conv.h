// Spatial ops on NCHW float32 tensors, with PyTorch's semantics, output shapes and weight layouts:
// conv2d (torch.nn.functional.conv2d, groups = 1), conv_transpose2d (its adjoint), max / average
// pooling, nearest / bilinear upsampling. All differentiable with respect to every float input.
// On CUDA devices, conv2d and conv_transpose2d run the hand-written kernels or cuDNN, as chosen
// by set_conv_impl (cuDNN only in builds with HG_CUDNN).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "hourglass/core/tensor.h"

namespace hg {

// Padding of one spatial axis: explicit (the same on both sides, like PyTorch's `padding=p`),
// or Keras's 'valid' (none) and 'same' (out = ceil(in / stride), the total padding split with
// the extra row at the bottom / right, as TensorFlow does).
struct Padding2d {
  enum class Mode { kExplicit, kValid, kSame };
  Mode mode = Mode::kExplicit;
  int64_t h = 0, w = 0;  // kExplicit only

  static Padding2d explicit_(int64_t h, int64_t w) { return {Mode::kExplicit, h, w}; }
  static Padding2d symmetric(int64_t p) { return {Mode::kExplicit, p, p}; }
  static Padding2d valid() { return {Mode::kValid, 0, 0}; }
  static Padding2d same() { return {Mode::kSame, 0, 0}; }
  // "valid", "same", a non-negative integer, or "H,W"; hg::Error otherwise.
  static Padding2d parse(const std::string& text);
  std::string str() const;  // the text parse() reads back ("same", "2", "1,0")
};

struct Conv2dOptions {
  std::array<int64_t, 2> stride{1, 1};
  Padding2d padding;
  std::array<int64_t, 2> dilation{1, 1};
};

struct ConvTranspose2dOptions {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> output_padding{0, 0};  // each < stride or < dilation, as PyTorch
  std::array<int64_t, 2> dilation{1, 1};
};

// PyTorch's output-size formulas (floor((in + 2p - d(k - 1) - 1) / s) + 1 and
// (in - 1) s - 2p + d(k - 1) + output_padding + 1); hg::Error when the result is < 1.
int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation);
int64_t conv_transpose_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                                   int64_t output_padding, int64_t dilation);
// torch.nn.MaxPool2d / AvgPool2d's size: floor or ceil of (in + 2p - k) / s, plus 1; in ceil
// mode the last window must start inside the input or the left padding.
int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode);

// x [N, Cin, H, W], weight [Cout, Cin, kh, kw], bias [Cout] or undefined -> [N, Cout, OH, OW].
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              const Conv2dOptions& options = {});
// x [N, Cin, H, W], weight [Cin, Cout, kh, kw], bias [Cout] or undefined -> [N, Cout, OH, OW].
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvTranspose2dOptions& options = {});

struct Pool2dOptions {
  std::array<int64_t, 2> kernel{2, 2};
  std::array<int64_t, 2> stride{0, 0};   // 0: the kernel size (PyTorch's default)
  std::array<int64_t, 2> padding{0, 0};  // at most half the kernel, as PyTorch
  bool ceil_mode = false;
  bool count_include_pad = true;  // average pooling only
};
Tensor max_pool2d(const Tensor& x, const Pool2dOptions& options = {});
Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& options = {});

enum class UpsampleMode { kNearest, kBilinear };
// "nearest" or "bilinear"; hg::Error otherwise.
UpsampleMode parse_upsample_mode(const std::string& text);
// [N, C, H, W] -> [N, C, H * scale_h, W * scale_w]; bilinear with align_corners=False.
Tensor upsample2d(const Tensor& x, int64_t scale_h, int64_t scale_w,
                  UpsampleMode mode = UpsampleMode::kNearest);

// Which convolution implementation CUDA devices use (process-wide; the CPU has one).
enum class ConvImpl { kNative, kCudnn };
// "native" or "cudnn"; hg::Error otherwise (and for "cudnn" in a build without HG_CUDNN).
ConvImpl parse_conv_impl(const std::string& text);
void set_conv_impl(ConvImpl impl);  // hg::Error for kCudnn in a build without HG_CUDNN
ConvImpl conv_impl();
bool cudnn_available();  // built with HG_CUDNN

}  // namespace hg
