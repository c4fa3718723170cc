// Geometry of the spatial ops (convolution, pooling, upsampling) as the kernels see it: every
// size already resolved by core (output sizes, 'same' padding, ceil mode), so a kernel never
// re-derives a shape. Tensors are NCHW, contiguous, float32.
#pragma once

#include <cstdint>

namespace hg::kernels {

// Which implementation runs a convolution on a CUDA device. The CPU has one (im2col + sgemm)
// and ignores the choice; kCudnn exists only in builds with HG_CUDNN.
enum class ConvImpl : int { kNative, kCudnn };

// A 2-D cross-correlation, exactly as torch.nn.functional.conv2d (groups = 1):
//   y[n, co, oh, ow] = bias[co] + sum_{ci, kh, kw} w[co, ci, kh, kw] *
//                      x[n, ci, oh*stride_h - pad_h + kh*dilation_h, ow*stride_w - pad_w +
//                      kw*dilation_w]
// where x outside [0, in_h) x [0, in_w) reads as 0. pad_h / pad_w are the top / left padding;
// the bottom / right padding is implied by out_h / out_w, so asymmetric padding (Keras 'same'
// with stride 2) needs no extra field. Weight layout [out_channels, in_channels, kernel_h,
// kernel_w].
//
// ConvTranspose2d is the adjoint of this map (conv2d_backward_data): its input plays the role of
// y (out_channels here = the transposed conv's in_channels) and its output the role of x, and
// its weight [in, out, kh, kw] is this layout unchanged.
struct Conv2dGeometry {
  int64_t batch = 0;
  int64_t in_channels = 0, in_h = 0, in_w = 0;
  int64_t out_channels = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  ConvImpl impl = ConvImpl::kNative;

  int64_t x_numel() const { return batch * in_channels * in_h * in_w; }
  int64_t y_numel() const { return batch * out_channels * out_h * out_w; }
  int64_t w_numel() const { return out_channels * in_channels * kernel_h * kernel_w; }
};

// A pooling window per output element: rows [oh*stride_h - pad_h, ... + kernel_h), likewise
// columns; out_h / out_w already include PyTorch's ceil-mode rule (a last window must start
// inside the input or the left padding).
struct Pool2dGeometry {
  int64_t batch = 0, channels = 0;
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;

  int64_t x_numel() const { return batch * channels * in_h * in_w; }
  int64_t y_numel() const { return batch * channels * out_h * out_w; }
};

// nn.Upsample with an integer scale factor per axis (out = in * scale). Bilinear follows
// PyTorch's align_corners=False: source coordinate (o + 0.5) / scale - 0.5, clamped below at 0.
enum class UpsampleMode : int { kNearest, kBilinear };

struct Upsample2dGeometry {
  int64_t batch = 0, channels = 0;
  int64_t in_h = 0, in_w = 0;
  int64_t scale_h = 1, scale_w = 1;

  int64_t out_h() const { return in_h * scale_h; }
  int64_t out_w() const { return in_w * scale_w; }
  int64_t x_numel() const { return batch * channels * in_h * in_w; }
  int64_t y_numel() const { return batch * channels * out_h() * out_w(); }
};

}  // namespace hg::kernels
