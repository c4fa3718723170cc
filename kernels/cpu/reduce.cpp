// CPU reduce_sum. Deterministic: every output is summed in double in a fixed order that does
// not depend on the number of threads. Long rows are cut into fixed-size blocks whose partial
// sums are added in block order, so a row's result is the same whether its blocks ran on one
// thread or many.
#include <algorithm>
#include <vector>

#include "cpu_backend.h"
#include "parallel.h"

namespace hg::kernels::cpu {

namespace {

constexpr int64_t kBlock = 8192;     // elements per partial sum of a contiguous row
constexpr int64_t kInnerTile = 256;  // output columns accumulated together when inner > 1

double sum_block(const float* x, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i)
    s += x[i];
  return s;
}

// Sum of one contiguous row: partial sums over fixed blocks, added in block order.
double sum_row(const float* x, int64_t n, bool parallel_blocks) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  if (blocks <= 1) return sum_block(x, n);
  std::vector<double> partial(static_cast<size_t>(blocks));
#pragma omp parallel for if (parallel_blocks && n > kParallelThreshold)
  for (int64_t b = 0; b < blocks; ++b)
    partial[b] = sum_block(x + b * kBlock, std::min(kBlock, n - b * kBlock));
  double s = 0.0;
  for (double p : partial)
    s += p;
  return s;
}

}  // namespace

void CpuBackend::reduce_sum(const float* x, float* y, int64_t outer, int64_t axis, int64_t inner) {
  const int64_t total = outer * axis * inner;
  if (outer == 0 || inner == 0) return;
  if (inner == 1) {
    // Rows are contiguous. Many rows: one row per iteration; few long rows: split each row.
    const bool many_rows = outer >= 16;
#pragma omp parallel for if (many_rows && total > kParallelThreshold)
    for (int64_t o = 0; o < outer; ++o)
      y[o] = static_cast<float>(sum_row(x + o * axis, axis, !many_rows));
    return;
  }
  // Strided: each task owns a tile of output columns of one outer slice and walks the axis in
  // order, so every output sees the same summation order.
  const int64_t tiles = (inner + kInnerTile - 1) / kInnerTile;
#pragma omp parallel for if (total > kParallelThreshold)
  for (int64_t task = 0; task < outer * tiles; ++task) {
    const int64_t o = task / tiles;
    const int64_t i0 = (task % tiles) * kInnerTile;
    const int64_t width = std::min(kInnerTile, inner - i0);
    double acc[kInnerTile] = {};
    const float* base = x + o * axis * inner + i0;
    for (int64_t a = 0; a < axis; ++a) {
      const float* row = base + a * inner;
      for (int64_t i = 0; i < width; ++i)
        acc[i] += row[i];
    }
    float* out = y + o * inner + i0;
    for (int64_t i = 0; i < width; ++i)
      out[i] = static_cast<float>(acc[i]);
  }
}

}  // namespace hg::kernels::cpu
