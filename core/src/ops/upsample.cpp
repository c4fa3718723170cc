// upsample2d (nn.Upsample with integer scale factors): nearest or bilinear (align_corners=False).
// The backward pass is the adjoint kernel, a deterministic gather.
#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/ops/conv.h"
#include "ops/op_checks.h"

namespace hg {

UpsampleMode parse_upsample_mode(const std::string& text) {
  if (text == "nearest") return UpsampleMode::kNearest;
  if (text == "bilinear") return UpsampleMode::kBilinear;
  HG_FAIL("upsample mode: expected 'nearest' or 'bilinear', got '", text, "'");
}

Tensor upsample2d(const Tensor& x, int64_t scale_h, int64_t scale_w, UpsampleMode mode) {
  ops_detail::check_float("upsample2d", "x", x);
  HG_CHECK(x.rank() == 4, "upsample2d: expected x [N, C, H, W] (rank 4), got shape ", x.shape());
  HG_CHECK(scale_h >= 1 && scale_w >= 1, "upsample2d: scale factors must be >= 1, got (", scale_h,
           ", ", scale_w, ")");
  HG_CHECK(mode == UpsampleMode::kNearest || mode == UpsampleMode::kBilinear,
           "upsample2d: unknown mode ", static_cast<int>(mode));
  kernels::Upsample2dGeometry g;
  g.batch = x.dim(0), g.channels = x.dim(1), g.in_h = x.dim(2), g.in_w = x.dim(3);
  g.scale_h = scale_h, g.scale_w = scale_w;
  const kernels::UpsampleMode kmode = mode == UpsampleMode::kNearest
                                          ? kernels::UpsampleMode::kNearest
                                          : kernels::UpsampleMode::kBilinear;
  const Device device = x.device();
  Tensor out =
      Tensor::empty(Shape{g.batch, g.channels, g.out_h(), g.out_w()}, DType::kFloat32, device);
  backend_for(device).upsample2d_forward(kmode, g, x.data<float>(), out.data<float>());
  if (autograd::should_record({x})) {
    autograd::record("upsample2d", {x}, out, [g, kmode, shape = x.shape()](const Tensor& dy) {
      Tensor dx = Tensor::empty(shape, DType::kFloat32, dy.device());
      backend_for(dy.device()).upsample2d_backward(kmode, g, dy.data<float>(), dx.data<float>());
      return std::vector<Tensor>{dx};
    });
  }
  return out;
}

}  // namespace hg
