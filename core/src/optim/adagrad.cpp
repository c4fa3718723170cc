// Adagrad: one fused adagrad_step per parameter, with the parameter's own 1-based step count for
// the learning-rate decay.
#include "hourglass/core/device.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/optim/optimizer.h"
#include "optim/check.h"

namespace hg::optim {

Adagrad::Adagrad(std::vector<Tensor> params, kernels::AdagradParams options)
    : Optimizer(std::move(params)), options_(options) {
  detail::check_non_negative("adagrad", "lr", options_.lr);
  detail::check_non_negative("adagrad", "lr_decay", options_.lr_decay);
  detail::check_non_negative("adagrad", "eps", options_.eps);
  detail::check_non_negative("adagrad", "weight_decay", options_.weight_decay);
}

void Adagrad::set_lr(float lr) {
  detail::check_non_negative("adagrad", "lr", lr);
  options_.lr = lr;
}

void Adagrad::step() {
  ++steps_;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor g = gradient(i);
    if (!g.defined()) continue;
    Tensor& w = params_[i];
    kernels::AdagradParams p = options_;
    p.step = advance_step(i);
    float* sum = state_tensor(i, "sum").data<float>();
    backend_for(w.device()).adagrad_step(w.data<float>(), g.data<float>(), sum, w.numel(), p);
  }
}

}  // namespace hg::optim
