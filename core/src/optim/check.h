// Hyper-parameter checks shared by the optimizers, with torch.optim's rules and messages that
// name the optimizer, the parameter, the valid range and the value found.
#pragma once

#include "hourglass/core/error.h"

namespace hg::optim::detail {

inline void check_non_negative(const char* optimizer, const char* what, float value) {
  HG_CHECK(value >= 0.0f, optimizer, ": ", what, " must be >= 0, got ", value);
}

inline void check_in_range(const char* optimizer, const char* what, float value, float lo, float hi,
                           bool hi_inclusive) {
  const bool ok = value >= lo && (hi_inclusive ? value <= hi : value < hi);
  HG_CHECK(ok, optimizer, ": ", what, " must lie in [", lo, ", ", hi, hi_inclusive ? "]" : ")",
           ", got ", value);
}

}  // namespace hg::optim::detail
