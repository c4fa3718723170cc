// Optimizers with PyTorch's update rules. Each step() is one multi-tensor operation over every
// parameter that has a gradient (one parallel loop on the CPU; on CUDA one update launch plus a
// one-block launch advancing the step counts), driven by a table in device memory
// (kernels/multi_tensor.h) that also holds the learning rate and the per-parameter step counts.
// The table is uploaded only when parameters, gradients, state or counts differ from what the
// device holds, so from the second step on a step launches the same work with the same arguments:
// it can be captured in a CUDA graph, replayed, and recorded with record_replayed_step().
// Hyper-parameters use the kernels' parameter structs (optimizer_params.h), checked by the
// constructors with PyTorch's rules; step counters are kept here.
//
// State mirrors torch.optim's state_dict: state()[i] holds parameter i's tensors under PyTorch's
// keys ("momentum_buffer"; "step", "exp_avg", "exp_avg_sq"; "step", "square_avg", "acc_delta";
// "step", "sum"), created on the first step that updates parameter i. "step" is, as in PyTorch,
// a float32 scalar tensor counting the updates of that parameter (a parameter skipped for lack
// of a gradient does not advance); it lives on the CPU, the others on the parameter's device.
// Saving and restoring every entry of state() (and steps_taken()) resumes a run exactly.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hourglass/core/tensor.h"
#include "hourglass/kernels/multi_tensor.h"
#include "hourglass/kernels/optimizer_params.h"

namespace hg::optim {

class Optimizer {
 public:
  // params must be distinct, defined float32 leaf tensors (they need not have gradients yet).
  explicit Optimizer(std::vector<Tensor> params);
  virtual ~Optimizer() = default;

  // Updates every parameter that has a gradient; parameters without one are skipped. All of them
  // must be on one device.
  void step() { run_step(true); }
  // For a step that the device ran by replaying a captured step(): advances what the host keeps
  // (steps_taken(), each parameter's "step" state, the mirror of the table's step counts) exactly
  // as step() would, launching and copying nothing. hg::Error if the parameters, gradients or
  // state differ from the ones the device table holds (the replay would have used stale ones).
  void record_replayed_step() { run_step(false); }
  virtual std::string name() const = 0;
  virtual float lr() const = 0;
  // lr >= 0, checked; also written to the device table (if there is one yet), so a replayed step
  // uses it.
  virtual void set_lr(float lr) = 0;

  void zero_grad();
  // Number of step() calls.
  int64_t steps_taken() const { return steps_; }
  const std::vector<Tensor>& params() const { return params_; }

  // Per-parameter state tensors ("exp_avg", "exp_avg_sq", "momentum_buffer", ...), keyed by
  // the parameter's index, for checkpoints; created lazily on the first step.
  const std::vector<std::map<std::string, Tensor>>& state() const { return state_; }
  std::vector<std::map<std::string, Tensor>>& mutable_state() { return state_; }
  void set_steps_taken(int64_t steps) { steps_ = steps; }

 protected:
  // The state tensor `key` of parameter i, zero-initialised (param's shape and device) on first
  // use.
  Tensor& state_tensor(size_t i, const std::string& key);
  bool has_state(size_t i, const std::string& key) const;
  // Advances parameter i's "step" counter and returns the new, 1-based value.
  int64_t advance_step(size_t i);
  // Parameter i's gradient, checked against the parameter; undefined when it has none.
  Tensor gradient(size_t i) const;
  // Writes lr into the device table, when one exists.
  void store_lr(float lr);

  // Table entry of parameter i with gradient g: pointers, size and the parameter's update count
  // before this step; advances the host-side count (its "step" state). first_chunk is set later.
  virtual kernels::MultiTensorEntry make_entry(size_t i, const Tensor& g) = 0;
  // The backend's multi-tensor step for this optimizer.
  virtual void launch(kernels::Backend& backend, const kernels::MultiTensorTable& table) = 0;

  std::vector<Tensor> params_;
  std::vector<std::map<std::string, Tensor>> state_;
  int64_t steps_ = 0;

 private:
  void run_step(bool launch_it);
  bool table_holds(const std::vector<kernels::MultiTensorEntry>& entries, Device device) const;
  void upload_table(const std::vector<kernels::MultiTensorEntry>& entries, Device device);

  Tensor table_;  // the table block on the parameters' device (float32 storage of its bytes)
  // What the table holds now: its entries (step counts as advanced by the last step) and rate.
  std::vector<kernels::MultiTensorEntry> table_entries_;
  float table_lr_ = 0.0f;
};

// SGD with optional momentum, dampening, Nesterov momentum and L2 weight decay.
// options.first_step is managed per parameter by step() (true while its momentum buffer does not
// exist).
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, kernels::SgdParams options);
  std::string name() const override { return "sgd"; }
  float lr() const override { return options_.lr; }
  void set_lr(float lr) override;
  const kernels::SgdParams& options() const { return options_; }

 protected:
  kernels::MultiTensorEntry make_entry(size_t i, const Tensor& g) override;
  void launch(kernels::Backend& backend, const kernels::MultiTensorTable& table) override;

 private:
  kernels::SgdParams options_;
  // Updates of each parameter (the momentum buffer is initialised from the gradient on the first).
  std::vector<int64_t> updates_;
};

// Adam, or AdamW when options.decoupled_weight_decay is set. options.step is managed by step().
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, kernels::AdamParams options);
  std::string name() const override { return options_.decoupled_weight_decay ? "adamw" : "adam"; }
  float lr() const override { return options_.lr; }
  void set_lr(float lr) override;
  const kernels::AdamParams& options() const { return options_; }

 protected:
  kernels::MultiTensorEntry make_entry(size_t i, const Tensor& g) override;
  void launch(kernels::Backend& backend, const kernels::MultiTensorTable& table) override;

 private:
  kernels::AdamParams options_;
};

class Adadelta : public Optimizer {
 public:
  Adadelta(std::vector<Tensor> params, kernels::AdadeltaParams options);
  std::string name() const override { return "adadelta"; }
  float lr() const override { return options_.lr; }
  void set_lr(float lr) override;
  const kernels::AdadeltaParams& options() const { return options_; }

 protected:
  kernels::MultiTensorEntry make_entry(size_t i, const Tensor& g) override;
  void launch(kernels::Backend& backend, const kernels::MultiTensorTable& table) override;

 private:
  kernels::AdadeltaParams options_;
};

// Adagrad (initial accumulator 0). options.step is managed by step().
class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, kernels::AdagradParams options);
  std::string name() const override { return "adagrad"; }
  float lr() const override { return options_.lr; }
  void set_lr(float lr) override;
  const kernels::AdagradParams& options() const { return options_; }

 protected:
  kernels::MultiTensorEntry make_entry(size_t i, const Tensor& g) override;
  void launch(kernels::Backend& backend, const kernels::MultiTensorTable& table) override;

 private:
  kernels::AdagradParams options_;
};

// Valid names for make_optimizer, in the order listed by its error message.
const std::vector<std::string>& optimizer_names();

// By name: sgd, adam, adamw, adadelta, adagrad, with PyTorch's defaults (sgd lr 0.01; adam and
// adamw lr 1e-3, adamw weight_decay 1e-2; adadelta lr 1.0, rho 0.9, eps 1e-6; adagrad lr 0.01,
// eps 1e-10); lr < 0 keeps the optimizer's default learning rate. hg::Error listing the valid
// names otherwise.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params,
                                          float lr = -1.0f);

}  // namespace hg::optim
