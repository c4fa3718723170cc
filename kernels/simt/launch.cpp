// launch.cpp: hg::simt::launch_kernel: checks a launch configuration the way the CUDA runtime
// does, then runs the grid (scheduler.cpp) under a process-wide mutex: __shared__ variables are
// function-local statics, so two launches may never run at the same time. Also
// cudaFuncSetAttribute, which is only about launch limits.
#include "launch.h"

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>

#include "errors.h"
#include "runtime_api.h"
#include "runtime_internal.h"
#include "schedule.h"
#include "schedule_state.h"
#include "scheduler.h"

namespace hg::simt {
namespace detail {
namespace {

constexpr std::size_t kDefaultDynamicShared = 48 * 1024;  // without cudaFuncSetAttribute
constexpr std::size_t kOptinDynamicShared = 227 * 1024;   // sharedMemPerBlockOptin

struct KernelLimits {
  std::mutex mutex;
  std::map<const void*, std::size_t> max_dynamic_shared;
};

KernelLimits& kernel_limits() {
  static KernelLimits k;
  return k;
}

std::size_t max_dynamic_shared(const void* kernel) {
  KernelLimits& k = kernel_limits();
  std::lock_guard<std::mutex> lock(k.mutex);
  auto it = k.max_dynamic_shared.find(kernel);
  return it == k.max_dynamic_shared.end() ? kDefaultDynamicShared : it->second;
}

std::mutex& launch_mutex() {
  static std::mutex m;
  return m;
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

}  // namespace
}  // namespace detail

bool in_kernel() { return detail::in_gpu_thread(); }

namespace detail {
namespace {

std::atomic<long long> g_kernel_launches{0};
std::atomic<long long> g_graph_launches{0};

// The checks the CUDA runtime makes before a launch.
cudaError_t check_launch(const void* kernel, dim3 grid, dim3 block,
                         std::size_t dynamic_shared_bytes, cudaStream_t stream,
                         void (*thread_body)(void* closure)) {
  if (thread_body == nullptr) return fail(cudaErrorInvalidDeviceFunction, "launch: no kernel");
  if (in_kernel())
    return fail(cudaErrorNotSupported, "a kernel launched another kernel; dynamic parallelism is not emulated");
  const unsigned long long threads = static_cast<unsigned long long>(block.x) * block.y * block.z;
  if (block.x == 0 || block.y == 0 || block.z == 0 || block.x > 1024 || block.y > 1024 || block.z > 64 ||
      threads > 1024)
    return fail(cudaErrorInvalidConfiguration,
                format("launch: block (%u,%u,%u) = %llu threads; each dimension must be at least 1, x and y at "
                       "most 1024, z at most 64, and the product at most 1024",
                       block.x, block.y, block.z, threads));
  if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.x > 2147483647u || grid.y > 65535 || grid.z > 65535)
    return fail(cudaErrorInvalidConfiguration,
                format("launch: grid (%u,%u,%u); each dimension must be at least 1, x at most 2^31-1, y and z "
                       "at most 65535",
                       grid.x, grid.y, grid.z));
  const std::size_t shared_limit = max_dynamic_shared(kernel);
  if (dynamic_shared_bytes > shared_limit)
    return fail(cudaErrorInvalidValue,
                format("launch: %zu bytes of dynamic shared memory requested, the limit for this "
                       "kernel is %zu%s",
                       dynamic_shared_bytes, shared_limit,
                       shared_limit == kDefaultDynamicShared
                           ? " (raise it with cudaFuncSetAttribute(kernel, "
                             "cudaFuncAttributeMaxDynamicSharedMemorySize, bytes))"
                           : ""));
  if (!is_valid_stream(stream))
    return fail(cudaErrorInvalidResourceHandle, format("launch: stream %p is not a live stream", (void*)stream));
  return cudaSuccess;
}

// Runs a checked launch to completion.
cudaError_t run_launch(dim3 grid, dim3 block, std::size_t dynamic_shared_bytes,
                       void (*thread_body)(void* closure), void* closure) {
  GridRun run;
  run.grid = grid;
  run.block = block;
  run.thread_body = thread_body;
  run.closure = closure;
  try {
    run.schedule = current_schedule();
  } catch (const std::invalid_argument& e) {
    return fail(cudaErrorInvalidValue, e.what());
  }

  std::lock_guard<std::mutex> lock(launch_mutex());
  run.seed = next_launch_seed(run.schedule.seed);
  std::unique_ptr<void, FreeDeleter> shared;
  if (dynamic_shared_bytes > 0) {
    void* p = nullptr;
    if (posix_memalign(&p, 256, dynamic_shared_bytes) != 0)
      return fail(cudaErrorMemoryAllocation, "launch: cannot allocate the dynamic shared memory");
    shared.reset(p);
  }
  run.dynamic_shared = shared.get();
  run.dynamic_shared_bytes = dynamic_shared_bytes;
  std::string error;
  try {
    error = run_grid(run);
  } catch (const std::bad_alloc&) {
    return fail(cudaErrorMemoryAllocation, "launch: out of host memory for fibers and their stacks");
  }
  if (!error.empty()) return fail(cudaErrorLaunchFailure, error);
  return cudaSuccess;
}

// A launch recorded by a capturing stream: owns a copy of the closure.
class RecordedLaunch final : public RecordedWork {
 public:
  RecordedLaunch(dim3 grid, dim3 block, std::size_t shared, void (*body)(void*), void* closure,
                 void (*destroy)(void*))
      : grid_(grid),
        block_(block),
        shared_(shared),
        body_(body),
        closure_(closure),
        destroy_(destroy) {}
  ~RecordedLaunch() override { destroy_(closure_); }
  RecordedLaunch(const RecordedLaunch&) = delete;
  RecordedLaunch& operator=(const RecordedLaunch&) = delete;
  cudaError_t run() override { return run_launch(grid_, block_, shared_, body_, closure_); }

