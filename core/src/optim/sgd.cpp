// SGD: table entries (w, g, momentum_buffer) for the multi-tensor sgd_multi_step. The momentum
// buffer exists only when momentum != 0 and is initialised (as the first gradient, inside the
// kernel) on a parameter's first update, which the kernel knows from the entry's update count.
#include <algorithm>

#include "hourglass/kernels/backend.h"
#include "hourglass/optim/optimizer.h"
#include "optim/check.h"

namespace hg::optim {

SGD::SGD(std::vector<Tensor> params, kernels::SgdParams options)
    : Optimizer(std::move(params)), options_(options), updates_(params_.size(), 0) {
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
  store_lr(lr);
}

kernels::MultiTensorEntry SGD::make_entry(size_t i, const Tensor& g) {
  Tensor& w = params_[i];
  kernels::MultiTensorEntry e;
  e.w = w.data<float>();
  e.g = g.data<float>();
  e.n = w.numel();
  int64_t& updates = updates_.at(i);
  if (options_.momentum != 0.0f) {
    // A buffer restored from a checkpoint counts as initialised; a missing one as not.
    const bool initialised = has_state(i, "momentum_buffer");
    updates = initialised ? std::max<int64_t>(updates, 1) : 0;
    e.state0 = state_tensor(i, "momentum_buffer").data<float>();
  }
  e.step = updates++;
  return e;
}

void SGD::launch(kernels::Backend& backend, const kernels::MultiTensorTable& table) {
  backend.sgd_multi_step(table, options_);
}

}  // namespace hg::optim
