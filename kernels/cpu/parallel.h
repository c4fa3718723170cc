// The CPU kernels' one threshold for going parallel (below it, starting an OpenMP team costs
// more than the loop itself) and the blocked loop of the vectorized element-wise kernels.
#pragma once

#include <cstdint>

namespace hg::kernels::cpu {

// 2^18 elements (1 MiB of floats): measured on the 2-core CI machine with OMP_WAIT_POLICY=passive
// (threads sleep between regions, so each region costs a futex wake-up), one epoch of vae went
// from 25k to 30k samples/s and keras-conv from 9k to 10.5k against 2^15; 2^20 was no better.
constexpr int64_t kParallelThreshold = 1 << 18;

// Elements per block of a vectorized element-wise pass (vector_math.h): 4 KiB per float array,
// so a block's inputs and output stay in L1 between the passes over it.
constexpr int64_t kVectorBlock = 1024;

// fn(begin, end) for the blocks [b * kVectorBlock, min(n, (b + 1) * kVectorBlock)) of [0, n),
// spread over the OpenMP threads when n > kParallelThreshold: threads split the work on block
// boundaries only, so every element takes the same path whatever the thread count.
template <class Fn>
void parallel_blocks(int64_t n, Fn fn) {
  const int64_t blocks = (n + kVectorBlock - 1) / kVectorBlock;
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * kVectorBlock;
    fn(begin, n - begin < kVectorBlock ? n : begin + kVectorBlock);
  }
}

}  // namespace hg::kernels::cpu
