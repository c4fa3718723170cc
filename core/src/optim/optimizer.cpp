// The Optimizer base (parameter checks, lazily created state, per-parameter step counters) and
// make_optimizer, the by-name factory with PyTorch's defaults.
#include "hourglass/optim/optimizer.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "hourglass/core/error.h"

namespace hg::optim {

Optimizer::Optimizer(std::vector<Tensor> params) : params_(std::move(params)) {
  std::set<const TensorImpl*> seen;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    HG_CHECK(p.defined(), "optimizer: parameter ", i, " is an undefined tensor");
    HG_CHECK(p.dtype() == DType::kFloat32, "optimizer: parameter ", i, " must be float32, found ",
             dtype_name(p.dtype()));
    HG_CHECK(p.is_leaf(), "optimizer: parameter ", i,
             " is the result of an op, not a leaf tensor; optimize leaves only");
    HG_CHECK(seen.insert(p.impl()).second, "optimizer: parameter ", i,
             " appears more than once in the parameter list");
  }
  state_.resize(params_.size());
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_)
    p.zero_grad();
}

Tensor& Optimizer::state_tensor(size_t i, const std::string& key) {
  auto& entries = state_.at(i);
  auto found = entries.find(key);
  if (found == entries.end())
    found = entries.emplace(key, Tensor::zeros(params_[i].shape(), params_[i].device())).first;
  const Tensor& t = found->second;
  HG_CHECK(t.shape() == params_[i].shape() && t.dtype() == DType::kFloat32 &&
               t.device() == params_[i].device(),
           "optimizer: state '", key, "' ", t, " of parameter ", i,
           " does not match the parameter ", params_[i],
           " (create the optimizer after moving the model to its device)");
  return found->second;
}

bool Optimizer::has_state(size_t i, const std::string& key) const {
  return state_.at(i).count(key) != 0;
}

int64_t Optimizer::advance_step(size_t i) {
  auto& entries = state_.at(i);
  auto found = entries.find("step");
  if (found == entries.end()) found = entries.emplace("step", Tensor::scalar(0.0f)).first;
  Tensor& counter = found->second;
  HG_CHECK(counter.numel() == 1 && counter.dtype() == DType::kFloat32,
           "optimizer: state 'step' of parameter ", i,
           " must be a one-element float32 tensor, found ", counter);
  const int64_t step = static_cast<int64_t>(counter.item()) + 1;
  counter.fill_(static_cast<float>(step));
  return step;
}

Tensor Optimizer::gradient(size_t i) const {
  const Tensor& p = params_[i];
  Tensor g = p.grad();
  if (!g.defined()) return g;
  HG_CHECK(g.shape() == p.shape() && g.dtype() == DType::kFloat32 && g.device() == p.device(),
           "optimizer: gradient ", g, " of parameter ", i, " does not match the parameter ", p);
  return g;
}

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names{"sgd", "adam", "adamw", "adadelta", "adagrad"};
  return names;
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params,
                                          float lr) {
  const bool custom_lr = lr >= 0.0f;
  if (name == "sgd") {
    kernels::SgdParams o;
    o.lr = custom_lr ? lr : 0.01f;
    return std::make_unique<SGD>(std::move(params), o);
  }
  if (name == "adam" || name == "adamw") {
    kernels::AdamParams o;
    o.lr = custom_lr ? lr : 1e-3f;
    if (name == "adamw") {
      o.decoupled_weight_decay = true;
      o.weight_decay = 1e-2f;
    }
    return std::make_unique<Adam>(std::move(params), o);
  }
  if (name == "adadelta") {
    kernels::AdadeltaParams o;
    o.lr = custom_lr ? lr : 1.0f;
    o.rho = 0.9f;
    o.eps = 1e-6f;
    return std::make_unique<Adadelta>(std::move(params), o);
  }
  if (name == "adagrad") {
    kernels::AdagradParams o;
    o.lr = custom_lr ? lr : 0.01f;
    o.eps = 1e-10f;
    return std::make_unique<Adagrad>(std::move(params), o);
  }
  std::ostringstream valid;
  for (size_t i = 0; i < optimizer_names().size(); ++i)
    valid << (i ? ", " : "") << optimizer_names()[i];
  HG_FAIL("unknown optimizer '", name, "': expected one of ", valid.str());
}

}  // namespace hg::optim
