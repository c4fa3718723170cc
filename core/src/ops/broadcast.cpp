// NumPy broadcasting rules (see broadcast.h).
#include "ops/broadcast.h"

#include <algorithm>

#include "hourglass/core/error.h"

namespace hg::ops_detail {

namespace {
// Dimension d of `s` counted from the right after aligning to `rank` (1 where s is shorter).
int64_t aligned_dim(const Shape& s, int rank, int d) {
  const int offset = rank - s.rank();
  return d < offset ? 1 : s[d - offset];
}
}  // namespace

Shape broadcast_shape(const char* op, const Shape& a, const Shape& b) {
  const int rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) {
    const int64_t da = aligned_dim(a, rank, d), db = aligned_dim(b, rank, d);
    HG_CHECK(da == db || da == 1 || db == 1, op, ": cannot broadcast ", a, " with ", b);
    dims[d] = da == 1 ? db : da;
  }
  return Shape(dims);
}

bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.rank() > to.rank()) return false;
  for (int d = 0; d < to.rank(); ++d) {
    const int64_t f = aligned_dim(from, to.rank(), d);
    if (f != 1 && f != to[d]) return false;
  }
  return true;
}

kernels::BroadcastIndex broadcast_index(const Shape& a, const Shape& b, const Shape& out) {
  kernels::BroadcastIndex ix;
  ix.rank = out.rank();
  ix.numel = out.numel();
  ix.same_shape = a == out && b == out;
  int64_t stride_a = 1, stride_b = 1;
  for (int d = out.rank() - 1; d >= 0; --d) {
    ix.out_shape[d] = out[d];
    const int64_t da = aligned_dim(a, out.rank(), d), db = aligned_dim(b, out.rank(), d);
    ix.a_stride[d] = da == 1 ? 0 : stride_a;
    ix.b_stride[d] = db == 1 ? 0 : stride_b;
    stride_a *= da;
    stride_b *= db;
  }
  return ix;
}

}  // namespace hg::ops_detail
