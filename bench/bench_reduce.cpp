// reduce_sum micro-benchmarks over the three shapes the partition distinguishes: one long row
// (split into parts, two passes), many rows of 4096 (a block per row), and a column sum over
// 4096 rows (a thread per output column). Each reads the input once.
#include "bench_util.h"

namespace {

using hg::bench::Buffers;
using hg::bench::Kernel;
using hg::kernels::Backend;

constexpr double kF = sizeof(float);
constexpr int64_t kRow = 4096;

void register_all(bool with_gpu) {
  hg::bench::add(
      "reduce_sum_all",
      [](Backend& b, Buffers& buf, int64_t n) {
        const float* x = buf.uniform(n, -1.0f, 1.0f);
        float* y = buf.raw(1);
        return Kernel{[&b, x, y, n] { b.reduce_sum(x, y, 1, n, 1); }, kF * n};
      },
      with_gpu);
  hg::bench::add(
      "reduce_sum_rows",
      [](Backend& b, Buffers& buf, int64_t n) {
        const int64_t rows = n / kRow;
        const float* x = buf.uniform(rows * kRow, -1.0f, 1.0f);
        float* y = buf.raw(rows);
        return Kernel{[&b, x, y, rows] { b.reduce_sum(x, y, rows, kRow, 1); },
                      kF * (rows * kRow + rows)};
      },
      with_gpu);
  hg::bench::add(
      "reduce_sum_columns",
      [](Backend& b, Buffers& buf, int64_t n) {
        const int64_t cols = n / kRow;
        const float* x = buf.uniform(cols * kRow, -1.0f, 1.0f);
        float* y = buf.raw(cols);
        return Kernel{[&b, x, y, cols] { b.reduce_sum(x, y, 1, kRow, cols); },
                      kF * (cols * kRow + cols)};
      },
      with_gpu);
}

}  // namespace

int main(int argc, char** argv) {
  return hg::bench::main(argc, argv, register_all);
}
