// Adagrad: table entries (w, g, sum) for the multi-tensor adagrad_multi_step, with the
// parameter's own update count for the learning-rate decay.
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
  store_lr(lr);
}

kernels::MultiTensorEntry Adagrad::make_entry(size_t i, const Tensor& g) {
  Tensor& w = params_[i];
  kernels::MultiTensorEntry e;
  e.w = w.data<float>();
  e.g = g.data<float>();
  e.state0 = state_tensor(i, "sum").data<float>();
  e.n = w.numel();
  e.step = advance_step(i) - 1;
  return e;
}

void Adagrad::launch(kernels::Backend& backend, const kernels::MultiTensorTable& table) {
  backend.adagrad_multi_step(table, options_);
}

}  // namespace hg::optim
