// GraphedSteps (step_graph.h): warm-up, audit, capture and replay of an epoch's training steps.
#include "step_graph.h"

#include <cstring>

#include "hourglass/core/device.h"

namespace hg::models::detail {

void account_replayed_step(optim::Optimizer& optimizer) {
  // Every optimizer reads its per-step values (step counts, bias corrections, lr) from its device
  // table; the host mirrors advance here, checked against the table the graph wrote.
  optimizer.record_replayed_step();
}

namespace {

Objective detached(const Objective& o) {
  Objective out{o.total.detach(), {}};
  for (const LossTerm& term : o.terms)
    out.terms.push_back({term.name, term.value.detach()});
  return out;
}

}  // namespace

GraphedSteps::GraphedSteps(Device device, optim::Optimizer& optimizer,
                           std::function<void(const std::string&)> note)
    : device_(device),
      backend_(backend_for(device)),
      optimizer_(optimizer),
      note_(std::move(note)) {}

GraphedSteps::~GraphedSteps() {
  graph_.reset();  // before the tensors it reserved blocks of
  captured_ = Objective{};
  if (pinned_ != nullptr) {
    try {
      backend_.synchronize();  // a copy may still read the pinned buffer
      backend_.free_pinned(pinned_);
    } catch (...) {
      // a destructor must not throw; the pinned buffer is lost at worst
    }
  }
}

Objective GraphedSteps::eager(const Tensor& inputs, const Body& body) {
  return body(inputs.to(device_));
}

void GraphedSteps::stage(const Tensor& inputs) {
  const size_t bytes = inputs.nbytes();
  if (pinned_ == nullptr) {
    pinned_ = backend_.allocate_pinned(bytes);
    pinned_bytes_ = bytes;
    input_ = Tensor::empty(inputs.shape(), DType::kFloat32, device_);
  } else {
    backend_.synchronize();  // the previous step's copy has read the pinned buffer
  }
  std::memcpy(pinned_, inputs.raw_data(), bytes);
  backend_.copy_from_pinned(input_.raw_data(), pinned_, bytes);
}

Objective GraphedSteps::step(const Tensor& inputs, const Body& body,
                             const std::function<void()>& replayed) {
  if (state_ == State::kEager) return eager(inputs, body);
  if (input_.defined() && inputs.shape() != input_.shape()) {
    note_("cuda graph: a batch of shape " + inputs.shape().str() + " (the graph's is " +
          input_.shape().str() + "): eager step");
    return eager(inputs, body);
  }
  if (state_ == State::kReplay && optimizer_.lr() != captured_lr_) {
    note_("cuda graph: the learning rate changed; capturing the step again");
    graph_.reset();
    captured_ = Objective{};
    state_ = State::kAudit;
  }
  switch (state_) {
    case State::kWarmup: {
      stage(inputs);
      Objective o = body(input_);
      state_ = State::kAudit;
      return o;
    }
    case State::kAudit: {
      stage(inputs);
      backend_.begin_audit();
      Objective o;
      try {
        o = body(input_);
      } catch (...) {
        (void)backend_.end_audit();
        throw;
      }
      const std::string why = backend_.end_audit();
      ++audits_;
      // The caching allocator may still be filling up on the first steps: audit again.
      const bool allocation = why.rfind("a new device allocation", 0) == 0;
      if (why.empty()) {
        state_ = State::kCapture;
      } else if (!allocation || audits_ >= 3) {
        note_("cuda graph: the step has " + why + ", which a graph cannot hold; eager steps");
        state_ = State::kEager;
      }
      return o;
    }
    case State::kCapture: {
      stage(inputs);
      backend_.begin_capture();
      Objective o;
      try {
        o = body(input_);
      } catch (...) {
        try {
          (void)backend_.end_capture();
        } catch (...) {
          // the step's own error is the one to report
        }
        throw;
      }
      graph_ = backend_.end_capture();
      graph_->launch();  // runs the captured step itself
      captured_ = detached(o);
      captured_lr_ = optimizer_.lr();
      state_ = State::kReplay;
      return captured_;
    }
    case State::kReplay: {
      stage(inputs);
      graph_->launch();
      account_replayed_step(optimizer_);
      replayed();
      ++replayed_;
      return captured_;
    }
    case State::kEager:
      break;
  }
  return eager(inputs, body);
}

}  // namespace hg::models::detail
