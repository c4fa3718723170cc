// conv2d and conv_transpose2d: shape checks, output sizes (PyTorch's formulas and Keras 'same'),
// the resolved Conv2dGeometry handed to the kernels, and the backward rules on the tape. A
// transposed convolution is the adjoint of a convolution, so both ops run on the same three
// backend methods with the roles of "x" and "y" swapped.
#include "hourglass/ops/conv.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/kernels/backend.h"
#include "ops/op_checks.h"

namespace hg {

// ---- padding --------------------------------------------------------------------------------

namespace {

// A non-negative decimal integer filling the whole of `text`, or -1.
int64_t parse_count(const std::string& text) {
  if (text.empty() || text.size() > 9) return -1;
  for (char c : text)
    if (c < '0' || c > '9') return -1;
  return std::strtoll(text.c_str(), nullptr, 10);
}

}  // namespace

Padding2d Padding2d::parse(const std::string& text) {
  if (text == "valid") return valid();
  if (text == "same") return same();
  const size_t comma = text.find(',');
  if (comma == std::string::npos) {
    const int64_t p = parse_count(text);
    if (p >= 0) return symmetric(p);
  } else {
    const int64_t h = parse_count(text.substr(0, comma)), w = parse_count(text.substr(comma + 1));
    if (h >= 0 && w >= 0) return explicit_(h, w);
  }
  HG_FAIL("padding: expected 'valid', 'same', a non-negative integer or 'H,W', got '", text, "'");
}

std::string Padding2d::str() const {
  switch (mode) {
    case Mode::kValid:
      return "valid";
    case Mode::kSame:
      return "same";
    case Mode::kExplicit:
      break;
  }
  return h == w ? std::to_string(h) : std::to_string(h) + "," + std::to_string(w);
}

// ---- output sizes ---------------------------------------------------------------------------

int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                         int64_t dilation) {
  HG_CHECK(in >= 1 && kernel >= 1 && stride >= 1 && pad >= 0 && dilation >= 1,
           "conv_output_size: expected in, kernel, stride, dilation >= 1 and padding >= 0, got in ",
           in, ", kernel ", kernel, ", stride ", stride, ", padding ", pad, ", dilation ",
           dilation);
  const int64_t span = dilation * (kernel - 1) + 1;  // the dilated kernel's extent
  HG_CHECK(in + 2 * pad >= span, "conv: the kernel (", kernel, " with dilation ", dilation,
           ", extent ", span, ") is larger than the padded input (", in, " + 2 * ", pad, " = ",
           in + 2 * pad, ")");
  return (in + 2 * pad - span) / stride + 1;
}

int64_t conv_transpose_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                                   int64_t output_padding, int64_t dilation) {
  HG_CHECK(
      in >= 1 && kernel >= 1 && stride >= 1 && pad >= 0 && dilation >= 1 && output_padding >= 0,
      "conv_transpose_output_size: expected in, kernel, stride, dilation >= 1 and padding, "
      "output_padding >= 0, got in ",
      in, ", kernel ", kernel, ", stride ", stride, ", padding ", pad, ", output_padding ",
      output_padding, ", dilation ", dilation);
  HG_CHECK(output_padding < stride || output_padding < dilation,
           "conv_transpose2d: output_padding (", output_padding,
           ") must be smaller than either stride (", stride, ") or dilation (", dilation, ")");
  const int64_t out = (in - 1) * stride - 2 * pad + dilation * (kernel - 1) + output_padding + 1;
  HG_CHECK(out >= 1, "conv_transpose2d: output size (", in, " - 1) * ", stride, " - 2 * ", pad,
           " + ", dilation, " * (", kernel, " - 1) + ", output_padding, " + 1 = ", out,
           " is less than 1");
  return out;
}

