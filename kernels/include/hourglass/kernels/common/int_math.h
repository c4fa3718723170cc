// Integer helpers the CPU and CUDA kernels share for sizing grids, tiles and chunks.
#pragma once

#include <cstdint>

#include "hourglass/kernels/common/host_device.h"

namespace hg::kernels {

// ceil(a / b) for a >= 0 and b > 0.
HG_HOST_DEVICE constexpr int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace hg::kernels
