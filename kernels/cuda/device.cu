// The CUDA backend's entry points (hourglass/kernels/cuda_backend.h): device discovery, device
// descriptions, the lazily created per-device backends, and CudaBackend's own set-up and
// tear-down (stream, cuBLAS handle, launch geometry).
#include "cuda_platform.cuh"

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "cuda_backend_impl.cuh"
#include "hourglass/kernels/cuda_backend.h"

namespace hg::kernels::cuda {

namespace {

constexpr int kMaxDevices = 64;

// Backends live until exit. Each is heap-allocated and destroyed by an exit handler registered
// right after it is built: its constructor has by then touched every part of the runtime its
// destructor uses (streams, cuBLAS, device and pinned memory), so the runtime's own state is
// still alive when the handler runs (exit handlers and static destructors run in reverse order
// of registration).
std::mutex g_backends_mutex;
CudaBackend* g_backends[kMaxDevices] = {};

void destroy_backends() {
  std::lock_guard<std::mutex> lock(g_backends_mutex);
  for (CudaBackend*& b : g_backends) {
    delete b;
    b = nullptr;
  }
}

void check_index(int index) {
  const int count = device_count();
  if (index < 0 || index >= count)
    throw std::out_of_range("cuda device " + std::to_string(index) + " does not exist (" +
                            std::to_string(count) + " device(s) present)");
}

}  // namespace

int device_count() noexcept {
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      (void)cudaGetLastError();  // no driver or no GPU: not an error for the caller
      return 0;
    }
    return std::min(n, kMaxDevices);
  }();
  return count;
}

bool is_emulated() noexcept {
#if defined(HG_SIMT)
  return true;
#else
  return false;
#endif
}

std::string describe_device(int index) {
  check_index(index);
  cudaDeviceProp prop{};
  HG_CUDA_CHECK(cudaGetDeviceProperties(&prop, index));
  std::ostringstream out;
  out << prop.name << " (compute capability " << prop.major << '.' << prop.minor << ", "
      << prop.multiProcessorCount << " SMs, " << std::fixed << std::setprecision(1)
      << static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0) << " GiB"
      << (is_emulated() ? ", SIMT emulator on the CPU" : "") << ')';
  return out.str();
}

Backend& backend(int index) {
  check_index(index);
  std::lock_guard<std::mutex> lock(g_backends_mutex);
  CudaBackend*& slot = g_backends[index];
  if (slot == nullptr) {
    slot = new CudaBackend(index);
    std::atexit(destroy_backends);
  }
  return *slot;
}

// ---- CudaBackend set-up ------------------------------------------------------------------------

CudaBackend::CudaBackend(int device) : device_(device) {
  try {
    activate();
    cudaDeviceProp prop{};
    HG_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    const int blocks_per_sm = std::max(1, prop.maxThreadsPerMultiProcessor / 256);
    max_resident_blocks_ = std::max(1, prop.multiProcessorCount * blocks_per_sm);
    // A blocking stream: it also orders with work on the legacy default stream (events recorded
    // there by benchmarks, libraries that use stream 0).
    HG_CUDA_CHECK(cudaStreamCreate(&stream_));
    HG_CUBLAS_CHECK(cublasCreate(&cublas_));
    HG_CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
    ensure_staging(1 << 20);
    // Device memory too is set up now rather than at the first tensor (see g_backends).
    void* probe = nullptr;
    HG_CUDA_CHECK(cudaMalloc(&probe, 256));
    HG_CUDA_CHECK(cudaFree(probe));
  } catch (...) {
    if (cublas_ != nullptr) cublasDestroy(cublas_);
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
    if (staging_ != nullptr) cudaFreeHost(staging_);
    throw;
  }
}

CudaBackend::~CudaBackend() {
  // At exit the driver may already be shutting down: errors here are ignored, never thrown.
  cudaSetDevice(device_);
  cudaStreamSynchronize(stream_);
  allocator_.release_all();
  if (staging_ != nullptr) cudaFreeHost(staging_);
  cublasDestroy(cublas_);
  cudaStreamDestroy(stream_);
  (void)cudaGetLastError();
}

void CudaBackend::activate() const {
  HG_CUDA_CHECK(cudaSetDevice(device_));
}

unsigned CudaBackend::grid_for(int64_t items, int threads) const {
  // Four waves of resident blocks: enough to hide tails and keep every SM busy.
  const int64_t cap = std::max<int64_t>(1, int64_t{4} * max_resident_blocks_ * 256 / threads);
  const int64_t needed = (items + threads - 1) / threads;
  return static_cast<unsigned>(std::max<int64_t>(1, std::min(needed, cap)));
}

}  // namespace hg::kernels::cuda
