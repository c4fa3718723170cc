// Module: a piece of a network that owns parameters and child modules. Parameters are named like
// PyTorch's state_dict ("encoder.0.weight") so checkpoints map onto the equivalent torch.nn
// model one to one.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hourglass/core/tensor.h"

namespace hg::nn {

class Module {
 public:
  virtual ~Module() = default;

  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
  // PyTorch's class name for this module ("Linear", "ReLU", "Sequential").
  virtual std::string type_name() const = 0;
  // The keyword arguments that rebuild this module in torch.nn, as a JSON object
  // ({"in_features": 784, "out_features": 64, "bias": true}); "{}" for modules that take none.
  // model.json (models/checkpoint.h) is made of these.
  virtual std::string torch_arguments() const { return "{}"; }

  // Every parameter of this module and its children, depth first in registration order.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<Tensor> parameters() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
    return children_;
  }

  // Moves every parameter to `device` in place: each parameter's TensorImpl gets a copy of its
  // data on `device`, so existing Tensor handles (held by a subclass member, say) see the new
  // storage. Gradients of moved parameters are dropped; parameters already there are left
  // untouched. Create optimizers after moving: their state stays where it was made.
  void to(Device device);
  // Training mode (the default) vs evaluation mode, for modules that behave differently.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();

 protected:
  // Registers a parameter (marked requires_grad) under `name`, which must be non-empty, contain
  // no '.', and be unused among this module's parameters and children. The returned reference
  // stays valid for the module's lifetime.
  Tensor& register_parameter(const std::string& name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    check_new_name(name);
    check_child(module.get());
    children_.emplace_back(name, module);
    return module;
  }

 private:
  void collect(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>* out) const;
  void check_new_name(const std::string& name) const;
  void check_child(const Module* child) const;

  std::deque<std::pair<std::string, Tensor>> parameters_;  // a deque: references stay valid
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace hg::nn
