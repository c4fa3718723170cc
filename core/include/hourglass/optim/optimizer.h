// Optimizers with PyTorch's update rules. Each step() runs one fused kernel per parameter on the
// parameter's device. Hyper-parameters use the kernels' parameter structs (optimizer_params.h);
// step counters are kept here.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hourglass/core/tensor.h"
#include "hourglass/kernels/optimizer_params.h"

namespace hg::optim {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> params);
  virtual ~Optimizer() = default;

  // Updates every parameter that has a gradient; parameters without one are skipped.
  virtual void step() = 0;
  virtual std::string name() const = 0;
  virtual float lr() const = 0;
  virtual void set_lr(float lr) = 0;

  void zero_grad();
  int64_t steps_taken() const { return steps_; }
  const std::vector<Tensor>& params() const { return params_; }

  // Per-parameter state tensors ("exp_avg", "exp_avg_sq", "momentum_buffer", ...), keyed by
  // the parameter's index, for checkpoints; created lazily on the first step.
  const std::vector<std::map<std::string, Tensor>>& state() const { return state_; }
  std::vector<std::map<std::string, Tensor>>& mutable_state() { return state_; }
  void set_steps_taken(int64_t steps) { steps_ = steps; }

 protected:
  // The state tensor `key` of parameter i, zero-initialised on first use.
  Tensor& state_tensor(size_t i, const std::string& key);

  std::vector<Tensor> params_;
  std::vector<std::map<std::string, Tensor>> state_;
  int64_t steps_ = 0;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, kernels::SgdParams options);
  void step() override;
  std::string name() const override { return "sgd"; }
  float lr() const override { return options_.lr; }
  void set_lr(float lr) override { options_.lr = lr; }

 private:
  kernels::SgdParams options_;
};

// Adam, or AdamW when options.decoupled_weight_decay is set.
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, kernels::AdamParams options);
  void step() override;
  std::string name() const override {
    return options_.decoupled_weight_decay ? "adamw" : "adam";
  }
  float lr() const override { return options_.lr; }
  void set_lr(float lr) override { options_.lr = lr; }

 private:
  kernels::AdamParams options_;
};

class Adadelta : public Optimizer {
 public:
  Adadelta(std::vector<Tensor> params, kernels::AdadeltaParams options);
  void step() override;
  std::string name() const override { return "adadelta"; }
  float lr() const override { return options_.lr; }
  void set_lr(float lr) override { options_.lr = lr; }

 private:
  kernels::AdadeltaParams options_;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, kernels::AdagradParams options);
  void step() override;
  std::string name() const override { return "adagrad"; }
  float lr() const override { return options_.lr; }
  void set_lr(float lr) override { options_.lr = lr; }

 private:
  kernels::AdagradParams options_;
};

// By name: sgd, adam, adamw, adadelta, adagrad, with PyTorch's defaults; lr < 0 keeps the
// optimizer's default learning rate. hg::Error listing the valid names otherwise.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params,
                                          float lr = -1.0f);

}  // namespace hg::optim
