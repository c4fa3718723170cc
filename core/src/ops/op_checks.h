// Input checks shared by the ops: every message names the op and the offending input, so a user
// reading "add: ..." knows which call failed.
#pragma once

#include "hourglass/core/tensor.h"

namespace hg::ops_detail {

// Throws unless `t` is defined and float32. `what` names the input ("a", "logits", ...).
void check_float(const char* op, const char* what, const Tensor& t);
// Throws unless `t` is defined and has the given rank.
void check_rank(const char* op, const char* what, const Tensor& t, int rank);
// Throws unless both tensors live on one device; returns it.
Device common_device(const char* op, const char* what_a, const Tensor& a, const char* what_b,
                     const Tensor& b);

}  // namespace hg::ops_detail
