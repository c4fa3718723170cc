// Elementwise kernel micro-benchmarks: ReLU forward and backward, same-shape add. Each moves
// every byte once, so the copy ratio is how close it gets to the memory roofline.
#include "bench_util.h"

namespace {

using hg::bench::Buffers;
using hg::bench::Kernel;
using hg::kernels::Backend;
using hg::kernels::UnaryOp;

constexpr double kF = sizeof(float);

void register_all(bool with_gpu) {
  hg::bench::add(
      "relu_forward",
      [](Backend& b, Buffers& buf, int64_t n) {
        const float* x = buf.uniform(n, -1.0f, 1.0f);
        float* y = buf.raw(n);
        return Kernel{[&b, x, y, n] { b.unary(UnaryOp::kRelu, 0.0f, x, y, n); }, 2 * kF * n};
      },
      with_gpu);
  hg::bench::add(
      "relu_backward",
      [](Backend& b, Buffers& buf, int64_t n) {
        const float* x = buf.uniform(n, -1.0f, 1.0f);
        const float* y = buf.uniform(n, 0.0f, 1.0f);
        const float* dy = buf.uniform(n, -1.0f, 1.0f);
        float* dx = buf.raw(n);
        // ReLU's derivative reads x only: x and dy in, dx out.
        return Kernel{
            [&b, x, y, dy, dx, n] { b.unary_backward(UnaryOp::kRelu, 0.0f, x, y, dy, dx, n); },
            3 * kF * n};
      },
      with_gpu);
  hg::bench::add(
      "add_same_shape",
      [](Backend& b, Buffers& buf, int64_t n) {
        const float* x = buf.uniform(n, -1.0f, 1.0f);
        const float* y = buf.uniform(n, -1.0f, 1.0f);
        float* z = buf.raw(n);
        hg::kernels::BroadcastIndex ix;
        ix.rank = 1;
        ix.numel = n;
        ix.out_shape[0] = n;
        ix.a_stride[0] = ix.b_stride[0] = 1;
        ix.same_shape = true;
        return Kernel{[&b, ix, x, y, z] { b.binary(hg::kernels::BinaryOp::kAdd, ix, x, y, z); },
                      3 * kF * n};
      },
      with_gpu);
}

}  // namespace

int main(int argc, char** argv) {
  return hg::bench::main(argc, argv, register_all);
}
