// Shared timing helpers of the kernel micro-benchmarks (bench/bench_*.cpp).
//
// Every benchmark runs one Backend method on buffers of a given size (larger than the GPU's L2,
// and than the CPU's last-level cache) on the CPU backend and, when a real GPU is present, on the
// CUDA backend. It reports, side by side from the same run:
//   GB/s          bytes the op must move (each input read once, each output written once) / time
//   copy_GB/s     the same backend's device-to-device copy (cudaMemcpyAsync on the GPU, memmove on
//                 the CPU) moving the same number of bytes (half read, half written)
//   ratio_to_copy GB/s / copy_GB/s: 1.0 means the kernel runs at copy (roofline) speed
// GPU times come from CUDA events recorded on the legacy default stream: the backend's stream is
// a blocking stream, so events there bracket exactly the work enqueued between them. CPU times
// come from steady_clock (the CPU backend is synchronous). Iteration times are reported with
// UseManualTime. Without a real GPU (no CUDA backend, no device, or the SIMT emulator) the GPU
// variants are not registered and a line on stderr says why.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "hourglass/core/device.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/kernels/cpu_backend.h"

#if defined(HG_BENCH_CUDA)
#include <cuda_runtime.h>
#endif

namespace hg::bench {

// Buffer size per array, in MiB, unless the benchmark's argument says otherwise.
constexpr int64_t kCpuMiB = 64;
constexpr int64_t kGpuMiB = 256;

// Empty when GPU benchmarks can run; otherwise the reason they cannot.
inline std::string gpu_unavailable_reason() {
#if !defined(HG_BENCH_CUDA)
  return "this build has no nvcc-compiled CUDA backend";
#else
  if (!cuda_available()) return "no usable CUDA device (no driver or no GPU)";
  if (cuda_is_emulated()) return "the cuda device is the SIMT emulator";
  return "";
#endif
}

// Arrays of floats on one backend, freed with the benchmark.
class Buffers {
 public:
  explicit Buffers(kernels::Backend& backend) : backend_(backend) {}
  ~Buffers() {
    backend_.synchronize();
    for (auto& [ptr, bytes] : owned_)
      backend_.deallocate(ptr, bytes);
  }
  Buffers(const Buffers&) = delete;
  Buffers& operator=(const Buffers&) = delete;

  // n floats drawn uniformly from [lo, hi) (distinct seeds per array).
  float* uniform(int64_t n, float lo, float hi) {
    float* p = raw(n);
    backend_.random_uniform(p, n, 1234, static_cast<uint64_t>(owned_.size()) << 40, lo, hi);
    return p;
  }
  float* constant(int64_t n, float value) {
    float* p = raw(n);
    backend_.fill(p, value, n);
    return p;
  }
  float* raw(int64_t n) {
    const size_t bytes = static_cast<size_t>(n) * sizeof(float);
    void* p = backend_.allocate(bytes);
    owned_.emplace_back(p, bytes);
    return static_cast<float*>(p);
  }

