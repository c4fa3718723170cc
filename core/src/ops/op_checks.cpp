// Input checks shared by the ops (see op_checks.h).
#include "ops/op_checks.h"

#include "hourglass/core/error.h"

namespace hg::ops_detail {

void check_float(const char* op, const char* what, const Tensor& t) {
  HG_CHECK(t.defined(), op, ": input '", what, "' is undefined");
  HG_CHECK(t.dtype() == DType::kFloat32, op, ": expected a float32 tensor for '", what, "', got ",
           dtype_name(t.dtype()), " with shape ", t.shape());
}

void check_rank(const char* op, const char* what, const Tensor& t, int rank) {
  HG_CHECK(t.defined(), op, ": input '", what, "' is undefined");
  HG_CHECK(t.rank() == rank, op, ": expected '", what, "' to have rank ", rank, ", got shape ",
           t.shape());
}

Device common_device(const char* op, const char* what_a, const Tensor& a, const char* what_b,
                     const Tensor& b) {
  HG_CHECK(a.device() == b.device(), op, ": inputs are on different devices: '", what_a, "' on ",
           a.device().str(), ", '", what_b, "' on ", b.device().str());
  return a.device();
}

}  // namespace hg::ops_detail
