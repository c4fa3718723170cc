// fiber_pool.h (internal): reusable fibers with guarded stacks, one pool per host thread.
//
// Each emulated GPU thread runs on a Fiber (a Boost.Context fcontext fiber). A fiber is created
// once and then runs one job after another: the scheduler assigns a job (run this GPU thread) with
// start(), switches to it with resume(), and the job switches back with Fiber::yield() at every
// barrier or warp collective, and for good when it ends. Reusing fibers across blocks and launches
// keeps a launch from paying an mmap per thread per block.
//
// Stacks are mmap'ed with a PROT_NONE guard region below them; a SIGSEGV/SIGBUS handler (running
// on an alternate signal stack) recognises a fault in a fiber's guard region and prints which GPU
// thread overflowed its stack before handing the signal on. Fiber switches are annotated for
// AddressSanitizer. Size: HG_SIMT_STACK_KB (default 256).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include <boost/context/fiber.hpp>

namespace hg::simt::detail {

class Fiber {
 public:
  // A job may only throw Boost.Context's forced_unwind (see rethrow_if_fiber_unwind).
  using Job = void (*)(void* arg);

  explicit Fiber(std::size_t stack_bytes);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // The next resume() runs job(arg) from its beginning. Only valid while idle().
  void start(Job job, void* arg);
  // Scheduler side: runs the fiber until its job yields or ends.
  void resume();
  // True when the last job has returned (or no job was ever given).
  bool idle() const { return idle_; }
  void* job_arg() const { return arg_; }

  // Fiber side: suspends the running fiber and returns to the scheduler.
  static void yield();
  // The fiber running on this host thread, or nullptr on the scheduler's own stack.
  static Fiber* current();

  // Stack geometry (read by the fault handler): [guard_lo, stack_lo) is the guard region,
  // [stack_lo, stack_lo + stack_bytes) the usable stack.
  char* guard_lo = nullptr;
  char* stack_lo = nullptr;
  std::size_t stack_bytes = 0;

 private:
  boost::context::fiber entry(boost::context::fiber&& back);
  void switch_to_scheduler();

  boost::context::fiber self_;  // continuation that resumes this fiber
  boost::context::fiber back_;  // continuation that resumes the scheduler (while running)
  Job job_ = nullptr;
  void* arg_ = nullptr;
  bool idle_ = true;
  // AddressSanitizer bookkeeping: the scheduler's stack, learned on each switch into the fiber.
  const void* scheduler_stack_lo_ = nullptr;
  std::size_t scheduler_stack_bytes_ = 0;
};

class FiberPool {
 public:
  FiberPool();
  ~FiberPool();
  FiberPool(const FiberPool&) = delete;
  FiberPool& operator=(const FiberPool&) = delete;

  // The i-th fiber of this pool, created on first use.
  Fiber& get(std::size_t i);
  std::size_t stack_bytes() const { return stack_bytes_; }

 private:
  std::size_t stack_bytes_;
  std::vector<std::unique_ptr<Fiber>> fibers_;
  void* alt_stack_ = nullptr;  // alternate signal stack installed by this pool, if any
  std::size_t alt_stack_bytes_ = 0;
};

// The calling host thread's pool (freed when the thread exits, so LeakSanitizer stays quiet).
FiberPool& thread_fiber_pool();

// Writes a description of the job `arg` (e.g. "block (1,0,0) thread (5,0,0)") into buf; called
// from the stack-overflow signal handler, so it must be async-signal-safe. Returns the length.
using OverflowDescriber = std::size_t (*)(const void* job_arg, char* buf, std::size_t cap);
void set_overflow_describer(OverflowDescriber describer);

// Inside `catch (...)` around a fiber's job: rethrows Boost.Context's internal unwinding exception
// (used when a suspended fiber is destroyed), which must never be swallowed.
void rethrow_if_fiber_unwind();

}  // namespace hg::simt::detail
