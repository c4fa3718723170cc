// CUDA memory: the device blocks behind the backend's caching allocator (BlockCache: size
// classes, per-class free lists, one retry after releasing the cache on out-of-memory) and the
// backend's copies. Host copies go through one reused pinned staging buffer, in chunks, each
// enqueued on the backend's stream and waited for, so they are ordered after earlier work and the
// host buffer is free again on return.
#include "cuda_platform.cuh"

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

#include "cuda_backend_impl.cuh"

namespace hg::kernels::cuda {

namespace {

constexpr size_t kStagingMax = size_t{8} << 20;  // largest chunk of a host copy

// write_bytes' payload: passed by value, so it lives in the launch's parameter space (4 KiB at
// most on every architecture we build for) and a captured graph keeps its own copy.
constexpr int kWriteChunk = 2048;
struct WriteChunk {
  unsigned char bytes[kWriteChunk];
};

__global__ void write_bytes_kernel(unsigned char* dst, WriteChunk chunk, int n) {
  for (int i = threadIdx.x; i < n; i += blockDim.x)
    dst[i] = chunk.bytes[i];
}

}  // namespace

// ---- CudaBlocks
// ----------------------------------------------------------------------------------

void* CudaBlocks::allocate(size_t bytes) {
  void* block = nullptr;
  const cudaError_t err = cudaMalloc(&block, bytes);
  if (err == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();  // clear it: the cache is released and the allocation retried
    return nullptr;
  }
  HG_CUDA_CHECK(err);
  return block;
}

// cudaFree waits for the device, so blocks still read by enqueued kernels are safe to free.
void CudaBlocks::release(void* block) {
  HG_CUDA_CHECK(cudaFree(block));
}

void CudaBlocks::release_quietly(void* block) noexcept {
  (void)cudaFree(block);
  (void)cudaGetLastError();
}

// ---- CudaBackend memory methods
// ------------------------------------------------------------------

// Outside audits, captures and graphs these are the caching allocator's. An audit notes a miss of
// the cache (a cudaMalloc in the step); a capture lists the blocks its work takes and reuses the
// ones it freed first; a block a live graph uses is parked when freed (graph.cu).
void* CudaBackend::allocate(size_t bytes) {
  activate();
  std::lock_guard<std::mutex> lock(graph_mutex_);
  if (watch_ == Watch::kNone) return allocator_.allocate(bytes);
  const size_t cls = CachingAllocator::size_class(bytes);
  if (watch_ == Watch::kCapture) {
    auto it = capture_free_.find(cls);
    if (it != capture_free_.end() && !it->second.empty()) {
      void* block = it->second.back();
      it->second.pop_back();
      return block;
    }
  }
  const int64_t hits = allocator_.cache_hits();
  void* block = allocator_.allocate(bytes);
  if (allocator_.cache_hits() == hits && unsupported_.empty())
    unsupported_ = "a new device allocation (" + std::to_string(bytes) + " bytes)";
  if (watch_ == Watch::kCapture) capture_blocks_.emplace(block, cls);
  return block;
}

void CudaBackend::deallocate(void* ptr, size_t) {
  if (ptr == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(graph_mutex_);
    if (watch_ == Watch::kCapture) {
      auto it = capture_blocks_.find(ptr);
      if (it != capture_blocks_.end()) {
        capture_free_[it->second].push_back(ptr);
        return;
      }
    }
    if (reserved_.count(ptr) != 0) {
      parked_[ptr] = true;
      return;
    }
  }
  allocator_.deallocate(ptr);
}

AllocatorCounters CudaBackend::allocator_counters() const {
  AllocatorCounters counters = allocator_.counters();
  std::lock_guard<std::mutex> lock(staging_mutex_);
  counters.source_allocations += staging_allocations_;
  counters.source_releases += staging_allocations_ - (staging_ != nullptr ? 1 : 0);
  return counters;
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
  ++staging_allocations_;
}

void CudaBackend::copy_from_host(void* dst, const void* host_src, size_t bytes) {
  if (bytes == 0) return;
  activate();
  note_unsupported("a copy from the host");
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

void CudaBackend::write_bytes(void* dst, const void* host_src, size_t bytes) {
  if (bytes == 0) return;
  activate();
  auto* out = static_cast<unsigned char*>(dst);
  const auto* in = static_cast<const unsigned char*>(host_src);
  for (size_t done = 0; done < bytes; done += kWriteChunk) {
    const int n = static_cast<int>(std::min<size_t>(kWriteChunk, bytes - done));
    WriteChunk chunk;
    std::memcpy(chunk.bytes, in + done, static_cast<size_t>(n));
    hg::cuda::launch(write_bytes_kernel, dim3(1), dim3(256), 0, stream_, out + done, chunk, n);
  }
}

void CudaBackend::copy_to_host(void* host_dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  activate();
  note_unsupported("a host read");
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
    void* tmp = allocate(bytes);
    HG_CUDA_CHECK(cudaMemcpyAsync(tmp, src, bytes, cudaMemcpyDeviceToDevice, stream_));
    HG_CUDA_CHECK(cudaMemcpyAsync(dst, tmp, bytes, cudaMemcpyDeviceToDevice, stream_));
    deallocate(tmp, bytes);
    return;
  }
  HG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_));
}

void CudaBackend::synchronize() {
  activate();
  note_unsupported("a synchronization");
  HG_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

}  // namespace hg::kernels::cuda
