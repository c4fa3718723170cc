// Ctrl-C during training: the first SIGINT (or SIGTERM) only raises a flag that the training loop
// polls after each step, so the run stops between two steps and saves a resumable checkpoint; a
// second one ends the program at once, as usual.
#pragma once

namespace hg::cli {

// Installs the handlers for its lifetime and restores the previous ones afterwards.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

// True once an interrupt arrived while an InterruptGuard was alive.
bool interrupt_requested();

}  // namespace hg::cli
