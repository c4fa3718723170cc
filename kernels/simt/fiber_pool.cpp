// fiber_pool.cpp: guarded fiber stacks, AddressSanitizer-annotated fiber switches, the fiber pool
// and the stack-overflow fault handler.
#include "fiber_pool.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#define HG_SIMT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HG_SIMT_ASAN 1
#endif
#endif

#if defined(HG_SIMT_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace ctx = boost::context;

namespace hg::simt::detail {
namespace {

// ---- AddressSanitizer fiber annotations -------------------------------------------------------
// Before a switch the leaving side calls start_switch with the stack it is switching to (and a
// place to save its own fake stack, or nullptr when it will never run again); right after the
// switch the arriving side calls finish_switch with the fake stack it saved when it left, which
// also reports the stack it came from.
inline void asan_start_switch(void** fake_stack_save, const void* lo, std::size_t bytes) {
#if defined(HG_SIMT_ASAN)
  __sanitizer_start_switch_fiber(fake_stack_save, lo, bytes);
#else
  (void)fake_stack_save, (void)lo, (void)bytes;
#endif
}

inline void asan_finish_switch(void* fake_stack_save, const void** from_lo, std::size_t* from_bytes) {
#if defined(HG_SIMT_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack_save, from_lo, from_bytes);
#else
  (void)fake_stack_save, (void)from_lo, (void)from_bytes;
#endif
}

constexpr std::size_t kGuardBytes = 64 * 1024;  // PROT_NONE region below each stack

thread_local Fiber* t_current = nullptr;
std::atomic<OverflowDescriber> g_describer{nullptr};

std::size_t page_size() {
  static const std::size_t p = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return p;
}

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// Boost.Context StackAllocator: mmap'ed stack with a guard region; records the geometry in the
// owning Fiber for the fault handler and the ASan annotations.
class GuardedStack {
 public:
  GuardedStack(Fiber* owner, std::size_t bytes) : owner_(owner), bytes_(round_up(bytes, page_size())) {}

  ctx::stack_context allocate() {
    const std::size_t total = bytes_ + kGuardBytes;
    void* base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                      -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    if (mprotect(base, kGuardBytes, PROT_NONE) != 0) {
      munmap(base, total);
      throw std::bad_alloc();
    }
    owner_->guard_lo = static_cast<char*>(base);
    owner_->stack_lo = static_cast<char*>(base) + kGuardBytes;
    owner_->stack_bytes = bytes_;
    ctx::stack_context sc;
    sc.size = total;
    sc.sp = static_cast<char*>(base) + total;  // stacks grow down from sp
    return sc;
  }

  // Only reached if Boost itself frees the stack; ~Fiber normally unmaps it directly.
  void deallocate(ctx::stack_context& sc) noexcept {
    char* base = static_cast<char*>(sc.sp) - sc.size;
#if defined(HG_SIMT_ASAN)
    __asan_unpoison_memory_region(base + kGuardBytes, sc.size - kGuardBytes);
#endif
    munmap(base, sc.size);
  }

 private:
  Fiber* owner_;
  std::size_t bytes_;
};

// ---- stack overflow reporting ----------------------------------------------------------------
struct sigaction g_previous_segv;
struct sigaction g_previous_bus;
std::once_flag g_handler_once;

void append(char* buf, std::size_t cap, std::size_t& len, const char* s) {
  while (*s != '\0' && len + 1 < cap) buf[len++] = *s++;
  buf[len] = '\0';
}

void append_unsigned(char* buf, std::size_t cap, std::size_t& len, unsigned long long v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0 && len + 1 < cap) buf[len++] = digits[--n];
  buf[len] = '\0';
}

void on_fault(int sig, siginfo_t* info, void* ucontext) {
  const Fiber* f = t_current;
  const char* addr = static_cast<const char*>(info->si_addr);
  if (f != nullptr && addr >= f->guard_lo && addr < f->stack_lo) {
    char msg[512];
    std::size_t len = 0;
    msg[0] = '\0';
    append(msg, sizeof msg, len, "hourglass SIMT: stack overflow in an emulated GPU thread");
    if (OverflowDescriber d = g_describer.load()) {
      char who[160];
      if (d(f->job_arg(), who, sizeof who) > 0) {
        append(msg, sizeof msg, len, " (");
        append(msg, sizeof msg, len, who);
        append(msg, sizeof msg, len, ")");
      }
    }
    append(msg, sizeof msg, len, ": its fiber stack has ");
    append_unsigned(msg, sizeof msg, len, f->stack_bytes / 1024);
    append(msg, sizeof msg, len,
           " KiB; set HG_SIMT_STACK_KB higher, or keep large per-thread arrays and deep recursion out of "
           "kernels\n");
    ssize_t ignored = write(STDERR_FILENO, msg, len);
    (void)ignored;
  }
  // Hand the signal on: to the previous handler (e.g. AddressSanitizer's), or restore the default
  // action and return, so the faulting instruction runs again and the process dies of the signal.
  const struct sigaction& prev = sig == SIGSEGV ? g_previous_segv : g_previous_bus;
  if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
    prev.sa_sigaction(sig, info, ucontext);
  } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler != nullptr) {
    prev.sa_handler(sig);
  } else {
    signal(sig, SIG_DFL);
  }
}

