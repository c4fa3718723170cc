// Loss kernel micro-benchmarks: BCE-with-logits forward (x, t in; per-element loss out) and
// backward (x, t in; dx out, scaled by the device-resident upstream gradient), BCE on
// probabilities forward, MSE forward and backward, on 64 MiB arrays and (CPU) on 128 x 784
// elements, a dense autoencoder's output, which stays in cache.
#include "bench_util.h"

namespace {

using hg::bench::Buffers;
using hg::bench::Kernel;
using hg::kernels::Backend;
using hg::kernels::PointwiseLoss;

constexpr double kF = sizeof(float);
constexpr int64_t kDenseOutput = 128 * 784;

void register_all(bool with_gpu) {
  const hg::bench::KernelFactory bce_logits_forward = [](Backend& b, Buffers& buf, int64_t n) {
    const float* x = buf.uniform(n, -6.0f, 6.0f);
    const float* t = buf.uniform(n, 0.0f, 1.0f);
    float* loss = buf.raw(n);
    return Kernel{
        [&b, x, t, loss, n] { b.pointwise_loss(PointwiseLoss::kBceWithLogits, x, t, loss, n); },
        3 * kF * n};
  };
  const hg::bench::KernelFactory bce_logits_backward = [](Backend& b, Buffers& buf, int64_t n) {
    const float* x = buf.uniform(n, -6.0f, 6.0f);
    const float* t = buf.uniform(n, 0.0f, 1.0f);
    const float* dloss = buf.constant(1, 1.0f);
    float* dx = buf.raw(n);
    const float scale = 1.0f / static_cast<float>(n);
    return Kernel{[&b, x, t, dloss, scale, dx, n] {
                    b.pointwise_loss_backward(PointwiseLoss::kBceWithLogits, x, t, dloss, scale, dx,
                                              n);
                  },
                  3 * kF * n};
  };
  const hg::bench::KernelFactory bce_forward = [](Backend& b, Buffers& buf, int64_t n) {
    const float* p = buf.uniform(n, 0.001f, 0.999f);
    const float* t = buf.uniform(n, 0.0f, 1.0f);
    float* loss = buf.raw(n);
    return Kernel{[&b, p, t, loss, n] { b.pointwise_loss(PointwiseLoss::kBce, p, t, loss, n); },
                  3 * kF * n};
  };
  const hg::bench::KernelFactory mse_forward = [](Backend& b, Buffers& buf, int64_t n) {
    const float* x = buf.uniform(n, 0.0f, 1.0f);
    const float* t = buf.uniform(n, 0.0f, 1.0f);
    float* loss = buf.raw(n);
    return Kernel{[&b, x, t, loss, n] { b.pointwise_loss(PointwiseLoss::kMse, x, t, loss, n); },
                  3 * kF * n};
  };
  const hg::bench::KernelFactory mse_backward = [](Backend& b, Buffers& buf, int64_t n) {
    const float* x = buf.uniform(n, 0.0f, 1.0f);
    const float* t = buf.uniform(n, 0.0f, 1.0f);
    const float* dloss = buf.constant(1, 1.0f);
    float* dx = buf.raw(n);
    return Kernel{[&b, x, t, dloss, dx, n] {
                    b.pointwise_loss_backward(PointwiseLoss::kMse, x, t, dloss, 0.5f, dx, n);
                  },
                  3 * kF * n};
  };
  hg::bench::add("mse_forward", mse_forward, with_gpu);
  hg::bench::add("mse_backward", mse_backward, with_gpu);
  hg::bench::add_cpu_elements("mse_forward", mse_forward, {kDenseOutput});
  hg::bench::add_cpu_elements("mse_backward", mse_backward, {kDenseOutput});
  hg::bench::add("bce_with_logits_forward", bce_logits_forward, with_gpu);
  hg::bench::add("bce_with_logits_backward", bce_logits_backward, with_gpu);
  hg::bench::add("bce_forward", bce_forward, with_gpu);
  hg::bench::add_cpu_elements("bce_with_logits_forward", bce_logits_forward, {kDenseOutput});
  hg::bench::add_cpu_elements("bce_with_logits_backward", bce_logits_backward, {kDenseOutput});
  hg::bench::add_cpu_elements("bce_forward", bce_forward, {kDenseOutput});
}

}  // namespace

int main(int argc, char** argv) {
  return hg::bench::main(argc, argv, register_all);
}