int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode) {
  HG_CHECK(in >= 1 && kernel >= 1 && stride >= 1 && pad >= 0,
           "pool_output_size: expected in, kernel, stride >= 1 and padding >= 0, got in ", in,
           ", kernel ", kernel, ", stride ", stride, ", padding ", pad);
  HG_CHECK(2 * pad <= kernel, "pool: padding (", pad, ") must be at most half the kernel size (",
           kernel, ")");
  HG_CHECK(in + 2 * pad >= kernel, "pool: the kernel (", kernel,
           ") is larger than the padded input (", in, " + 2 * ", pad, " = ", in + 2 * pad, ")");
  const int64_t span = in + 2 * pad - kernel;  // >= 0
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  // PyTorch: in ceil mode the last window must start inside the input or the left padding.
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// ---- implementation choice ------------------------------------------------------------------

namespace {

std::atomic<int> g_conv_impl{static_cast<int>(ConvImpl::kNative)};

}  // namespace

bool cudnn_available() {
#ifdef HG_HAS_CUDNN
  return true;
#else
  return false;
#endif
}

ConvImpl parse_conv_impl(const std::string& text) {
  if (text == "native") return ConvImpl::kNative;
  if (text == "cudnn") {
    HG_CHECK(cudnn_available(),
             "conv impl 'cudnn': this build has no cuDNN (configure with -DHG_CUDNN=ON)");
    return ConvImpl::kCudnn;
  }
  HG_FAIL("conv impl: expected 'native' or 'cudnn', got '", text, "'");
}

void set_conv_impl(ConvImpl impl) {
  HG_CHECK(impl != ConvImpl::kCudnn || cudnn_available(),
           "set_conv_impl(kCudnn): this build has no cuDNN (configure with -DHG_CUDNN=ON)");
  g_conv_impl.store(static_cast<int>(impl));
}

ConvImpl conv_impl() {
  return static_cast<ConvImpl>(g_conv_impl.load());
}

// ---- the ops --------------------------------------------------------------------------------

namespace {

// The kernels' implementation for a tensor on `device`: the CPU has one, whatever the setting.
kernels::ConvImpl kernel_impl(Device device) {
  if (device.is_cuda() && conv_impl() == ConvImpl::kCudnn) return kernels::ConvImpl::kCudnn;
  return kernels::ConvImpl::kNative;
}

void check_positive_pair(const char* op, const char* what, const std::array<int64_t, 2>& v,
                         int64_t minimum) {
  HG_CHECK(v[0] >= minimum && v[1] >= minimum, op, ": ", what, " must be >= ", minimum, ", got (",
           v[0], ", ", v[1], ")");
}

// Checks x [N, C, H, W], the weight's rank and the bias [channels] (when defined); returns
// the common device.
Device check_conv_inputs(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias,
                         int64_t bias_channels_dim) {
  ops_detail::check_float(op, "x", x);
  ops_detail::check_float(op, "weight", weight);
  HG_CHECK(x.rank() == 4, op, ": expected x [N, C, H, W] (rank 4), got shape ", x.shape());
  HG_CHECK(weight.rank() == 4, op, ": expected a rank-4 weight, got shape ", weight.shape());
  const Device device = ops_detail::common_device(op, "x", x, "weight", weight);
  HG_CHECK(weight.dim(2) >= 1 && weight.dim(3) >= 1 && weight.dim(0) >= 1 && weight.dim(1) >= 1, op,
           ": weight ", weight.shape(), " has an empty dimension");
  if (bias.defined()) {
    ops_detail::check_float(op, "bias", bias);
    ops_detail::common_device(op, "x", x, "bias", bias);
    const int64_t channels = weight.dim(static_cast<int>(bias_channels_dim));
    HG_CHECK(bias.rank() == 1 && bias.dim(0) == channels, op, ": bias ", bias.shape(),
             " does not match weight ", weight.shape(), " (expected [", channels, "])");
  }
  HG_CHECK(x.dim(2) >= 1 && x.dim(3) >= 1, op, ": x ", x.shape(), " has an empty spatial size");
  return device;
}

// dbias[c] = sum over n, h, w of g [N, C, H, W]: two deterministic reductions.
Tensor bias_grad(const Tensor& g) {
  const int64_t n = g.dim(0), c = g.dim(1), hw = g.dim(2) * g.dim(3);
  kernels::Backend& backend = backend_for(g.device());
  Tensor per_plane = Tensor::empty(Shape{n, c}, DType::kFloat32, g.device());
  backend.reduce_sum(g.data<float>(), per_plane.data<float>(), n * c, hw, 1);
  Tensor out = Tensor::empty(Shape{c}, DType::kFloat32, g.device());
  backend.reduce_sum(per_plane.data<float>(), out.data<float>(), 1, n, c);
  return out;
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              const Conv2dOptions& options) {
  const Device device = check_conv_inputs("conv2d", x, weight, bias, 0);
  HG_CHECK(x.dim(1) == weight.dim(1), "conv2d: x ", x.shape(), " has ", x.dim(1),
           " channels but weight ", weight.shape(), " expects ", weight.dim(1),
           " (weight is [out, in, kh, kw])");
  check_positive_pair("conv2d", "stride", options.stride, 1);
  check_positive_pair("conv2d", "dilation", options.dilation, 1);

  kernels::Conv2dGeometry g;
  g.batch = x.dim(0);
  g.in_channels = x.dim(1), g.in_h = x.dim(2), g.in_w = x.dim(3);
  g.out_channels = weight.dim(0);
  g.kernel_h = weight.dim(2), g.kernel_w = weight.dim(3);
  g.stride_h = options.stride[0], g.stride_w = options.stride[1];
  g.dilation_h = options.dilation[0], g.dilation_w = options.dilation[1];
  g.impl = kernel_impl(device);
  const Padding2d& pad = options.padding;
  if (pad.mode == Padding2d::Mode::kSame) {
    // TensorFlow's 'same': out = ceil(in / stride); the total padding that needs is split with
    // the odd row at the bottom / right, which the geometry implies through out_h / out_w.
    auto same = [](int64_t in, int64_t k, int64_t s, int64_t d, int64_t* out, int64_t* top) {
      *out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>((*out - 1) * s + (k - 1) * d + 1 - in, 0);
      *top = total / 2;
    };
    same(g.in_h, g.kernel_h, g.stride_h, g.dilation_h, &g.out_h, &g.pad_h);
    same(g.in_w, g.kernel_w, g.stride_w, g.dilation_w, &g.out_w, &g.pad_w);
  } else {
    const bool valid = pad.mode == Padding2d::Mode::kValid;
    g.pad_h = valid ? 0 : pad.h, g.pad_w = valid ? 0 : pad.w;
    HG_CHECK(g.pad_h >= 0 && g.pad_w >= 0, "conv2d: padding must be >= 0, got (", pad.h, ", ",
             pad.w, ")");
    g.out_h = conv_output_size(g.in_h, g.kernel_h, g.stride_h, g.pad_h, g.dilation_h);
    g.out_w = conv_output_size(g.in_w, g.kernel_w, g.stride_w, g.pad_w, g.dilation_w);
  }

  Tensor out =
      Tensor::empty(Shape{g.batch, g.out_channels, g.out_h, g.out_w}, DType::kFloat32, device);
  backend_for(device).conv2d_forward(g, x.data<float>(), weight.data<float>(),
                                     bias.defined() ? bias.data<float>() : nullptr,
                                     out.data<float>());
  if (autograd::should_record({x, weight, bias})) {
    autograd::record("conv2d", {x, weight, bias}, out, [g, x, weight, bias](const Tensor& dy) {
      kernels::Backend& backend = backend_for(dy.device());
      Tensor dx, dw, db;
      if (x.requires_grad()) {
        dx = Tensor::empty(x.shape(), DType::kFloat32, dy.device());
        backend.conv2d_backward_data(g, dy.data<float>(), weight.data<float>(), nullptr,
                                     dx.data<float>());
      }
      const bool want_db = bias.defined() && bias.requires_grad();
      if (weight.requires_grad() || want_db) {
        dw = Tensor::empty(weight.shape(), DType::kFloat32, dy.device());
        if (want_db) db = Tensor::empty(bias.shape(), DType::kFloat32, dy.device());
        backend.conv2d_backward_weight(g, x.data<float>(), dy.data<float>(), dw.data<float>(),
                                       want_db ? db.data<float>() : nullptr);
        if (!weight.requires_grad()) dw = Tensor();
      }
      return std::vector<Tensor>{dx, dw, db};
    });
  }
  return out;
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvTranspose2dOptions& options) {
  const Device device = check_conv_inputs("conv_transpose2d", x, weight, bias, 1);
  HG_CHECK(x.dim(1) == weight.dim(0), "conv_transpose2d: x ", x.shape(), " has ", x.dim(1),
           " channels but weight ", weight.shape(), " expects ", weight.dim(0),
           " (weight is [in, out, kh, kw])");
  check_positive_pair("conv_transpose2d", "stride", options.stride, 1);
  check_positive_pair("conv_transpose2d", "dilation", options.dilation, 1);
  check_positive_pair("conv_transpose2d", "padding", options.padding, 0);
  check_positive_pair("conv_transpose2d", "output_padding", options.output_padding, 0);

  // The convolution this op is the adjoint of: its "x" is our output, its "y" our input.
  kernels::Conv2dGeometry g;
  g.batch = x.dim(0);
  g.out_channels = x.dim(1), g.out_h = x.dim(2), g.out_w = x.dim(3);
  g.in_channels = weight.dim(1);
  g.kernel_h = weight.dim(2), g.kernel_w = weight.dim(3);
  g.stride_h = options.stride[0], g.stride_w = options.stride[1];
  g.pad_h = options.padding[0], g.pad_w = options.padding[1];
  g.dilation_h = options.dilation[0], g.dilation_w = options.dilation[1];
  g.impl = kernel_impl(device);
  g.in_h = conv_transpose_output_size(g.out_h, g.kernel_h, g.stride_h, g.pad_h,
                                      options.output_padding[0], g.dilation_h);
  g.in_w = conv_transpose_output_size(g.out_w, g.kernel_w, g.stride_w, g.pad_w,
                                      options.output_padding[1], g.dilation_w);

  Tensor out =
      Tensor::empty(Shape{g.batch, g.in_channels, g.in_h, g.in_w}, DType::kFloat32, device);
  backend_for(device).conv2d_backward_data(g, x.data<float>(), weight.data<float>(),
                                           bias.defined() ? bias.data<float>() : nullptr,
                                           out.data<float>());
  if (autograd::should_record({x, weight, bias})) {
    autograd::record(
        "conv_transpose2d", {x, weight, bias}, out, [g, x, weight, bias](const Tensor& dy) {
          kernels::Backend& backend = backend_for(dy.device());
          Tensor dx, dw, db;
          if (x.requires_grad()) {  // the adjoint of the adjoint: the convolution itself
            dx = Tensor::empty(x.shape(), DType::kFloat32, dy.device());
            backend.conv2d_forward(g, dy.data<float>(), weight.data<float>(), nullptr,
                                   dx.data<float>());
          }
          if (weight.requires_grad()) {
            dw = Tensor::empty(weight.shape(), DType::kFloat32, dy.device());
            backend.conv2d_backward_weight(g, dy.data<float>(), x.data<float>(), dw.data<float>(),
                                           nullptr);
          }
          if (bias.defined() && bias.requires_grad()) db = bias_grad(dy);
          return std::vector<Tensor>{dx, dw, db};
        });
  }
  return out;
}

}  // namespace hg
