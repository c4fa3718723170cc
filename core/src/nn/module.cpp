// Module: parameter and child registration, PyTorch-style dotted names, in-place device moves,
// train/eval mode and gradient reset over the whole tree.
#include "hourglass/nn/module.h"

#include <unordered_set>

#include "hourglass/core/error.h"

namespace hg::nn {

void Module::check_new_name(const std::string& name) const {
  HG_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name(),
           ": a parameter or child name must be non-empty and contain no '.', got '", name, "'");
  for (const auto& p : parameters_)
    HG_CHECK(p.first != name, type_name(), ": the name '", name, "' is already a parameter");
  for (const auto& c : children_)
    HG_CHECK(c.first != name, type_name(), ": the name '", name, "' is already a child module");
}

void Module::check_child(const Module* child) const {
  HG_CHECK(child != nullptr, type_name(), ": cannot register a null child module");
  HG_CHECK(child != this, type_name(), ": a module cannot be its own child");
}

Tensor& Module::register_parameter(const std::string& name, Tensor value) {
  check_new_name(name);
  HG_CHECK(value.defined(), type_name(), ": parameter '", name, "' is an undefined tensor");
  value.set_requires_grad(true);  // checks it is a float32 leaf
  parameters_.emplace_back(name, std::move(value));
  return parameters_.back().second;
}

void Module::collect(const std::string& prefix,
                     std::vector<std::pair<std::string, Tensor>>* out) const {
  for (const auto& p : parameters_)
    out->emplace_back(prefix + p.first, p.second);
  for (const auto& c : children_)
    c.second->collect(prefix + c.first + ".", out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> all;
  collect("", &all);
  // A parameter shared by several modules (tied weights) is listed once, under its first name,
  // as torch.nn.Module.named_parameters does.
  std::unordered_set<const TensorImpl*> seen;
  std::vector<std::pair<std::string, Tensor>> unique;
  for (auto& entry : all)
    if (seen.insert(entry.second.impl()).second) unique.push_back(std::move(entry));
  return unique;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& entry : named_parameters())
    out.push_back(std::move(entry.second));
  return out;
}

void Module::to(Device device) {
  for (const auto& entry : named_parameters()) {
    const Tensor& param = entry.second;
    if (param.device() == device) continue;
    TensorImpl* impl = param.impl();
    impl->grad.reset();  // a gradient on the old device would not match the moved parameter
    // Copy into fresh storage on the target device, then swap that storage into the existing
    // TensorImpl, so every handle sharing the impl follows the move.
    Tensor moved = Tensor::empty(param.shape(), param.dtype(), device);
    moved.copy_(param);
    impl->storage = moved.impl()->storage;
    impl->byte_offset = 0;
  }
}

void Module::train(bool on) {
  training_ = on;
  for (const auto& c : children_)
    c.second->train(on);
}

void Module::zero_grad() {
  for (auto& p : parameters_)
    p.second.zero_grad();
  for (const auto& c : children_)
    c.second->zero_grad();
}

}  // namespace hg::nn