void install_fault_handler() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &g_previous_segv);
  sigaction(SIGBUS, &sa, &g_previous_bus);
}

std::size_t stack_bytes_from_env() {
  std::size_t kb = 256;
  if (const char* v = std::getenv("HG_SIMT_STACK_KB")) {
    char* end = nullptr;
    const unsigned long long parsed = std::strtoull(v, &end, 10);
    if (end != v && *end == '\0' && parsed >= 16) kb = static_cast<std::size_t>(parsed);
  }
  return kb * 1024;
}

}  // namespace

// ---- Fiber ------------------------------------------------------------------------------------

Fiber::Fiber(std::size_t bytes)
    : self_(std::allocator_arg, GuardedStack(this, bytes),
            [this](ctx::fiber&& back) { return entry(std::move(back)); }) {}

Fiber::~Fiber() {
  if (!self_) return;  // running (cannot happen: pools are destroyed from outside any fiber)
  // An idle fiber sits at the top of its job loop and owns nothing on its stack (its Boost record
  // and the entry lambda are trivially destructible), so the stack is simply unmapped. Letting the
  // fiber return instead would run its exit path through frames that AddressSanitizer's fake
  // stacks cannot account for, and Boost's destructor would unwind it with forced_unwind; so
  // Boost's handle is parked in storage that is never destroyed (it is just a pointer).
  alignas(boost::context::fiber) unsigned char parked[sizeof(boost::context::fiber)];
  new (parked) boost::context::fiber(std::move(self_));
  const std::size_t total = kGuardBytes + stack_bytes;
#if defined(HG_SIMT_ASAN)
  // Frames that lived on this stack may have left poisoned shadow behind; clear it so a later
  // mapping at the same address does not inherit it.
  __asan_unpoison_memory_region(stack_lo, stack_bytes);
#endif
  munmap(guard_lo, total);
  // A fiber destroyed in the middle of a job would leak whatever its frames own; the scheduler
  // never leaves one behind (every aborted GPU thread is unwound first).
}

void Fiber::start(Job job, void* arg) {
  job_ = job;
  arg_ = arg;
  idle_ = false;
}

void Fiber::resume() {
  Fiber* const previous = t_current;
  t_current = this;
  void* fake_stack = nullptr;
  asan_start_switch(&fake_stack, stack_lo, stack_bytes);
  self_ = std::move(self_).resume();
  asan_finish_switch(fake_stack, nullptr, nullptr);
  t_current = previous;
}

ctx::fiber Fiber::entry(ctx::fiber&& back) {
  asan_finish_switch(nullptr, &scheduler_stack_lo_, &scheduler_stack_bytes_);
  back_ = std::move(back);
  // Never returns: the fiber is destroyed by unmapping its stack while it waits here (~Fiber).
  for (;;) {
    if (job_ != nullptr) {
      const Job job = job_;
      job_ = nullptr;
      job(arg_);
    }
    idle_ = true;
    switch_to_scheduler();
  }
}

void Fiber::switch_to_scheduler() {
  void* fake_stack = nullptr;
  asan_start_switch(&fake_stack, scheduler_stack_lo_, scheduler_stack_bytes_);
  back_ = std::move(back_).resume();
  asan_finish_switch(fake_stack, &scheduler_stack_lo_, &scheduler_stack_bytes_);
}

void Fiber::yield() { t_current->switch_to_scheduler(); }

Fiber* Fiber::current() { return t_current; }

// ---- FiberPool --------------------------------------------------------------------------------

FiberPool::FiberPool() : stack_bytes_(stack_bytes_from_env()) {
  std::call_once(g_handler_once, install_fault_handler);
  // The fault handler needs a stack of its own: the faulting one is exhausted.
  stack_t current;
  if (sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE) != 0) {
    alt_stack_bytes_ = 256 * 1024;
    void* p = mmap(nullptr, alt_stack_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      stack_t ss;
      ss.ss_sp = p;
      ss.ss_size = alt_stack_bytes_;
      ss.ss_flags = 0;
      if (sigaltstack(&ss, nullptr) == 0)
        alt_stack_ = p;
      else
        munmap(p, alt_stack_bytes_);
    }
  }
}

FiberPool::~FiberPool() {
  fibers_.clear();
  if (alt_stack_ != nullptr) {
    stack_t current;
    if (sigaltstack(nullptr, &current) == 0 && current.ss_sp == alt_stack_) {
      stack_t off;
      std::memset(&off, 0, sizeof off);
      off.ss_flags = SS_DISABLE;
      sigaltstack(&off, nullptr);
    }
    munmap(alt_stack_, alt_stack_bytes_);
  }
}

Fiber& FiberPool::get(std::size_t i) {
  while (fibers_.size() <= i) fibers_.push_back(std::make_unique<Fiber>(stack_bytes_));
  return *fibers_[i];
}

FiberPool& thread_fiber_pool() {
  thread_local FiberPool pool;
  return pool;
}

void set_overflow_describer(OverflowDescriber describer) { g_describer.store(describer); }

void rethrow_if_fiber_unwind() {
  try {
    throw;
  } catch (const ctx::detail::forced_unwind&) {
    throw;
  } catch (...) {
  }
}

}  // namespace hg::simt::detail
