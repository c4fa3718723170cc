// launch.cpp: hg::simt::launch_kernel: checks a launch configuration the way the CUDA runtime
// does, then runs the grid (scheduler.cpp) under a process-wide mutex: __shared__ variables are
// function-local statics, so two launches may never run at the same time. Also
// cudaFuncSetAttribute, which is only about launch limits.
#include "launch.h"

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

cudaError_t launch_kernel(const void* kernel, dim3 grid, dim3 block, std::size_t dynamic_shared_bytes,
                          cudaStream_t stream, void (*thread_body)(void* closure), void* closure) {
  using detail::fail;
  using detail::format;
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
  const std::size_t shared_limit = detail::max_dynamic_shared(kernel);
  if (dynamic_shared_bytes > shared_limit)
    return fail(cudaErrorInvalidValue,
                format("launch: %zu bytes of dynamic shared memory requested, the limit for this kernel is %zu%s",
                       dynamic_shared_bytes, shared_limit,
                       shared_limit == detail::kDefaultDynamicShared
                           ? " (raise it with cudaFuncSetAttribute(kernel, "
                             "cudaFuncAttributeMaxDynamicSharedMemorySize, bytes))"
                           : ""));
  if (!detail::is_valid_stream(stream))
    return fail(cudaErrorInvalidResourceHandle, format("launch: stream %p is not a live stream", (void*)stream));

  detail::GridRun run;
  run.grid = grid;
  run.block = block;
  run.thread_body = thread_body;
  run.closure = closure;
  try {
    run.schedule = current_schedule();
  } catch (const std::invalid_argument& e) {
    return fail(cudaErrorInvalidValue, e.what());
  }

  std::lock_guard<std::mutex> lock(detail::launch_mutex());
  run.seed = detail::next_launch_seed(run.schedule.seed);
  std::unique_ptr<void, detail::FreeDeleter> shared;
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
    error = detail::run_grid(run);
  } catch (const std::bad_alloc&) {
    return fail(cudaErrorMemoryAllocation, "launch: out of host memory for fibers and their stacks");
  }
  if (!error.empty()) return fail(cudaErrorLaunchFailure, error);
  return cudaSuccess;
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