 private:
  kernels::Backend& backend_;
  std::vector<std::pair<void*, size_t>> owned_;
};

// Seconds taken by one call of fn on the backend (see the file comment).
class Timer {
 public:
  explicit Timer(bool gpu) : gpu_(gpu) {
#if defined(HG_BENCH_CUDA)
    if (gpu_) {
      cudaEventCreate(&start_);
      cudaEventCreate(&stop_);
    }
#endif
  }
  ~Timer() {
#if defined(HG_BENCH_CUDA)
    if (gpu_) {
      cudaEventDestroy(start_);
      cudaEventDestroy(stop_);
    }
#endif
  }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  double seconds(const std::function<void()>& fn) {
#if defined(HG_BENCH_CUDA)
    if (gpu_) {
      cudaEventRecord(start_, 0);
      fn();
      cudaEventRecord(stop_, 0);
      cudaEventSynchronize(stop_);
      float ms = 0.0f;
      cudaEventElapsedTime(&ms, start_, stop_);
      return ms * 1e-3;
    }
#endif
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

 private:
  bool gpu_;
#if defined(HG_BENCH_CUDA)
  cudaEvent_t start_{}, stop_{};
#endif
};

// Median time of `repeats` calls, after one warm-up call.
inline double median_seconds(Timer& timer, const std::function<void()>& fn, int repeats) {
  fn();
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i)
    t.push_back(timer.seconds(fn));
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// What one benchmark needs from its definition: the op (enqueued on `backend`, on arrays it
// allocated in `buffers` from `n` elements each) and the bytes it must move.
struct Kernel {
  std::function<void()> op;
  double bytes;
};
using KernelFactory = std::function<Kernel(kernels::Backend& backend, Buffers& buffers, int64_t n)>;

// The benchmark body: arrays of n elements, warm-up, timed iterations, then the copy baseline
// over the same traffic and the counters.
inline void run_kernel(benchmark::State& state, bool gpu, const KernelFactory& make, int64_t n) {
  kernels::Backend& backend = gpu ? backend_for(Device::cuda(0)) : kernels::cpu_backend();
  double kernel_seconds = 0.0, bytes = 0.0, copy_seconds = 0.0;
  {
    Buffers buffers(backend);
    Kernel kernel = make(backend, buffers, n);
    bytes = kernel.bytes;
    Timer timer(gpu);
    for (int i = 0; i < 3; ++i)  // warm-up: caches, clocks, lazy initialisation
      kernel.op();
    backend.synchronize();
    for (auto _ : state) {
      const double s = timer.seconds(kernel.op);
      state.SetIterationTime(s);
      kernel_seconds += s;
    }
  }
  {
    Buffers buffers(backend);
    const int64_t copy_floats = static_cast<int64_t>(bytes / 2 / sizeof(float));
    float* src = buffers.constant(copy_floats, 1.0f);
    float* dst = buffers.raw(copy_floats);
    Timer timer(gpu);
    copy_seconds = median_seconds(
        timer, [&] { backend.copy(dst, src, static_cast<size_t>(copy_floats) * sizeof(float)); },
        9);
  }
  const double iterations = static_cast<double>(state.iterations());
  const double gbps = kernel_seconds > 0.0 ? bytes * iterations / kernel_seconds * 1e-9 : 0.0;
  const double copy_gbps = copy_seconds > 0.0 ? bytes / copy_seconds * 1e-9 : 0.0;
  state.SetBytesProcessed(static_cast<int64_t>(bytes * iterations));
  state.counters["GB/s"] = gbps;
  state.counters["copy_GB/s"] = copy_gbps;
  state.counters["ratio_to_copy"] = copy_gbps > 0.0 ? gbps / copy_gbps : 0.0;
  state.SetLabel(gpu ? "cuda:0" : "cpu");
}

// Registers "<name>/cpu" always and "<name>/cuda" when a real GPU is present.
inline void add(const std::string& name, const KernelFactory& make, bool with_gpu) {
  auto reg = [&](bool gpu) {
    benchmark::RegisterBenchmark(
        (name + (gpu ? "/cuda" : "/cpu")).c_str(),
        [make, gpu](benchmark::State& state) {
          run_kernel(state, gpu, make,
                     state.range(0) * (int64_t{1} << 20) / static_cast<int64_t>(sizeof(float)));
        })
        ->Arg(gpu ? kGpuMiB : kCpuMiB)
        ->ArgName("MiB")
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
  };
  reg(false);
  if (with_gpu) reg(true);
}

// Registers "<name>/cpu/elements:N" for each N in `elements`: arrays small enough to stay in the
// CPU's caches (one activation of a model), where compute rather than memory bandwidth decides.
inline void add_cpu_elements(const std::string& name, const KernelFactory& make,
                             const std::vector<int64_t>& elements) {
  for (int64_t n : elements)
    benchmark::RegisterBenchmark(
        (name + "/cpu").c_str(),
        [make, n](benchmark::State& state) { run_kernel(state, false, make, n); })
        ->Arg(n)
        ->ArgName("elements")
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
}

// main() of every kernel benchmark: registers its kernels (via `register_all(with_gpu)`), says
// why GPU variants are missing, runs, and exits 0.
inline int main(int argc, char** argv, void (*register_all)(bool with_gpu)) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const std::string why = gpu_unavailable_reason();
  if (!why.empty())
    std::fprintf(stderr, "GPU benchmarks skipped: %s; running the CPU variants only.\n",
                 why.c_str());
  register_all(why.empty());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace hg::bench
