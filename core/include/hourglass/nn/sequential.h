// Sequential: children applied in order, named "0", "1", ... as in torch.nn.Sequential (an empty
// one returns its input).
#pragma once

#include "hourglass/nn/module.h"

namespace hg::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(const std::vector<std::shared_ptr<Module>>& modules) {
    for (const auto& m : modules)
      add(m);
  }

  // Appends a module (non-null); returns it so callers can keep a typed handle.
  template <class M>
  std::shared_ptr<M> add(std::shared_ptr<M> module) {
    register_module(std::to_string(layers_.size()), module);
    layers_.push_back(module);
    return module;
  }

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sequential"; }
  size_t size() const { return layers_.size(); }
  const std::shared_ptr<Module>& operator[](size_t i) const { return layers_.at(i); }

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace hg::nn
