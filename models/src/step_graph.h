// GraphedSteps: runs the training steps of one epoch as a captured CUDA graph where it can. The
// first step runs eagerly (warm-up: optimizer state, cached blocks); the next is audited (run
// eagerly while the backend watches for what a graph cannot hold: a host read or copy, a new
// device allocation, random numbers); then one step is captured (batch copy from a pinned host
// buffer into a fixed device buffer, forward, backward, optimizer, loss sums), launched, and
// replayed for every later batch of the same shape. A batch of another shape (the last, smaller
// one) runs eagerly, and so does every step when the audit found something or the optimizer's
// step cannot be replayed; each case gives one line through `note`.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "hourglass/core/tensor.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/models/autoencoder.h"
#include "hourglass/optim/optimizer.h"

namespace hg::models::detail {

// The host-side bookkeeping of one replayed optimizer step (the launches ran in the graph). Every
// optimizer replays: its per-step values live in its device table (optimizer.h).
void account_replayed_step(optim::Optimizer& optimizer);

class GraphedSteps {
 public:
  using Body = std::function<Objective(const Tensor& input)>;
  GraphedSteps(Device device, optim::Optimizer& optimizer,
               std::function<void(const std::string&)> note);
  ~GraphedSteps();
  GraphedSteps(const GraphedSteps&) = delete;
  GraphedSteps& operator=(const GraphedSteps&) = delete;

  // One step on the host batch `inputs`: `body` runs the step on the device copy of it (eagerly,
  // or once under capture), `replayed` does the host-side bookkeeping when the graph ran instead.
  // Returns the step's objective (on a replay, the captured tensors, holding this step's values).
  Objective step(const Tensor& inputs, const Body& body, const std::function<void()>& replayed);
  int64_t replayed_steps() const { return replayed_; }

 private:
  enum class State { kWarmup, kAudit, kCapture, kReplay, kEager };
  Objective eager(const Tensor& inputs, const Body& body);
  void stage(const Tensor& inputs);  // host batch -> pinned buffer (after earlier copies finished)

  Device device_;
  kernels::Backend& backend_;
  optim::Optimizer& optimizer_;
  std::function<void(const std::string&)> note_;
  State state_ = State::kWarmup;
  int audits_ = 0;
  Tensor input_;  // the fixed device buffer the graph's batch copy writes
  void* pinned_ = nullptr;
  size_t pinned_bytes_ = 0;
  std::unique_ptr<kernels::StepGraph> graph_;
  Objective captured_;
  float captured_lr_ = 0;
  int64_t replayed_ = 0;
};

}  // namespace hg::models::detail