 private:
  dim3 grid_, block_;
  std::size_t shared_;
  void (*body_)(void*);
  void* closure_;
  void (*destroy_)(void*);
};

}  // namespace

void count_graph_launch() {
  ++g_graph_launches;
}

}  // namespace detail

long long kernel_launches() {
  return detail::g_kernel_launches.load();
}
long long graph_launches() {
  return detail::g_graph_launches.load();
}

cudaError_t launch_kernel(const void* kernel, dim3 grid, dim3 block,
                          std::size_t dynamic_shared_bytes, cudaStream_t stream,
                          void (*thread_body)(void* closure), void* closure) {
  return launch_kernel(kernel, grid, block, dynamic_shared_bytes, stream, thread_body, closure,
                       nullptr, nullptr);
}

cudaError_t launch_kernel(const void* kernel, dim3 grid, dim3 block,
                          std::size_t dynamic_shared_bytes, cudaStream_t stream,
                          void (*thread_body)(void* closure), void* closure,
                          void* (*clone_closure)(const void* closure),
                          void (*destroy_closure)(void* closure)) {
  if (cudaError_t e =
          detail::check_launch(kernel, grid, block, dynamic_shared_bytes, stream, thread_body))
    return e;
  ++detail::g_kernel_launches;
  if (detail::is_capturing(stream)) {
    if (clone_closure == nullptr || destroy_closure == nullptr)
      return detail::fail(
          cudaErrorStreamCaptureUnsupported,
          "launch: this launch cannot be recorded by a capturing stream (no closure copy)");
    auto work = std::make_shared<detail::RecordedLaunch>(
        grid, block, dynamic_shared_bytes, thread_body, clone_closure(closure), destroy_closure);
    detail::record_if_capturing(stream, std::move(work));
    return cudaSuccess;
  }
  return detail::run_launch(grid, block, dynamic_shared_bytes, thread_body, closure);
}

}  // namespace hg::simt

cudaError_t cudaFuncSetAttribute(const void* func, cudaFuncAttribute attr, int value) {
  using hg::simt::detail::fail;
  using hg::simt::detail::format;
  if (func == nullptr) return fail(cudaErrorInvalidDeviceFunction, "cudaFuncSetAttribute: null kernel");
  if (attr != cudaFuncAttributeMaxDynamicSharedMemorySize) return cudaSuccess;  // no effect on the CPU
  if (value < 0 || static_cast<std::size_t>(value) > hg::simt::detail::kOptinDynamicShared)
    return fail(cudaErrorInvalidValue,
                format("cudaFuncSetAttribute: MaxDynamicSharedMemorySize %d is outside [0, %zu]", value,
                       hg::simt::detail::kOptinDynamicShared));
  hg::simt::detail::KernelLimits& k = hg::simt::detail::kernel_limits();
  std::lock_guard<std::mutex> lock(k.mutex);
  k.max_dynamic_shared[func] = static_cast<std::size_t>(value);
  return cudaSuccess;
}
