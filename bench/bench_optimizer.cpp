// Optimizer step micro-benchmarks: the fused Adam step (w, g, m, v in; w, m, v out: 7 arrays'
// worth of traffic) and SGD with momentum (w, g, buf in; w, buf out: 5).
#include "bench_util.h"

namespace {

using hg::bench::Buffers;
using hg::bench::Kernel;
using hg::kernels::Backend;

constexpr double kF = sizeof(float);

void register_all(bool with_gpu) {
  hg::bench::add(
      "adam_step",
      [](Backend& b, Buffers& buf, int64_t n) {
        float* w = buf.uniform(n, -1.0f, 1.0f);
        const float* g = buf.uniform(n, -1.0f, 1.0f);
        float* m = buf.constant(n, 0.0f);
        float* v = buf.constant(n, 0.0f);
        hg::kernels::AdamParams p;
        p.weight_decay = 0.01f;
        p.decoupled_weight_decay = true;
        p.step = 10;
        return Kernel{[&b, w, g, m, v, n, p] { b.adam_step(w, g, m, v, n, p); }, 7 * kF * n};
      },
      with_gpu);
  hg::bench::add(
      "sgd_momentum_step",
      [](Backend& b, Buffers& buf, int64_t n) {
        float* w = buf.uniform(n, -1.0f, 1.0f);
        const float* g = buf.uniform(n, -1.0f, 1.0f);
        float* momentum = buf.constant(n, 0.0f);
        hg::kernels::SgdParams p;
        p.momentum = 0.9f;
        p.first_step = false;
        return Kernel{[&b, w, g, momentum, n, p] { b.sgd_step(w, g, momentum, n, p); }, 5 * kF * n};
      },
      with_gpu);
}

}  // namespace

int main(int argc, char** argv) {
  return hg::bench::main(argc, argv, register_all);
}
