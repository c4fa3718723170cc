// CUDA memory: the caching allocator (size classes, per-class free lists, one retry after
// releasing the cache on out-of-memory) and the backend's copies. Host copies go through one
// reused pinned staging buffer, in chunks, each enqueued on the backend's stream and waited for,
// so they are ordered after earlier work and the host buffer is free again on return.
#include "cuda_platform.cuh"

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

#include "cuda_backend_impl.cuh"

namespace hg::kernels::cuda {

namespace {

constexpr size_t kSmallStep = 512;           // granularity of classes up to kLargeThreshold
constexpr size_t kLargeThreshold = 1 << 20;  // above: four classes per power of two
constexpr size_t kMaxRequest = size_t{1} << 50;
constexpr size_t kStagingMax = size_t{8} << 20;  // largest chunk of a host copy

size_t round_up(size_t bytes, size_t step) {
  return (bytes + step - 1) / step * step;
}

}  // namespace

// ---- CachingAllocator
// ----------------------------------------------------------------------------

size_t CachingAllocator::size_class(size_t bytes) {
  if (bytes <= kLargeThreshold) return std::max(kSmallStep, round_up(bytes, kSmallStep));
  size_t power = kLargeThreshold;
  while (power * 2 <= bytes)
    power *= 2;
  return round_up(bytes, power / 4);
}

void* CachingAllocator::allocate(size_t bytes) {
  if (bytes > kMaxRequest) throw std::bad_alloc();
  const size_t cls = size_class(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  void* ptr = nullptr;
  auto it = free_.find(cls);
  if (it != free_.end() && !it->second.empty()) {
    ptr = it->second.back();
    it->second.pop_back();
    cached_ -= cls;
    ++hits_;
  } else {
    const cudaError_t err = cudaMalloc(&ptr, cls);
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      release_cached_locked();
      HG_CUDA_CHECK(cudaMalloc(&ptr, cls));
    } else {
      HG_CUDA_CHECK(err);
    }
  }
  live_.emplace(ptr, cls);
  in_use_ += cls;
  return ptr;
}

void CachingAllocator::deallocate(void* ptr) {
  if (ptr == nullptr) return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(ptr);
  if (it == live_.end())
    throw std::invalid_argument("CachingAllocator::deallocate: pointer not allocated here");
  const size_t cls = it->second;
  live_.erase(it);
  in_use_ -= cls;
  free_[cls].push_back(ptr);
  cached_ += cls;
}

void CachingAllocator::release_cached() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_cached_locked();
}

void CachingAllocator::release_cached_locked() {
  // cudaFree waits for the device, so blocks still read by enqueued kernels are safe to free.
  cudaError_t first_error = cudaSuccess;
  for (auto& [cls, blocks] : free_)
    for (void* p : blocks) {
      const cudaError_t err = cudaFree(p);
      if (first_error == cudaSuccess) first_error = err;
    }
  free_.clear();
  cached_ = 0;
  HG_CUDA_CHECK(first_error);
}

void CachingAllocator::release_all() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [cls, blocks] : free_)
    for (void* p : blocks)
      (void)cudaFree(p);
  for (auto& [p, cls] : live_)
    (void)cudaFree(p);
  free_.clear();
  live_.clear();
  cached_ = 0;
  in_use_ = 0;
  (void)cudaGetLastError();
}

size_t CachingAllocator::bytes_in_use() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_use_;
}

size_t CachingAllocator::bytes_cached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_;
}

int64_t CachingAllocator::cache_hits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hits_;
}

// ---- CudaBackend memory methods
// ------------------------------------------------------------------

void* CudaBackend::allocate(size_t bytes) {
  activate();
  return allocator_.allocate(bytes);
}

void CudaBackend::deallocate(void* ptr, size_t) {
  allocator_.deallocate(ptr);
}

void CudaBackend::ensure_staging(size_t bytes) {
  if (bytes <= staging_bytes_) return;
  const size_t grown = std::min(kStagingMax, std::max(bytes, 2 * staging_bytes_));
  if (staging_ != nullptr) {
    HG_CUDA_CHECK(cudaFreeHost(staging_));
    staging_ = nullptr;
    staging_bytes_ = 0;
  }
  HG_CUDA_CHECK(cudaMallocHost(&staging_, grown));
  staging_bytes_ = grown;
}

void CudaBackend::copy_from_host(void* dst, const void* host_src, size_t bytes) {
  if (bytes == 0) return;
  activate();
  std::lock_guard<std::mutex> lock(staging_mutex_);
  ensure_staging(std::min(bytes, kStagingMax));
  auto* out = static_cast<char*>(dst);
  const auto* in = static_cast<const char*>(host_src);
  for (size_t done = 0; done < bytes;) {
    const size_t chunk = std::min(staging_bytes_, bytes - done);
    std::memcpy(staging_, in + done, chunk);
    HG_CUDA_CHECK(cudaMemcpyAsync(out + done, staging_, chunk, cudaMemcpyHostToDevice, stream_));
    HG_CUDA_CHECK(cudaStreamSynchronize(stream_));  // the staging buffer is refilled next
    done += chunk;
  }
}

void CudaBackend::copy_to_host(void* host_dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  activate();
  std::lock_guard<std::mutex> lock(staging_mutex_);
  ensure_staging(std::min(bytes, kStagingMax));
  auto* out = static_cast<char*>(host_dst);
  const auto* in = static_cast<const char*>(src);
  for (size_t done = 0; done < bytes;) {
    const size_t chunk = std::min(staging_bytes_, bytes - done);
    HG_CUDA_CHECK(cudaMemcpyAsync(staging_, in + done, chunk, cudaMemcpyDeviceToHost, stream_));
    HG_CUDA_CHECK(cudaStreamSynchronize(stream_));
    std::memcpy(out + done, staging_, chunk);
    done += chunk;
  }
}

void CudaBackend::copy(void* dst, const void* src, size_t bytes) {
  if (bytes == 0 || dst == src) return;
  activate();
  const auto* d = static_cast<const char*>(dst);
  const auto* s = static_cast<const char*>(src);
  if (d < s + bytes && s < d + bytes) {
    // Overlapping ranges (memmove semantics): cudaMemcpy does not allow them, so go through a
    // temporary block.
    void* tmp = allocator_.allocate(bytes);
    HG_CUDA_CHECK(cudaMemcpyAsync(tmp, src, bytes, cudaMemcpyDeviceToDevice, stream_));
    HG_CUDA_CHECK(cudaMemcpyAsync(dst, tmp, bytes, cudaMemcpyDeviceToDevice, stream_));
    allocator_.deallocate(tmp);
    return;
  }
  HG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_));
}

void CudaBackend::synchronize() {
  activate();
  HG_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

}  // namespace hg::kernels::cuda
