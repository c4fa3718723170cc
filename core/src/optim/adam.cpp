// Adam and AdamW: one fused adam_step per parameter, with the parameter's own 1-based step count
// for the bias corrections.
#include "hourglass/core/device.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/optim/optimizer.h"
#include "optim/check.h"

namespace hg::optim {

Adam::Adam(std::vector<Tensor> params, kernels::AdamParams options)
    : Optimizer(std::move(params)), options_(options) {
  const char* who = options_.decoupled_weight_decay ? "adamw" : "adam";
  detail::check_non_negative(who, "lr", options_.lr);
  detail::check_non_negative(who, "eps", options_.eps);
  detail::check_in_range(who, "beta1", options_.beta1, 0.0f, 1.0f, false);
  detail::check_in_range(who, "beta2", options_.beta2, 0.0f, 1.0f, false);
  detail::check_non_negative(who, "weight_decay", options_.weight_decay);
}

void Adam::set_lr(float lr) {
  detail::check_non_negative(name().c_str(), "lr", lr);
  options_.lr = lr;
}

void Adam::step() {
  ++steps_;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor g = gradient(i);
    if (!g.defined()) continue;
    Tensor& w = params_[i];
    kernels::AdamParams p = options_;
    p.step = advance_step(i);
    float* m = state_tensor(i, "exp_avg").data<float>();
    float* v = state_tensor(i, "exp_avg_sq").data<float>();
    backend_for(w.device()).adam_step(w.data<float>(), g.data<float>(), m, v, w.numel(), p);
  }
}

}  // namespace hg::optim
