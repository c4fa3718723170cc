// cuda_platform.cuh: the first include of every CUDA kernel file (kernels/cuda/*.cu).
//
// The same kernel sources build two ways:
//   - by nvcc for real GPUs: this header includes <cuda_runtime.h> and <cublas_v2.h>;
//   - by the host C++ compiler with HG_SIMT defined: it includes the SIMT emulator
//     (kernels/simt/simt.h), which runs the kernels on the CPU, one fiber per GPU thread.
// On top of either it provides what kernel files use to stay portable between the two:
//   HG_DYNAMIC_SHARED(type, name)  dynamic shared memory (`extern __shared__` cannot be emulated);
//                                  use it inside the kernel body, `name` indexes like an array
//   hg::cuda::launch(kernel, grid, block, shmem, stream, args...)
//                                  the only way to launch (no triple-chevron syntax anywhere)
//   hg::cuda::launch_counter()     how many launches the process made (the backend's launch count)
//   HG_CUDA_CHECK(expr), HG_CUBLAS_CHECK(expr)
//                                  throw hg::kernels::DeviceError("file:line: expr: name: message")
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "device_error.h"

#if defined(HG_SIMT)
#include "../simt/simt.h"
#define HG_DYNAMIC_SHARED(type, name) type* const name = ::hg::simt::detail::dynamic_shared<type>()
#else
#include <cublas_v2.h>
#include <cuda_runtime.h>
#define HG_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif

namespace hg::kernels::detail {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* expr, const char* file, int line) {
  throw ::hg::kernels::DeviceError(std::string(file) + ":" + std::to_string(line) + ": " + expr + ": " +
                                   cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
}

[[noreturn]] inline void throw_cublas_error(cublasStatus_t status, const char* expr, const char* file, int line) {
  throw ::hg::kernels::DeviceError(std::string(file) + ":" + std::to_string(line) + ": " + expr + ": " +
                                   cublasGetStatusName(status) + ": " + cublasGetStatusString(status));
}

}  // namespace hg::kernels::detail

