// Adam and AdamW: table entries (w, g, exp_avg, exp_avg_sq) for the multi-tensor adam_multi_step,
// with the parameter's own update count for the bias corrections.
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
  store_lr(lr);
}

kernels::MultiTensorEntry Adam::make_entry(size_t i, const Tensor& g) {
  Tensor& w = params_[i];
  kernels::MultiTensorEntry e;
  e.w = w.data<float>();
  e.g = g.data<float>();
  e.state0 = state_tensor(i, "exp_avg").data<float>();
  e.state1 = state_tensor(i, "exp_avg_sq").data<float>();
  e.n = w.numel();
  e.step = advance_step(i) - 1;
  return e;
}

void Adam::launch(kernels::Backend& backend, const kernels::MultiTensorTable& table) {
  backend.adam_multi_step(table, options_);
}

}  // namespace hg::optim
