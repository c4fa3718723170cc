// Elementwise kernel micro-benchmarks: ReLU forward and backward, same-shape add, and the
// transcendental unary ops (exp, log, sigmoid, tanh, softplus forward, softplus backward). Each
// moves every byte once, so the copy ratio is how close it gets to the memory roofline; the
// transcendental ones are also run on 128 x 784 elements (a dense autoencoder's output, in
// cache), where the math rather than memory decides.
#include "bench_util.h"

namespace {

using hg::bench::Buffers;
using hg::bench::Kernel;
using hg::kernels::Backend;
using hg::kernels::UnaryOp;

constexpr double kF = sizeof(float);
constexpr int64_t kDenseOutput = 128 * 784;

struct UnaryCase {
  const char* name;
  UnaryOp op;
  float lo, hi;  // input range
};

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
  const UnaryCase unary_cases[] = {{"exp_forward", UnaryOp::kExp, -10.0f, 10.0f},
                                   {"log_forward", UnaryOp::kLog, 0.01f, 10.0f},
                                   {"sigmoid_forward", UnaryOp::kSigmoid, -8.0f, 8.0f},
                                   {"tanh_forward", UnaryOp::kTanh, -4.0f, 4.0f},
                                   {"softplus_forward", UnaryOp::kSoftplus, -8.0f, 8.0f}};
  for (const UnaryCase& c : unary_cases) {
    const hg::bench::KernelFactory make = [c](Backend& b, Buffers& buf, int64_t n) {
      const float* x = buf.uniform(n, c.lo, c.hi);
      float* y = buf.raw(n);
      return Kernel{[&b, c, x, y, n] { b.unary(c.op, 0.0f, x, y, n); }, 2 * kF * n};
    };
    hg::bench::add(c.name, make, with_gpu);
    hg::bench::add_cpu_elements(c.name, make, {kDenseOutput});
  }
  const hg::bench::KernelFactory softplus_backward = [](Backend& b, Buffers& buf, int64_t n) {
    const float* x = buf.uniform(n, -8.0f, 8.0f);
    const float* y = buf.uniform(n, 0.0f, 8.0f);
    const float* dy = buf.uniform(n, -1.0f, 1.0f);
    float* dx = buf.raw(n);
    // Softplus's derivative (the sigmoid) reads x only: x and dy in, dx out.
    return Kernel{
        [&b, x, y, dy, dx, n] { b.unary_backward(UnaryOp::kSoftplus, 0.0f, x, y, dy, dx, n); },
        3 * kF * n};
  };
  hg::bench::add("softplus_backward", softplus_backward, with_gpu);
  hg::bench::add_cpu_elements("softplus_backward", softplus_backward, {kDenseOutput});
}

}  // namespace

int main(int argc, char** argv) {
  return hg::bench::main(argc, argv, register_all);
}
