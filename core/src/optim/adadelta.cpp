// Adadelta: table entries (w, g, square_avg, acc_delta) for the multi-tensor adadelta_multi_step.
#include "hourglass/kernels/backend.h"
#include "hourglass/optim/optimizer.h"
#include "optim/check.h"

namespace hg::optim {

Adadelta::Adadelta(std::vector<Tensor> params, kernels::AdadeltaParams options)
    : Optimizer(std::move(params)), options_(options) {
  detail::check_non_negative("adadelta", "lr", options_.lr);
  detail::check_in_range("adadelta", "rho", options_.rho, 0.0f, 1.0f, true);
  detail::check_non_negative("adadelta", "eps", options_.eps);
  detail::check_non_negative("adadelta", "weight_decay", options_.weight_decay);
}

void Adadelta::set_lr(float lr) {
  detail::check_non_negative("adadelta", "lr", lr);
  options_.lr = lr;
  store_lr(lr);
}

kernels::MultiTensorEntry Adadelta::make_entry(size_t i, const Tensor& g) {
  Tensor& w = params_[i];
  kernels::MultiTensorEntry e;
  e.w = w.data<float>();
  e.g = g.data<float>();
  e.state0 = state_tensor(i, "square_avg").data<float>();
  e.state1 = state_tensor(i, "acc_delta").data<float>();
  e.n = w.numel();
  // Kept for PyTorch's state_dict; the update itself does not use it.
  e.step = advance_step(i) - 1;
  return e;
}

void Adadelta::launch(kernels::Backend& backend, const kernels::MultiTensorTable& table) {
  backend.adadelta_multi_step(table, options_);
}

}  // namespace hg::optim
