// scheduler.cpp: the heart of the emulator. Runs each block of a launch with one fiber per GPU
// thread, matches barriers and warp collectives, and diagnoses kernels that can never finish.
//
// How a block runs
//   Every thread starts "ready". A *pass* resumes each ready thread once, in the schedule's thread
//   order; a resumed thread runs until it reaches a scheduling point (__syncthreads*, __syncwarp,
//   a shuffle or vote), where it records what it waits for and yields, or until it returns. After
//   a pass no thread is ready, and resolve() decides what happens next:
//     1. Warp collectives first. A thread waiting at a collective with mask M can complete once
//        every lane of M that still exists (has not returned, is inside the block) waits at a
//        collective of the same kind with the same mask and width; the call sites may differ, as
//        on Volta and later GPUs. The whole group then gets its results and becomes ready.
//     2. Otherwise the block barrier: when every thread that has not returned waits at a
//        __syncthreads, they must all wait at the same source line (else "divergent barriers")
//        and no thread may have returned (else "barrier after early return"); then all of them
//        are released together.
//     3. Otherwise nothing can ever move again: the launch is aborted with a diagnosis naming the
//        threads, what they wait at and where.
//   Between two scheduling points a thread runs without interruption, so the order of passes is
//   the one degree of freedom: forward, reverse or random (a fresh permutation each pass) exposes
//   races between threads that a missing barrier leaves unordered.
//
// Aborting
//   A failure (a diagnosis above, a bad mask seen at a call, a C++ exception escaping the kernel)
//   marks the launch as aborting. Each unfinished thread is then resumed once more; its pending
//   scheduling point throws AbortUnwind, which unwinds the GPU thread's stack (running
//   destructors) back to its fiber's job loop, leaving every fiber idle and reusable.
#include "scheduler.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include "builtins.h"
#include "errors.h"
#include "fiber_pool.h"
#include "schedule_state.h"
#include "sync.h"

// Bounds of the section holding __shared__ statics (clang builds; see keywords.h). Weak, so they
// are null when no object file has such a section.
extern "C" {
extern char __start_hg_simt_shared[] __attribute__((weak));
extern char __stop_hg_simt_shared[] __attribute__((weak));
}

namespace hg::simt::detail {

Builtins g_builtins;

namespace {

constexpr unsigned kWarp = 32;

enum class State : unsigned char { ready, at_barrier, at_warp, done };

// One GPU thread of the running block.
struct ThreadRec {
  uint3 tid{0, 0, 0};
  unsigned linear = 0;  // x + y * blockDim.x + z * blockDim.x * blockDim.y
  State state = State::ready;
  Fiber* fiber = nullptr;
  // What the thread waits at (valid in at_barrier / at_warp).
  const char* file = nullptr;
  int line = 0;
  BarrierOp barrier_op = BarrierOp::sync;
  WarpOp warp_op = WarpOp::sync;
  unsigned mask = 0;
  int width = 32;
  int param = 0;
  std::uint64_t value = 0;
  // Results handed back when the barrier / collective completes.
  std::uint64_t result = 0;
};

// Thrown at a scheduling point of an aborted launch; deliberately not a std::exception.
struct AbortUnwind {};

struct Launch {
  const GridRun* run = nullptr;
  std::vector<ThreadRec> threads;
  unsigned warps = 0;
  ThreadRec* current = nullptr;  // the thread whose fiber is running
  bool aborting = false;
  std::string error;  // the first failure

