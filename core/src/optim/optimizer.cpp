// The Optimizer base (parameter checks, lazily created state, per-parameter step counters, the
// device table of the multi-tensor step) and make_optimizer, the by-name factory with PyTorch's
// defaults.
#include "hourglass/optim/optimizer.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <set>
#include <sstream>

#include "hourglass/core/device.h"
#include "hourglass/core/error.h"
#include "hourglass/kernels/backend.h"

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

void Optimizer::run_step(bool launch_it) {
  std::vector<kernels::MultiTensorEntry> entries;
  Device device = Device::cpu();
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor g = gradient(i);
    if (!g.defined()) continue;
    if (entries.empty())
      device = params_[i].device();
    else
      HG_CHECK(params_[i].device() == device, "optimizer: parameter ", i, " is on ",
               params_[i].device().str(), " but an earlier one is on ", device.str(),
               "; one optimizer steps parameters of one device");
    entries.push_back(make_entry(i, g));
  }
  ++steps_;
  if (entries.empty()) return;
  int64_t chunks = 0, elements = 0;
  for (kernels::MultiTensorEntry& e : entries) {
    e.first_chunk = chunks;
    chunks += kernels::multi_tensor_chunks(e.n);
    elements += e.n;
  }
  if (launch_it) {
    if (!table_holds(entries, device)) upload_table(entries, device);
    if (table_lr_ != lr()) store_lr(lr());
    kernels::MultiTensorTable table;
    table.block = table_.data<float>();
    table.tensors = static_cast<int64_t>(entries.size());
    table.chunks = chunks;
    table.elements = elements;
    launch(backend_for(device), table);
  } else {
    HG_CHECK(table_holds(entries, device) && table_lr_ == lr(),
             "optimizer: record_replayed_step: the parameters, gradients, state or learning rate "
             "differ from those of the device table the replayed step used; run step() instead");
  }
  for (kernels::MultiTensorEntry& e : table_entries_)
    ++e.step;  // as the step did on the device
}

bool Optimizer::table_holds(const std::vector<kernels::MultiTensorEntry>& entries,
                            Device device) const {
  if (!table_.defined() || table_.device() != device || entries.size() != table_entries_.size())
    return false;
  for (size_t k = 0; k < entries.size(); ++k) {
    const kernels::MultiTensorEntry &a = entries[k], &b = table_entries_[k];
    if (a.w != b.w || a.g != b.g || a.state0 != b.state0 || a.state1 != b.state1 || a.n != b.n ||
        a.step != b.step)
      return false;
  }
  return true;
}

// When only the layout moved (new gradient blocks from the allocator, say) and the table's step
// counts are the ones the device holds, just the moved entries' layout fields are rewritten: such
// an upload can happen inside a captured step, and a replay of it must not reset the step counts
// the device has advanced since. Anything else (a new table, other tensors, counts set from a
// checkpoint) rewrites the whole table.
void Optimizer::upload_table(const std::vector<kernels::MultiTensorEntry>& entries, Device device) {
  const size_t bytes =
      sizeof(kernels::MultiTensorHeader) + entries.size() * sizeof(kernels::MultiTensorEntry);
  const int64_t floats = static_cast<int64_t>((bytes + sizeof(float) - 1) / sizeof(float));
  if (table_.defined() && table_.device() == device && entries.size() == table_entries_.size() &&
      table_lr_ == lr()) {
    bool same_steps = true;
    for (size_t k = 0; k < entries.size(); ++k)
      same_steps = same_steps && entries[k].step == table_entries_[k].step;
    if (same_steps) {
      constexpr size_t kLayout = offsetof(kernels::MultiTensorEntry, step);
      auto* first =
          reinterpret_cast<char*>(table_.data<float>()) + sizeof(kernels::MultiTensorHeader);
      for (size_t k = 0; k < entries.size(); ++k) {
        if (std::memcmp(&entries[k], &table_entries_[k], kLayout) != 0)
          backend_for(device).write_bytes(first + k * sizeof(kernels::MultiTensorEntry),
                                          &entries[k], kLayout);
      }
      table_entries_ = entries;
      return;
    }
  }
  if (!table_.defined() || table_.device() != device || table_.numel() < floats)
    table_ = Tensor::zeros(Shape{floats}, device);
  std::vector<char> host(bytes);
  kernels::MultiTensorHeader header;
  header.lr = lr();
  std::memcpy(host.data(), &header, sizeof(header));
  std::memcpy(host.data() + sizeof(header), entries.data(),
              entries.size() * sizeof(kernels::MultiTensorEntry));
  backend_for(device).write_bytes(table_.data<float>(), host.data(), bytes);
  table_entries_ = entries;
  table_lr_ = header.lr;
}

void Optimizer::store_lr(float lr) {
  if (!table_.defined()) return;
  kernels::MultiTensorHeader header;
  header.lr = lr;
  backend_for(table_.device()).write_bytes(table_.data<float>(), &header, sizeof(header));
  table_lr_ = lr;
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
