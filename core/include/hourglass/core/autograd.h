// The reverse-mode autograd tape. While recording (the default; NoGrad turns it off), every op
// whose inputs require gradients appends a node: its inputs, its output and a closure that maps
// the output's gradient to the inputs' gradients. backward(loss) walks the nodes in reverse,
// accumulating gradients of intermediates in a map and of leaves into Tensor::grad(), then
// frees the nodes; the tape is then consumed, and a second backward through the same forward
// pass is an error rather than a silent wrong answer.
//
// The tape is per thread. Forward passes that never reach backward() (evaluation) belong under
// NoGrad, or their nodes stay alive until the next backward() or clear_tape().
#pragma once

#include <functional>
#include <vector>

#include "hourglass/core/tensor.h"

namespace hg {

// Disables recording for its lifetime (nestable).
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_;
};

bool grad_enabled();

// Back-propagates from `loss`, which must hold one element and require grad. Leaves' gradients
// accumulate (call zero_grad between steps). Consumes the tape.
void backward(const Tensor& loss);

// Drops every recorded node without computing gradients.
void clear_tape();
// Number of nodes currently recorded (for tests and leak checks).
size_t tape_size();

namespace autograd {

// Maps the output's gradient to one gradient per input (an undefined Tensor where an input
// needs none). Gradients must have their input's shape.
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

// True when an op over these inputs must be recorded: recording is on and one of them requires
// grad.
bool should_record(const std::vector<Tensor>& inputs);

// Records `output` as produced from `inputs` by op `name`. Marks output as requiring grad.
// Call only when should_record(inputs). A null backward marks the op non-differentiable:
// backward() then fails with a message naming it, if a gradient ever reaches it.
void record(const char* name, const std::vector<Tensor>& inputs, const Tensor& output,
            BackwardFn backward);

}  // namespace autograd
}  // namespace hg