  void fail(std::string message) {
    if (aborting) return;
    aborting = true;
    error = std::move(message);
  }
};

// The launch being run. Launches are serialised by the mutex in launch.cpp; only the host thread
// running the launch touches this.
Launch* g_launch = nullptr;

// ---- names and messages -------------------------------------------------------------------------

const char* op_name(BarrierOp op) {
  switch (op) {
    case BarrierOp::sync: return "__syncthreads";
    case BarrierOp::count: return "__syncthreads_count";
    case BarrierOp::and_all: return "__syncthreads_and";
    case BarrierOp::or_any: return "__syncthreads_or";
  }
  return "?";
}

const char* op_name(WarpOp op) {
  switch (op) {
    case WarpOp::sync: return "__syncwarp";
    case WarpOp::shfl_idx: return "__shfl_sync";
    case WarpOp::shfl_up: return "__shfl_up_sync";
    case WarpOp::shfl_down: return "__shfl_down_sync";
    case WarpOp::shfl_xor: return "__shfl_xor_sync";
    case WarpOp::ballot: return "__ballot_sync";
    case WarpOp::any: return "__any_sync";
    case WarpOp::all: return "__all_sync";
  }
  return "?";
}

bool is_shuffle(WarpOp op) {
  return op == WarpOp::shfl_idx || op == WarpOp::shfl_up || op == WarpOp::shfl_down || op == WarpOp::shfl_xor;
}

std::string block_name() {
  const uint3& b = g_builtins.block_idx;
  return format("block (%u,%u,%u)", b.x, b.y, b.z);
}

std::string thread_name(const ThreadRec& t) { return format("thread (%u,%u,%u)", t.tid.x, t.tid.y, t.tid.z); }

// "thread (5,0,0) of block (2,0,0) [lane 5 of warp 0]"
std::string who(const ThreadRec& t) {
  return format("%s of %s [lane %u of warp %u]", thread_name(t).c_str(), block_name().c_str(), t.linear % kWarp,
                t.linear / kWarp);
}

std::string site(const char* file, int line) { return format("%s:%d", file, line); }

// What a waiting thread waits at, e.g. "__shfl_down_sync(mask 0xffffffff) at k.cu:42".
std::string waiting_at(const ThreadRec& t) {
  switch (t.state) {
    case State::at_barrier: return format("%s at %s", op_name(t.barrier_op), site(t.file, t.line).c_str());
    case State::at_warp:
      return format("%s(mask 0x%08x) at %s", op_name(t.warp_op), t.mask, site(t.file, t.line).c_str());
    case State::done: return "has returned";
    case State::ready: return "is running";
  }
  return "?";
}

bool same_wait(const ThreadRec& a, const ThreadRec& b) {
  if (a.state != b.state) return false;
  if (a.state == State::at_barrier)
    return a.barrier_op == b.barrier_op && a.line == b.line && std::strcmp(a.file, b.file) == 0;
  if (a.state == State::at_warp)
    return a.warp_op == b.warp_op && a.mask == b.mask && a.line == b.line && std::strcmp(a.file, b.file) == 0;
  return true;
}

// The states of all threads of the block, consecutive threads with the same state grouped.
std::string state_summary(const std::vector<ThreadRec>& threads) {
  std::string out = "\n  thread states in " + block_name() + ":";
  const std::size_t kMaxGroups = 16;
  std::size_t groups = 0;
  for (std::size_t i = 0; i < threads.size();) {
    std::size_t j = i + 1;
    while (j < threads.size() && same_wait(threads[i], threads[j])) ++j;
    if (groups++ == kMaxGroups) {
      out += "\n    ...";
      break;
    }
    const std::string range = j - i == 1 ? thread_name(threads[i])
                                         : thread_name(threads[i]) + " .. " + thread_name(threads[j - 1]);
    out += "\n    " + range + ": " + (threads[i].state == State::done ? "returned" : waiting_at(threads[i]));
    i = j;
  }
  return out;
}

// ---- called on the GPU thread's fiber ------------------------------------------------------------

ThreadRec& running_thread(const char* what, const char* file, int line) {
  if (Fiber::current() == nullptr || g_launch == nullptr || g_launch->current == nullptr)
    throw std::logic_error(format("%s at %s:%d called outside an emulated kernel", what, file, line));
  return *g_launch->current;
}

// Gives control back to the scheduler until this thread's barrier or collective completes.
void suspend() {
  // Once the launch is aborting every scheduling point unwinds the thread. While an exception is
  // already propagating (a scheduling point in a destructor) throwing would terminate, so return.
  if (!g_launch->aborting) Fiber::yield();
  if (g_launch->aborting && std::uncaught_exceptions() == 0) throw AbortUnwind{};
}

[[noreturn]] void abort_launch(std::string message) {
  g_launch->fail(std::move(message));
  throw AbortUnwind{};
}

void run_gpu_thread(void* arg) {
  ThreadRec& t = *static_cast<ThreadRec*>(arg);
  Launch& launch = *g_launch;
  if (!launch.aborting) {
    try {
      launch.run->thread_body(launch.run->closure);
    } catch (const AbortUnwind&) {
      // The launch is being aborted; this thread has unwound.
    } catch (const std::exception& e) {
      int status = 0;
      char* demangled = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
      launch.fail(format("%s threw %s: %s", who(t).c_str(), status == 0 && demangled ? demangled : typeid(e).name(),
                         e.what()));
      std::free(demangled);
    } catch (...) {
      rethrow_if_fiber_unwind();
      launch.fail(format("%s threw an exception of unknown type", who(t).c_str()));
    }
  }
  t.state = State::done;
}

// Async-signal-safe "block (x,y,z) thread (x,y,z)" for the stack overflow message.
std::size_t describe_for_overflow(const void* arg, char* buf, std::size_t cap) {
  std::size_t len = 0;
  auto put = [&](const char* s) {
    while (*s != '\0' && len + 1 < cap) buf[len++] = *s++;
  };
  auto put_uint = [&](unsigned v) {
    char d[12];
    int n = 0;
    do {
      d[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0 && len + 1 < cap) buf[len++] = d[--n];
  };
  auto put_triple = [&](const uint3& v) {
    put("(");
    put_uint(v.x);
    put(",");
    put_uint(v.y);
    put(",");
    put_uint(v.z);
    put(")");
  };
  if (cap == 0) return 0;
  put("block ");
  put_triple(g_builtins.block_idx);
  if (arg != nullptr) {
    put(" thread ");
    put_triple(static_cast<const ThreadRec*>(arg)->tid);
  }
  buf[len] = '\0';
  return len;
}

// ---- the block runner ---------------------------------------------------------------------------

class BlockRunner {
 public:
  BlockRunner(Launch& launch, FiberPool& pool) : launch_(launch), pool_(pool) {
    const unsigned n = static_cast<unsigned>(launch.threads.size());
    pool_.get(n - 1);  // create every fiber up front, so nothing can fail once jobs are assigned
    order_.resize(n);
    for (unsigned i = 0; i < n; ++i) order_[i] = i;
    if (launch.run->schedule.threads == Order::reverse) std::reverse(order_.begin(), order_.end());
    rng_ = launch.run->seed;
  }

  // Runs the current block (g_builtins.block_idx) to completion; false if the launch failed.
  bool run() {
    for (ThreadRec& t : launch_.threads) {
      t.state = State::ready;
      t.fiber = &pool_.get(t.linear);
      t.fiber->start(run_gpu_thread, &t);
    }
    try {
      for (;;) {
        run_pass();
        if (launch_.aborting) break;
        if (all_done()) return true;
        if (!resolve()) break;
      }
    } catch (const std::exception& e) {
      // Only the scheduler's own bookkeeping can throw here (GPU threads catch everything on their
      // fibers); the fibers must still be unwound before they are reused.
      launch_.fail(std::string("SIMT emulator error: ") + e.what());
    }
    unwind_all();
    return false;
  }

 private:
  void resume(ThreadRec& t) {
    launch_.current = &t;
    g_builtins.thread_idx = t.tid;
    t.fiber->resume();
    launch_.current = nullptr;
  }

  // Resumes every ready thread once, in the schedule's order.
  void run_pass() {
    if (launch_.run->schedule.threads == Order::random) detail::shuffle(order_, rng_);
    for (unsigned i : order_) {
      ThreadRec& t = launch_.threads[i];
      if (t.state != State::ready) continue;
      resume(t);
      if (launch_.aborting) return;
    }
  }

  bool all_done() const {
    for (const ThreadRec& t : launch_.threads)
      if (t.state != State::done) return false;
    return true;
  }

  // After a failure: resume each unfinished thread so that it unwinds (see suspend()).
  void unwind_all() {
    for (ThreadRec& t : launch_.threads)
      if (t.state != State::done) resume(t);
  }

  // Called when no thread is ready. Completes what can complete; false (with the launch failed)
  // when nothing can.
  bool resolve() {
    bool progressed = false;
    for (unsigned w = 0; w < launch_.warps && !launch_.aborting; ++w) progressed |= resolve_warp(w);
    if (launch_.aborting) return false;
    if (progressed) return true;
    if (resolve_barrier()) return true;
    if (!launch_.aborting) launch_.fail(diagnose_deadlock());
    return false;
  }

  ThreadRec& lane_rec(unsigned warp, unsigned lane) { return launch_.threads[warp * kWarp + lane]; }

  unsigned lanes_in_warp(unsigned warp) const {
    const unsigned n = static_cast<unsigned>(launch_.threads.size());
    return std::min(kWarp, n - warp * kWarp);
  }

  // Lanes of `warp` that cannot take part any more: returned, or beyond the end of the block.
  unsigned absent_lanes(unsigned warp) {
    const unsigned lanes = lanes_in_warp(warp);
    unsigned absent = lanes == kWarp ? 0u : ~((1u << lanes) - 1u);
    for (unsigned l = 0; l < lanes; ++l)
      if (lane_rec(warp, l).state == State::done) absent |= 1u << l;
    return absent;
  }

  static bool matches(const ThreadRec& a, const ThreadRec& b) {
    return b.state == State::at_warp && a.warp_op == b.warp_op && a.mask == b.mask && a.width == b.width;
  }

  // Completes every warp collective of `warp` whose participants have all arrived.
  bool resolve_warp(unsigned warp) {
    const unsigned lanes = lanes_in_warp(warp);
    const unsigned absent = absent_lanes(warp);
    unsigned completed = 0;
    bool progressed = false;
    for (unsigned l = 0; l < lanes; ++l) {
      ThreadRec& t = lane_rec(warp, l);
      if (t.state != State::at_warp || (completed >> l & 1u) != 0) continue;
      const unsigned group = t.mask & ~absent;
      bool ready = true;
      for (unsigned k = 0; k < lanes && ready; ++k)
        if ((group >> k & 1u) != 0 && !matches(t, lane_rec(warp, k))) ready = false;
      if (!ready) continue;
      if (!complete_group(warp, group, absent)) return false;
      completed |= group;
      progressed = true;
    }
    return progressed;
  }

  // Computes the results of a warp collective whose lanes `group` have all arrived.
  bool complete_group(unsigned warp, unsigned group, unsigned absent) {
    const ThreadRec& first = lane_rec(warp, static_cast<unsigned>(__builtin_ctz(group)));
    const WarpOp op = first.warp_op;
    std::uint64_t ballot = 0;
    for (unsigned k = 0; k < kWarp; ++k)
      if ((group >> k & 1u) != 0 && lane_rec(warp, k).value != 0) ballot |= 1u << k;
    for (unsigned l = 0; l < kWarp; ++l) {
      if ((group >> l & 1u) == 0) continue;
      ThreadRec& t = lane_rec(warp, l);
      switch (op) {
        case WarpOp::sync: t.result = 0; break;
        case WarpOp::ballot: t.result = ballot; break;
        case WarpOp::any: t.result = ballot != 0; break;
        case WarpOp::all: t.result = ballot == group; break;
        default: {
          const int src = shuffle_source(t, static_cast<int>(l));
          if (src != static_cast<int>(l)) {
            const unsigned s = static_cast<unsigned>(src);
            const char* problem = (t.mask >> s & 1u) == 0   ? "which is not in the mask"
                                  : s >= lanes_in_warp(warp) ? "which does not exist (the block ends before it)"
                                  : (absent >> s & 1u) != 0  ? "which has already returned"
                                                             : nullptr;
            if (problem != nullptr) {
              launch_.fail(format("%s at %s: %s reads lane %u, %s (mask 0x%08x); the value it gets on a GPU "
                                  "is undefined",
                                  op_name(op), site(t.file, t.line).c_str(), who(t).c_str(), s, problem, t.mask));
              return false;
            }
          }
          t.result = lane_rec(warp, static_cast<unsigned>(src)).value;
        }
      }
    }
    for (unsigned l = 0; l < kWarp; ++l)
      if ((group >> l & 1u) != 0) lane_rec(warp, l).state = State::ready;
    return true;
  }

  // The lane a shuffle reads from, following PTX shfl.sync: a segment of `width` lanes, and a
  // source outside the caller's segment (or beyond its end) means "read your own value".
  static int shuffle_source(const ThreadRec& t, int lane) {
    const int seg = 32 - t.width;  // PTX's segment mask (high lane bits that select the segment)
    const int b = t.param & 31;
    const int seg_start = lane & seg;
    const int seg_end = seg_start | (31 & ~seg);
    int j = lane;
    bool valid = true;
    switch (t.warp_op) {
      case WarpOp::shfl_idx:
        j = seg_start | (b & ~seg);
        break;
      case WarpOp::shfl_up:
        j = lane - b;
        valid = j >= seg_start;
        break;
      case WarpOp::shfl_down:
        j = lane + b;
        valid = j <= seg_end;
        break;
      case WarpOp::shfl_xor:
        j = lane ^ b;
        valid = j <= seg_end;
        break;
      default: break;
    }
    return valid ? j : lane;
  }

  // Releases the block barrier if every live thread waits at the same one.
  bool resolve_barrier() {
    const ThreadRec* waiting = nullptr;
    const ThreadRec* returned = nullptr;
    for (const ThreadRec& t : launch_.threads) {
      if (t.state == State::at_warp) return false;  // a stuck collective; diagnosed by the caller
      if (t.state == State::at_barrier && waiting == nullptr) waiting = &t;
      if (t.state == State::done && returned == nullptr) returned = &t;
    }
    if (waiting == nullptr) return false;
    if (returned != nullptr) {
      unsigned n_returned = 0;
      for (const ThreadRec& t : launch_.threads) n_returned += t.state == State::done;
      launch_.fail(format("deadlock: barrier after early return: %s waits at %s, but %u thread(s) of the block "
                          "have already returned (first: %s) and can never reach it; every thread of a block "
                          "must reach each __syncthreads%s",
                          who(*waiting).c_str(), waiting_at(*waiting).c_str(), n_returned,
                          thread_name(*returned).c_str(), state_summary(launch_.threads).c_str()));
      return false;
    }
    for (const ThreadRec& t : launch_.threads) {
      if (t.barrier_op != waiting->barrier_op || t.line != waiting->line ||
          (t.file != waiting->file && std::strcmp(t.file, waiting->file) != 0)) {
        launch_.fail(format("divergent barriers: %s waits at %s while %s waits at %s; all threads of a block "
                            "must meet at the same __syncthreads%s",
                            who(*waiting).c_str(), waiting_at(*waiting).c_str(), who(t).c_str(),
                            waiting_at(t).c_str(), state_summary(launch_.threads).c_str()));
        return false;
      }
    }
    std::uint64_t count = 0;
    for (const ThreadRec& t : launch_.threads) count += t.value;
    const std::uint64_t n = launch_.threads.size();
    for (ThreadRec& t : launch_.threads) {
      switch (t.barrier_op) {
        case BarrierOp::sync: t.result = 0; break;
        case BarrierOp::count: t.result = count; break;
        case BarrierOp::and_all: t.result = count == n; break;
        case BarrierOp::or_any: t.result = count != 0; break;
      }
      t.state = State::ready;
    }
    return true;
  }

  // Nothing can move. Find a warp collective that cannot complete and say why.
  std::string diagnose_deadlock() {
    for (unsigned w = 0; w < launch_.warps; ++w) {
      const unsigned absent = absent_lanes(w);
      for (unsigned l = 0; l < lanes_in_warp(w); ++l) {
        const ThreadRec& t = lane_rec(w, l);
        if (t.state != State::at_warp) continue;
        const unsigned group = t.mask & ~absent;
        for (unsigned k = 0; k < lanes_in_warp(w); ++k) {
          const ThreadRec& other = lane_rec(w, k);
          if ((group >> k & 1u) == 0 || matches(t, other)) continue;
          if (other.state == State::at_barrier)
            return format("deadlock: %s waits at %s for lane %u, which is named in the mask but waits at the "
                          "block barrier %s; part of a warp entered a collective while the rest went on to "
                          "__syncthreads%s",
                          who(t).c_str(), waiting_at(t).c_str(), k, waiting_at(other).c_str(),
                          state_summary(launch_.threads).c_str());
          return format("deadlock: %s waits at %s for lane %u, which is named in the mask but waits at %s "
                        "(lanes of one collective must call the same intrinsic with the same mask and width)%s",
                        who(t).c_str(), waiting_at(t).c_str(), k, waiting_at(other).c_str(),
                        state_summary(launch_.threads).c_str());
        }
      }
    }
    return "deadlock: no thread can make progress" + state_summary(launch_.threads);
  }

  Launch& launch_;
  FiberPool& pool_;
  std::vector<unsigned> order_;
  std::uint64_t rng_;
};

void poison_shared_memory(const GridRun& run) {
  // Compared as integers: the two symbols are distinct objects as far as C++ is concerned.
  const auto lo = reinterpret_cast<std::uintptr_t>(__start_hg_simt_shared);
  const auto hi = reinterpret_cast<std::uintptr_t>(__stop_hg_simt_shared);
  if (lo != 0 && hi > lo) std::memset(__start_hg_simt_shared, 0xFF, hi - lo);
  if (run.dynamic_shared != nullptr) std::memset(run.dynamic_shared, 0xFF, run.dynamic_shared_bytes);
}

}  // namespace

// ---- scheduling points (sync.h) -----------------------------------------------------------------

int block_barrier(BarrierOp op, int predicate, const char* file, int line) {
  ThreadRec& t = running_thread(op_name(op), file, line);
  t.state = State::at_barrier;
  t.barrier_op = op;
  t.file = file;
  t.line = line;
  t.value = predicate != 0;
  suspend();
  return static_cast<int>(t.result);
}

std::uint64_t warp_collective(WarpOp op, unsigned mask, std::uint64_t value, int param, int width,
                              const char* file, int line) {
  ThreadRec& t = running_thread(op_name(op), file, line);
  const unsigned lane = t.linear % kWarp;
  if ((mask >> lane & 1u) == 0)
    abort_launch(format("%s at %s: %s calls it with mask 0x%08x, which does not include its own lane %u",
                        op_name(op), site(file, line).c_str(), who(t).c_str(), mask, lane));
  if (is_shuffle(op) && (width < 1 || width > 32 || (width & (width - 1)) != 0))
    abort_launch(format("%s at %s: %s passes width %d; it must be a power of two from 1 to 32", op_name(op),
                        site(file, line).c_str(), who(t).c_str(), width));
  t.state = State::at_warp;
  t.warp_op = op;
  t.mask = mask;
  t.width = width;
  t.param = param;
  t.value = value;
  t.file = file;
  t.line = line;
  suspend();
  return t.result;
}

unsigned active_mask() {
  ThreadRec& t = running_thread("__activemask", __FILE__, __LINE__);
  const unsigned warp = t.linear / kWarp;
  unsigned mask = 0;
  for (unsigned l = 0; l < kWarp; ++l) {
    const std::size_t i = warp * kWarp + l;
    if (i < g_launch->threads.size() && g_launch->threads[i].state != State::done) mask |= 1u << l;
  }
  return mask;
}

// ---- running a grid -----------------------------------------------------------------------------

bool in_gpu_thread() { return Fiber::current() != nullptr; }

std::string run_grid(const GridRun& run) {
  Launch launch;
  launch.run = &run;
  const unsigned n = run.block.x * run.block.y * run.block.z;
  launch.threads.resize(n);
  for (unsigned i = 0; i < n; ++i) {
    ThreadRec& t = launch.threads[i];
    t.linear = i;
    t.tid = uint3{i % run.block.x, (i / run.block.x) % run.block.y, i / (run.block.x * run.block.y)};
  }
  launch.warps = (n + kWarp - 1) / kWarp;

  g_builtins.block_dim = run.block;
  g_builtins.grid_dim = run.grid;
  g_builtins.dynamic_shared = run.dynamic_shared;
  set_overflow_describer(describe_for_overflow);

  // Blocks are numbered x fastest, as blockIdx linearises on the GPU.
  const std::uint64_t blocks = std::uint64_t{run.grid.x} * run.grid.y * run.grid.z;
  std::vector<std::uint64_t> random_order;
  std::uint64_t rng = run.seed ^ 0xb10c5ull;
  if (run.schedule.blocks == Order::random) {
    random_order.resize(blocks);
    for (std::uint64_t b = 0; b < blocks; ++b) random_order[b] = b;
    detail::shuffle(random_order, rng);
  }

  g_launch = &launch;
  struct Reset {
    ~Reset() {
      g_launch = nullptr;
      g_builtins.dynamic_shared = nullptr;
    }
  } reset;
  BlockRunner runner(launch, thread_fiber_pool());
  for (std::uint64_t i = 0; i < blocks; ++i) {
    const std::uint64_t b = run.schedule.blocks == Order::forward   ? i
                            : run.schedule.blocks == Order::reverse ? blocks - 1 - i
                                                                    : random_order[i];
    g_builtins.block_idx = uint3{static_cast<unsigned>(b % run.grid.x),
                                 static_cast<unsigned>(b / run.grid.x % run.grid.y),
                                 static_cast<unsigned>(b / (std::uint64_t{run.grid.x} * run.grid.y))};
    poison_shared_memory(run);
    if (!runner.run()) break;
  }
  return launch.error;
}

}  // namespace hg::simt::detail
