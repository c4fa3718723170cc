// Adadelta: one fused adadelta_step per parameter.
#include "hourglass/core/device.h"
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
}

void Adadelta::step() {
  ++steps_;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor g = gradient(i);
    if (!g.defined()) continue;
    Tensor& w = params_[i];
    advance_step(i);  // kept for PyTorch's state_dict; the update itself does not use it
    float* square_avg = state_tensor(i, "square_avg").data<float>();
    float* acc_delta = state_tensor(i, "acc_delta").data<float>();
    backend_for(w.device())
        .adadelta_step(w.data<float>(), g.data<float>(), square_avg, acc_delta, w.numel(),
                       options_);
  }
}

}  // namespace hg::optim
