// The tape: a per-thread list of nodes, walked backwards by backward().
#include "hourglass/core/autograd.h"

#include <string>
#include <unordered_map>

#include "hourglass/core/error.h"
#include "hourglass/kernels/backend.h"

namespace hg {

namespace {

struct Node {
  const char* name;
  std::vector<Tensor> inputs;
  Tensor output;
  autograd::BackwardFn backward;
};

struct Tape {
  std::vector<Node> nodes;
  // Starts at 1: generation 0 marks leaves. Bumped when the tape is consumed or cleared, so
  // tensors recorded before then can be recognised as belonging to a dead tape.
  uint64_t generation = 1;
  bool recording = true;
};

Tape& tape() {
  thread_local Tape t;
  return t;
}

// True when nothing but the caller's handle can reach g's elements: its impl and its storage
// each have one owner and it starts at its storage's beginning (a fresh backward result, not a
// view of anything another tensor holds).
bool sole_owner(const Tensor& g) {
  const auto& impl = g.impl_ptr();
  return impl.use_count() == 1 && impl->storage.use_count() == 1 && impl->byte_offset == 0;
}

// acc += g (allocating acc on first use). Accumulation happens outside the tape. A first
// gradient that nobody else holds becomes the accumulator itself instead of being copied (a
// later contribution adds into it in place, which no one else can observe).
void accumulate(std::shared_ptr<TensorImpl>& acc, const Tensor& g) {
  if (!acc) {
    acc = sole_owner(g) ? g.detach().impl_ptr() : g.clone().detach().impl_ptr();
    return;
  }
  Tensor target(acc);
  backend_for(target.device())
      .axpby(1.0f, g.data<float>(), 1.0f, target.data<float>(), target.numel());
}

}  // namespace

NoGrad::NoGrad() : previous_(tape().recording) {
  tape().recording = false;
}
NoGrad::~NoGrad() {
  tape().recording = previous_;
}

bool grad_enabled() {
  return tape().recording;
}

size_t tape_size() {
  return tape().nodes.size();
}

void clear_tape() {
  tape().nodes.clear();
  ++tape().generation;
}

namespace autograd {

bool should_record(const std::vector<Tensor>& inputs) {
  if (!tape().recording) return false;
  for (const Tensor& t : inputs)
    if (t.requires_grad()) return true;
  return false;
}

void record(const char* name, const std::vector<Tensor>& inputs, const Tensor& output,
            BackwardFn backward) {
  Tape& t = tape();
  output.impl()->requires_grad = true;
  output.impl()->tape_generation = t.generation;
  t.nodes.push_back(Node{name, inputs, output, std::move(backward)});
}

}  // namespace autograd

void backward(const Tensor& loss) {
  HG_CHECK(loss.defined(), "backward() of an undefined tensor");
  HG_CHECK(loss.numel() == 1, "backward() needs a scalar loss, got shape ", loss.shape());
  HG_CHECK(loss.requires_grad(),
           "backward(): the loss does not require grad (computed under NoGrad, or from tensors "
           "none of which require grad)");
  Tape& t = tape();
  HG_CHECK(!loss.is_leaf(), "backward(): the loss is a leaf tensor; nothing to differentiate");
  HG_CHECK(loss.impl()->tape_generation == t.generation,
           "backward(): the tape that recorded this loss was already consumed by an earlier "
           "backward() or clear_tape(); run the forward pass again");
  // Take the nodes so that ops run by backward closures (which record nothing: recording is
  // off) cannot touch them, and so the tape is consumed even if a closure throws.
  std::vector<Node> nodes = std::move(t.nodes);
  t.nodes.clear();
  ++t.generation;
  const bool previous = t.recording;
  t.recording = false;

  std::unordered_map<TensorImpl*, std::shared_ptr<TensorImpl>> grads;
  grads[loss.impl()] = Tensor::ones(loss.shape(), loss.device()).impl_ptr();
  try {
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
      auto found = grads.find(it->output.impl());
      if (found == grads.end()) continue;  // not on a path to the loss
      const Tensor grad_out(found->second);
      grads.erase(found);
      HG_CHECK(it->backward != nullptr, "backward(): op '", it->name,
               "' is not differentiable, but a gradient reached it");
      std::vector<Tensor> grad_in = it->backward(grad_out);
      HG_CHECK(grad_in.size() == it->inputs.size(), "internal: op '", it->name, "' returned ",
               grad_in.size(), " gradients for ", it->inputs.size(), " inputs");
      for (size_t i = 0; i < grad_in.size(); ++i) {
        const Tensor& input = it->inputs[i];
        if (!input.requires_grad() || !grad_in[i].defined()) continue;
        HG_CHECK(grad_in[i].shape() == input.shape(), "internal: op '", it->name,
                 "' produced a gradient of shape ", grad_in[i].shape(), " for input ", i,
                 " of shape ", input.shape());
        if (input.is_leaf())
          accumulate(input.impl()->grad, grad_in[i]);
        else
          accumulate(grads[input.impl()], grad_in[i]);
      }
    }
  } catch (...) {
    t.recording = previous;
    throw;
  }
  t.recording = previous;
}

}  // namespace hg
