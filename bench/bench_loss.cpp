// Loss kernel micro-benchmarks: BCE-with-logits forward (x, t in; per-element loss out) and
// backward (x, t in; dx out, scaled by the device-resident upstream gradient).
#include "bench_util.h"

namespace {

using hg::bench::Buffers;
using hg::bench::Kernel;
using hg::kernels::Backend;
using hg::kernels::PointwiseLoss;

constexpr double kF = sizeof(float);

void register_all(bool with_gpu) {
  hg::bench::add(
      "bce_with_logits_forward",
      [](Backend& b, Buffers& buf, int64_t n) {
        const float* x = buf.uniform(n, -6.0f, 6.0f);
        const float* t = buf.uniform(n, 0.0f, 1.0f);
        float* loss = buf.raw(n);
        return Kernel{
            [&b, x, t, loss, n] { b.pointwise_loss(PointwiseLoss::kBceWithLogits, x, t, loss, n); },
            3 * kF * n};
      },
      with_gpu);
  hg::bench::add(
      "bce_with_logits_backward",
      [](Backend& b, Buffers& buf, int64_t n) {
        const float* x = buf.uniform(n, -6.0f, 6.0f);
        const float* t = buf.uniform(n, 0.0f, 1.0f);
        const float* dloss = buf.constant(1, 1.0f);
        float* dx = buf.raw(n);
        const float scale = 1.0f / static_cast<float>(n);
        return Kernel{[&b, x, t, dloss, scale, dx, n] {
                        b.pointwise_loss_backward(PointwiseLoss::kBceWithLogits, x, t, dloss, scale,
                                                  dx, n);
                      },
                      3 * kF * n};
      },
      with_gpu);
}

}  // namespace

int main(int argc, char** argv) {
  return hg::bench::main(argc, argv, register_all);
}
