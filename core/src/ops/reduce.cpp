// Reductions: sum/mean over everything or one axis, and sum_to (the adjoint of broadcasting).
// All run on the backend's deterministic reduce_sum kernel.
#include "hourglass/ops/reduce.h"

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/ops/elementwise.h"
#include "hourglass/ops/shape_ops.h"
#include "ops/broadcast.h"
#include "ops/op_checks.h"

namespace hg {

namespace {

int checked_axis(const char* op, const Tensor& x, int axis) {
  const int rank = x.rank();
  HG_CHECK(axis >= -rank && axis < rank, op, ": axis ", axis, " is out of range for shape ",
           x.shape());
  return axis < 0 ? axis + rank : axis;
}

int64_t product(const std::vector<int64_t>& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t d = begin; d < end; ++d)
    p *= dims[d];
  return p;
}

}  // namespace

Tensor sum(const Tensor& x) {
  ops_detail::check_float("sum", "x", x);
  Tensor out = Tensor::empty(Shape{}, DType::kFloat32, x.device());
  backend_for(x.device()).reduce_sum(x.data<float>(), out.data<float>(), 1, x.numel(), 1);
  if (autograd::should_record({x})) {
    const Shape shape = x.shape();
    autograd::record("sum", {x}, out, [shape](const Tensor& g) {
      return std::vector<Tensor>{broadcast_to(g, shape)};
    });
  }
  return out;
}

Tensor mean(const Tensor& x) {
  ops_detail::check_float("mean", "x", x);
  return mul(sum(x), 1.0f / static_cast<float>(x.numel()));
}

Tensor sum(const Tensor& x, int axis, bool keepdim) {
  ops_detail::check_float("sum", "x", x);
  const int a = checked_axis("sum", x, axis);
  const std::vector<int64_t> dims = x.shape().dims();
  std::vector<int64_t> kept = dims;
  kept[a] = 1;
  std::vector<int64_t> out_dims = dims;
  if (keepdim)
    out_dims[a] = 1;
  else
    out_dims.erase(out_dims.begin() + a);
  Tensor out = Tensor::empty(Shape(out_dims), DType::kFloat32, x.device());
  backend_for(x.device())
      .reduce_sum(x.data<float>(), out.data<float>(), product(dims, 0, a), dims[a],
                  product(dims, a + 1, dims.size()));
  if (autograd::should_record({x})) {
    const Shape shape = x.shape();
    autograd::record("sum_axis", {x}, out, [shape, kept](const Tensor& g) {
      return std::vector<Tensor>{broadcast_to(g.reshape(kept), shape)};
    });
  }
  return out;
}

Tensor mean(const Tensor& x, int axis, bool keepdim) {
  ops_detail::check_float("mean", "x", x);
  const int a = checked_axis("mean", x, axis);
  return mul(sum(x, a, keepdim), 1.0f / static_cast<float>(x.dim(a)));
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  ops_detail::check_float("sum_to", "x", x);
  HG_CHECK(ops_detail::broadcasts_to(shape, x.shape()), "sum_to: cannot sum ", x.shape(),
           " down to ", shape, " (", shape, " does not broadcast to ", x.shape(), ")");
  if (x.shape() == shape) return x;
  // Align the target to x's rank, then reduce each run of consecutive summed dimensions with
  // one kernel call: [N, D] -> [D] and [N, C, H, W] -> [C, 1, 1] take one or two passes.
  std::vector<int64_t> cur = x.shape().dims();
  const int rank = x.rank();
  const int offset = rank - shape.rank();
  auto summed = [&](int d) { return (d < offset || shape[d - offset] == 1) && cur[d] != 1; };
  Tensor result = x.detach();
  bool reduced = false;
  for (int d = 0; d < rank;) {
    if (!summed(d)) {
      ++d;
      continue;
    }
    int end = d;
    while (end < rank && summed(end))
      ++end;
    const int64_t outer = product(cur, 0, d), axis = product(cur, d, end),
                  inner = product(cur, end, cur.size());
    Tensor next = Tensor::empty(Shape{outer * inner}, DType::kFloat32, x.device());
    backend_for(x.device())
        .reduce_sum(result.data<float>(), next.data<float>(), outer, axis, inner);
    for (int k = d; k < end; ++k)
      cur[k] = 1;
    result = next;
    reduced = true;
    d = end;
  }
  // Only dimensions of size 1 were dropped or added: a reshape says it all.
  if (!reduced) return x.reshape(shape.dims());
  result = result.reshape(shape.dims());
  if (autograd::should_record({x})) {
    const Shape from = x.shape();
    autograd::record("sum_to", {x}, result, [from](const Tensor& g) {
      return std::vector<Tensor>{broadcast_to(g, from)};
    });
  }
  return result;
}

}  // namespace hg