#define HG_CUDA_CHECK(expr)                                                                 \
  do {                                                                                      \
    const cudaError_t hg_cuda_check_err_ = (expr);                                          \
    if (hg_cuda_check_err_ != cudaSuccess)                                                  \
      ::hg::kernels::detail::throw_cuda_error(hg_cuda_check_err_, #expr, __FILE__, __LINE__); \
  } while (0)

#define HG_CUBLAS_CHECK(expr)                                                                    \
  do {                                                                                           \
    const cublasStatus_t hg_cublas_check_status_ = (expr);                                       \
    if (hg_cublas_check_status_ != CUBLAS_STATUS_SUCCESS)                                        \
      ::hg::kernels::detail::throw_cublas_error(hg_cublas_check_status_, #expr, __FILE__, __LINE__); \
  } while (0)

namespace hg::cuda {
namespace detail {

// HG_SYNC_LAUNCHES=1: synchronize after every launch, so an asynchronous kernel fault is
// reported by the launch that caused it (slow; for debugging).
inline bool sync_launches() {
  static const bool on = [] {
    const char* v = std::getenv("HG_SYNC_LAUNCHES");
    return v != nullptr && std::strcmp(v, "1") == 0;
  }();
  return on;
}

// "kernel(const float*, float*, int)" from launch's __PRETTY_FUNCTION__ (which names KArgs in a
// compiler-specific way: "KArgs = {...}", "KArgs = <...>" or "KArgs=<...>").
inline std::string kernel_signature(const char* pretty) {
  const std::string s(pretty);
  const std::size_t k = s.find("KArgs");
  const std::size_t open = k == std::string::npos ? k : s.find_first_of("{<", k);
  if (open == std::string::npos) return s;
  int depth = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    if (s[i] == '{' || s[i] == '<' || s[i] == '(') ++depth;
    if ((s[i] == '}' || s[i] == '>' || s[i] == ')') && --depth == 0)
      return "kernel(" + s.substr(open + 1, i - open - 1) + ")";
  }
  return s;
}

inline std::string describe_launch(const char* pretty, dim3 grid, dim3 block, std::size_t shmem) {
  return "hg::cuda::launch of " + kernel_signature(pretty) + " with grid (" + std::to_string(grid.x) + "," +
         std::to_string(grid.y) + "," + std::to_string(grid.z) + ") block (" + std::to_string(block.x) + "," +
         std::to_string(block.y) + "," + std::to_string(block.z) + ") shmem " + std::to_string(shmem);
}

[[noreturn]] inline void throw_launch_error(cudaError_t err, const std::string& what) {
  throw ::hg::kernels::DeviceError(what + ": " + cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
}

#if defined(HG_SIMT)
// What every emulated GPU thread of a launch runs: the kernel on a copy of its arguments. A
// capturing stream keeps a heap copy (clone_body), so a graph can replay the launch.
template <class... KArgs>
struct KernelBody {
  void (*kernel)(KArgs...);
  std::tuple<KArgs...> params;
  void operator()() const { std::apply(kernel, params); }
};
template <class Body>
void run_thread_body(void* body) {
  (*static_cast<Body*>(body))();
}
template <class Body>
void* clone_body(const void* body) {
  return new Body(*static_cast<const Body*>(body));
}
template <class Body>
void destroy_body(void* body) {
  delete static_cast<Body*>(body);
}
#else
template <class Tuple, std::size_t... I>
cudaError_t launch_tuple(const void* kernel, dim3 grid, dim3 block, std::size_t shmem, cudaStream_t stream,
                         Tuple& params, std::index_sequence<I...>) {
  void* pointers[sizeof...(I) + 1] = {const_cast<void*>(static_cast<const void*>(&std::get<I>(params)))...};
  return cudaLaunchKernel(kernel, grid, block, pointers, shmem, stream);
}
#endif

}  // namespace detail

// Kernel launches (hg::cuda::launch calls) since the process started, over all devices; the CUDA
// backend adds its cuBLAS calls and graph launches (CudaBackend::kernel_launches).
inline std::atomic<long long>& launch_counter() {
  static std::atomic<long long> count{0};
  return count;
}

// Launches `kernel` on `grid` x `block` threads with `shmem` bytes of dynamic shared memory on
// `stream`. The arguments are converted to the kernel's parameter types (as a kernel call would)
// before the launch. Throws hg::kernels::DeviceError if the launch fails (and, with
// HG_SYNC_LAUNCHES=1, if the kernel fails). Under HG_SIMT the kernel runs to completion before
// launch returns, and the error message names the failing GPU thread and source line.
template <class... KArgs, class... Args>
void launch(void (*kernel)(KArgs...), dim3 grid, dim3 block, std::size_t shmem, cudaStream_t stream,
            Args&&... args) {
  static_assert(sizeof...(KArgs) == sizeof...(Args), "hg::cuda::launch: wrong number of kernel arguments");
  launch_counter().fetch_add(1, std::memory_order_relaxed);
#if defined(HG_SIMT)
  using Body = detail::KernelBody<KArgs...>;
  Body body{kernel, std::tuple<KArgs...>(std::forward<Args>(args)...)};
  cudaError_t err =
      ::hg::simt::launch_kernel(reinterpret_cast<const void*>(kernel), grid, block, shmem, stream,
                                &detail::run_thread_body<Body>, &body, &detail::clone_body<Body>,
                                &detail::destroy_body<Body>);
#else
  std::tuple<KArgs...> params(std::forward<Args>(args)...);
  cudaError_t err = detail::launch_tuple(reinterpret_cast<const void*>(kernel), grid, block, shmem, stream, params,
                                         std::index_sequence_for<KArgs...>{});
#endif
  const cudaError_t last = cudaGetLastError();  // also clears the launch's error state
  if (err == cudaSuccess) err = last;
  if (err != cudaSuccess)
    detail::throw_launch_error(err, detail::describe_launch(__PRETTY_FUNCTION__, grid, block, shmem));
  if (detail::sync_launches()) {
    err = cudaStreamSynchronize(stream);
    if (err == cudaSuccess) err = cudaGetLastError();
    if (err != cudaSuccess)
      detail::throw_launch_error(
          err, detail::describe_launch(__PRETTY_FUNCTION__, grid, block, shmem) + " (HG_SYNC_LAUNCHES=1)");
  }
}

}  // namespace hg::cuda
