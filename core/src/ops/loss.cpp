// Loss functions: a per-element (or per-row) loss kernel, then a deterministic sum and an
// optional 1/n scale. Backward runs the matching derivative kernel once, reading the upstream
// gradient from device memory.
#include "hourglass/ops/loss.h"

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/kernels/backend.h"
#include "ops/op_checks.h"

namespace hg {

using kernels::PointwiseLoss;

namespace {

// The scalar sum (or mean) of `values`, computed without recording.
Tensor reduce_loss(const Tensor& values, Reduction reduction) {
  kernels::Backend& backend = backend_for(values.device());
  const int64_t n = values.numel();
  Tensor total = Tensor::empty(Shape{}, DType::kFloat32, values.device());
  backend.reduce_sum(values.data<float>(), total.data<float>(), 1, n, 1);
  if (reduction == Reduction::kSum) return total;
  Tensor out = Tensor::empty(Shape{}, DType::kFloat32, values.device());
  backend.unary(kernels::UnaryOp::kScale, 1.0f / static_cast<float>(n), total.data<float>(),
                out.data<float>(), 1);
  return out;
}

float reduction_scale(Reduction reduction, int64_t n) {
  return reduction == Reduction::kMean ? 1.0f / static_cast<float>(n) : 1.0f;
}

Tensor pointwise(const char* name, PointwiseLoss kind, const Tensor& x, const Tensor& t,
                 Reduction reduction) {
  ops_detail::check_float(name, "input", x);
  ops_detail::check_float(name, "target", t);
  const Device device = ops_detail::common_device(name, "input", x, "target", t);
  HG_CHECK(x.shape() == t.shape(), name, ": input ", x.shape(), " and target ", t.shape(),
           " must have the same shape");
  kernels::Backend& backend = backend_for(device);
  Tensor values = Tensor::empty(x.shape(), DType::kFloat32, device);
  backend.pointwise_loss(kind, x.data<float>(), t.data<float>(), values.data<float>(), x.numel());
  Tensor out = reduce_loss(values, reduction);
  if (autograd::should_record({x})) {
    const float scale = reduction_scale(reduction, x.numel());
    autograd::record(name, {x}, out, [kind, x, t, scale](const Tensor& g) {
      Tensor dx = Tensor::empty(x.shape(), DType::kFloat32, x.device());
      backend_for(x.device())
          .pointwise_loss_backward(kind, x.data<float>(), t.data<float>(), g.data<float>(), scale,
                                   dx.data<float>(), x.numel());
      return std::vector<Tensor>{dx};
    });
  }
  return out;
}

}  // namespace

Tensor mse_loss(const Tensor& x, const Tensor& target, Reduction reduction) {
  return pointwise("mse_loss", PointwiseLoss::kMse, x, target, reduction);
}

Tensor bce_with_logits(const Tensor& logits, const Tensor& target, Reduction reduction) {
  return pointwise("bce_with_logits", PointwiseLoss::kBceWithLogits, logits, target, reduction);
}

Tensor binary_cross_entropy(const Tensor& probs, const Tensor& target, Reduction reduction) {
  return pointwise("binary_cross_entropy", PointwiseLoss::kBce, probs, target, reduction);
}

Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& labels, Reduction reduction) {
  const char* name = "softmax_cross_entropy";
  ops_detail::check_float(name, "logits", logits);
  HG_CHECK(labels.defined(), name, ": input 'labels' is undefined");
  HG_CHECK(labels.dtype() == DType::kInt32, name, ": expected int32 labels, got ",
           dtype_name(labels.dtype()), " with shape ", labels.shape());
  HG_CHECK(logits.rank() == 2 && labels.rank() == 1 && labels.dim(0) == logits.dim(0), name,
           ": expected logits [N, C] and labels [N], got logits ", logits.shape(), " and labels ",
           labels.shape());
  const Device device = ops_detail::common_device(name, "logits", logits, "labels", labels);
  const int64_t rows = logits.dim(0), classes = logits.dim(1);
  // Validate on the host before any kernel reads a label as an index.
  const std::vector<int32_t> host_labels = labels.to_vector_i32();
  for (int64_t r = 0; r < rows; ++r) {
    HG_CHECK(host_labels[r] >= 0 && host_labels[r] < classes, name, ": label ", host_labels[r],
             " at row ", r, " is out of range [0, ", classes, ") for logits ", logits.shape());
  }
  kernels::Backend& backend = backend_for(device);
  Tensor values = Tensor::empty(Shape{rows}, DType::kFloat32, device);
  backend.softmax_cross_entropy(logits.data<float>(), labels.data<int32_t>(), values.data<float>(),
                                rows, classes);
  Tensor out = reduce_loss(values, reduction);
  if (autograd::should_record({logits})) {
    const float scale = reduction_scale(reduction, rows);
    autograd::record(name, {logits}, out, [logits, labels, scale](const Tensor& g) {
      Tensor dx = Tensor::empty(logits.shape(), DType::kFloat32, logits.device());
      backend_for(logits.device())
          .softmax_cross_entropy_backward(logits.data<float>(), labels.data<int32_t>(),
                                          g.data<float>(), scale, dx.data<float>(), logits.dim(0),
                                          logits.dim(1));
      return std::vector<Tensor>{dx};
    });
  }
  return out;
}

}  // namespace hg
