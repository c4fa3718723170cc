// The CPU kernels' one threshold for going parallel: below it, starting an OpenMP team costs
// more than the loop itself.
#pragma once

#include <cstdint>

namespace hg::kernels::cpu {

constexpr int64_t kParallelThreshold = 32768;

}  // namespace hg::kernels::cpu
