// Shape ops: reshape and flatten (views of the same storage) and broadcast_to (a copy that
// repeats elements, the adjoint of sum_to).
#include "hourglass/ops/shape_ops.h"

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/ops/reduce.h"
#include "ops/broadcast.h"
#include "ops/op_checks.h"

namespace hg {

Tensor reshape(const Tensor& x, const std::vector<int64_t>& dims) {
  HG_CHECK(x.defined(), "reshape: input 'x' is undefined");
  return x.reshape(dims);
}

Tensor flatten(const Tensor& x, int start_dim, int end_dim) {
  HG_CHECK(x.defined(), "flatten: input 'x' is undefined");
  const int rank = x.rank();
  if (rank == 0) return x.reshape({1});
  const int start = start_dim < 0 ? start_dim + rank : start_dim;
  const int end = end_dim < 0 ? end_dim + rank : end_dim;
  HG_CHECK(start >= 0 && start < rank && end >= 0 && end < rank && start <= end,
           "flatten: dimensions [", start_dim, ", ", end_dim, "] are not a valid range for shape ",
           x.shape());
  const std::vector<int64_t> dims = x.shape().dims();
  std::vector<int64_t> out(dims.begin(), dims.begin() + start);
  int64_t merged = 1;
  for (int d = start; d <= end; ++d)
    merged *= dims[d];
  out.push_back(merged);
  out.insert(out.end(), dims.begin() + end + 1, dims.end());
  return x.reshape(out);
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  ops_detail::check_float("broadcast_to", "x", x);
  HG_CHECK(ops_detail::broadcasts_to(x.shape(), shape), "broadcast_to: cannot broadcast ",
           x.shape(), " to ", shape);
  if (x.shape() == shape) return x;
  // out = x + 0 through the broadcasting binary kernel: the zero is a single element that
  // broadcasts everywhere, so this is a strided copy.
  Tensor zero = Tensor::zeros(Shape{}, x.device());
  Tensor out = Tensor::empty(shape, DType::kFloat32, x.device());
  backend_for(x.device())
      .binary(kernels::BinaryOp::kAdd, ops_detail::broadcast_index(x.shape(), Shape{}, shape),
              x.data<float>(), zero.data<float>(), out.data<float>());
  if (autograd::should_record({x})) {
    const Shape from = x.shape();
    autograd::record("broadcast_to", {x}, out,
                     [from](const Tensor& g) { return std::vector<Tensor>{sum_to(g, from)}; });
  }
  return out;
}

}  // namespace hg
