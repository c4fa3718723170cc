// SGD: one fused sgd_step per parameter. The momentum buffer exists only when momentum != 0 and
// is created (as the first gradient, inside the kernel) on a parameter's first update.
#include "hourglass/core/device.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/optim/optimizer.h"
#include "optim/check.h"

namespace hg::optim {

SGD::SGD(std::vector<Tensor> params, kernels::SgdParams options)
    : Optimizer(std::move(params)), options_(options) {
  detail::check_non_negative("sgd", "lr", options_.lr);
  detail::check_non_negative("sgd", "momentum", options_.momentum);
  detail::check_non_negative("sgd", "weight_decay", options_.weight_decay);
  HG_CHECK(!options_.nesterov || (options_.momentum > 0.0f && options_.dampening == 0.0f),
           "sgd: nesterov momentum needs momentum > 0 and dampening 0, got momentum ",
           options_.momentum, " and dampening ", options_.dampening);
}

void SGD::set_lr(float lr) {
  detail::check_non_negative("sgd", "lr", lr);
  options_.lr = lr;
}

void SGD::step() {
  ++steps_;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor g = gradient(i);
    if (!g.defined()) continue;
    Tensor& w = params_[i];
    kernels::SgdParams p = options_;
    float* buffer = nullptr;
    if (p.momentum != 0.0f) {
      p.first_step = !has_state(i, "momentum_buffer");
      buffer = state_tensor(i, "momentum_buffer").data<float>();
    }
    backend_for(w.device()).sgd_step(w.data<float>(), g.data<float>(), buffer, w.numel(), p);
  }
}

}  // namespace hg::optim
