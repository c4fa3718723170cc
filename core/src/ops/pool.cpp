// max_pool2d and avg_pool2d (torch.nn.MaxPool2d / AvgPool2d): option checks, the resolved
// Pool2dGeometry, and the backward rules. Max pooling keeps the int32 argmax of every window
// from the forward pass, so its backward is a scatter of dy to those positions.
#include <limits>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/ops/conv.h"
#include "ops/op_checks.h"

namespace hg {

namespace {

kernels::Pool2dGeometry pool_geometry(const char* op, const Tensor& x,
                                      const Pool2dOptions& options) {
  ops_detail::check_float(op, "x", x);
  HG_CHECK(x.rank() == 4, op, ": expected x [N, C, H, W] (rank 4), got shape ", x.shape());
  HG_CHECK(x.dim(2) >= 1 && x.dim(3) >= 1, op, ": x ", x.shape(), " has an empty spatial size");
  const auto& k = options.kernel;
  const auto& p = options.padding;
  HG_CHECK(k[0] >= 1 && k[1] >= 1, op, ": kernel must be >= 1, got (", k[0], ", ", k[1], ")");
  HG_CHECK(options.stride[0] >= 0 && options.stride[1] >= 0, op,
           ": stride must be >= 1 (or 0 for the kernel size), got (", options.stride[0], ", ",
           options.stride[1], ")");
  HG_CHECK(p[0] >= 0 && p[1] >= 0, op, ": padding must be >= 0, got (", p[0], ", ", p[1], ")");
  HG_CHECK(2 * p[0] <= k[0] && 2 * p[1] <= k[1], op, ": padding (", p[0], ", ", p[1],
           ") must be at most half the kernel size (", k[0], ", ", k[1], ")");
  kernels::Pool2dGeometry g;
  g.batch = x.dim(0), g.channels = x.dim(1), g.in_h = x.dim(2), g.in_w = x.dim(3);
  g.kernel_h = k[0], g.kernel_w = k[1];
  g.stride_h = options.stride[0] == 0 ? k[0] : options.stride[0];
  g.stride_w = options.stride[1] == 0 ? k[1] : options.stride[1];
  g.pad_h = p[0], g.pad_w = p[1];
  HG_CHECK(g.in_h + 2 * g.pad_h >= g.kernel_h && g.in_w + 2 * g.pad_w >= g.kernel_w, op,
           ": the kernel (", k[0], ", ", k[1], ") is larger than the padded input (",
           g.in_h + 2 * g.pad_h, ", ", g.in_w + 2 * g.pad_w, ") of x ", x.shape());
  g.out_h = pool_output_size(g.in_h, g.kernel_h, g.stride_h, g.pad_h, options.ceil_mode);
  g.out_w = pool_output_size(g.in_w, g.kernel_w, g.stride_w, g.pad_w, options.ceil_mode);
  return g;
}

Shape out_shape(const kernels::Pool2dGeometry& g) {
  return Shape{g.batch, g.channels, g.out_h, g.out_w};
}

}  // namespace

Tensor max_pool2d(const Tensor& x, const Pool2dOptions& options) {
  const kernels::Pool2dGeometry g = pool_geometry("max_pool2d", x, options);
  // The argmax is a flat index into one (n, c) plane, stored as int32.
  HG_CHECK(g.in_h * g.in_w <= std::numeric_limits<int32_t>::max(), "max_pool2d: an input plane of ",
           g.in_h, " x ", g.in_w, " is too large for int32 indices");
  const Device device = x.device();
  Tensor out = Tensor::empty(out_shape(g), DType::kFloat32, device);
  Tensor argmax = Tensor::empty(out_shape(g), DType::kInt32, device);
  backend_for(device).max_pool2d_forward(g, x.data<float>(), out.data<float>(),
                                         argmax.data<int32_t>());
  if (autograd::should_record({x})) {
    autograd::record("max_pool2d", {x}, out, [g, argmax, shape = x.shape()](const Tensor& dy) {
      Tensor dx = Tensor::empty(shape, DType::kFloat32, dy.device());
      backend_for(dy.device())
          .max_pool2d_backward(g, dy.data<float>(), argmax.data<int32_t>(), dx.data<float>());
      return std::vector<Tensor>{dx};
    });
  }
  return out;
}

Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& options) {
  const kernels::Pool2dGeometry g = pool_geometry("avg_pool2d", x, options);
  const bool include_pad = options.count_include_pad;
  const Device device = x.device();
  Tensor out = Tensor::empty(out_shape(g), DType::kFloat32, device);
  backend_for(device).avg_pool2d_forward(g, include_pad, x.data<float>(), out.data<float>());
  if (autograd::should_record({x})) {
    autograd::record("avg_pool2d", {x}, out, [g, include_pad, shape = x.shape()](const Tensor& dy) {
      Tensor dx = Tensor::empty(shape, DType::kFloat32, dy.device());
      backend_for(dy.device())
          .avg_pool2d_backward(g, include_pad, dy.data<float>(), dx.data<float>());
      return std::vector<Tensor>{dx};
    });
  }
  return out;
}

}  // namespace hg
