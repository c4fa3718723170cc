// BlockCache: the size classes and free lists of a caching allocator, for any kind of memory.
// The CUDA backend caches device blocks (cudaMalloc and cudaFree synchronize the device). The
// CPU backend caches host blocks: a large fresh host block is freshly mapped pages, each faulted
// in and zeroed by the kernel on first touch, and that was ~5% of a conv autoencoder's CPU
// training step.
//
// Requests round up to a multiple of 512 B below 1 MiB, and above that to one of four classes
// per power of two (at most 25% slack). A freed block goes to the free list of its class, and the
// next request of that class reuses it. When the source runs out of memory, the cache is released
// and the allocation retried once. A freed block that would take the cache past max_cached bytes
// goes back to the source at once.
//
// Source provides:
//   void* allocate(size_t bytes)       nullptr when out of memory; throws on any other failure
//   void release(void* block)          may throw (the first failure of a release_cached() is
//                                      rethrown after every block was tried)
//   void release_quietly(void* block)  noexcept, for release_all() at exit
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <new>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hourglass/kernels/allocator_counters.h"

namespace hg::kernels {

template <class Source>
class BlockCache {
 public:
  explicit BlockCache(Source source = Source(), size_t max_cached = SIZE_MAX)
      : source_(std::move(source)), max_cached_(max_cached) {}
  ~BlockCache() { release_all(); }
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  void* allocate(size_t bytes) {
    if (bytes > kMaxRequest) throw std::bad_alloc();
    const size_t cls = size_class(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    void* block = nullptr;
    ++counters_.requests;
    auto it = free_.find(cls);
    if (it != free_.end() && !it->second.empty()) {
      block = it->second.back();
      it->second.pop_back();
      cached_ -= cls;
      ++counters_.cache_hits;
    } else {
      block = source_.allocate(cls);
      if (block == nullptr) {
        release_cached_locked();
        block = source_.allocate(cls);
        if (block == nullptr) throw std::bad_alloc();
      }
      ++counters_.source_allocations;
    }
    live_.emplace(block, cls);
    in_use_ += cls;
    peak_in_use_ = std::max(peak_in_use_, in_use_);
    return block;
  }

  // Returns a block to its free list (or to the source past max_cached); block must come from
  // allocate. nullptr is ignored.
  void deallocate(void* block) {
    if (block == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(block);
    if (it == live_.end())
      throw std::invalid_argument("BlockCache::deallocate: pointer not allocated here");
    const size_t cls = it->second;
    live_.erase(it);
    in_use_ -= cls;
    if (cached_ + cls > max_cached_) {
      ++counters_.source_releases;
      source_.release(block);
      return;
    }
    free_[cls].push_back(block);
    cached_ += cls;
  }

  // Gives every cached (free) block back to the source.
  void release_cached() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cached_locked();
  }

  // Gives every block back, cached or still in use (at exit); failures are ignored.
  void release_all() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [cls, blocks] : free_)
      for (void* block : blocks)
        source_.release_quietly(block);
    for (auto& [block, cls] : live_)
      source_.release_quietly(block);
    free_.clear();
    live_.clear();
    cached_ = 0;
    in_use_ = 0;
  }

  size_t bytes_in_use() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return in_use_;
  }
  size_t bytes_cached() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }
  // How many allocate calls were served from the cache.
  int64_t cache_hits() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return counters_.cache_hits;
  }
  // Requests, cache hits, and blocks taken from / given back to the source since construction.
  AllocatorCounters counters() const {
    std::lock_guard<std::mutex> lock(mutex_);
    AllocatorCounters out = counters_;
    out.bytes_in_use = in_use_;
    out.peak_bytes_in_use = peak_in_use_;
    out.max_cached_bytes = max_cached_;
    return out;
  }

  // The size class (bytes actually allocated) of a request.
  static size_t size_class(size_t bytes) {
    if (bytes <= kLargeThreshold)
      return bytes <= kSmallStep ? kSmallStep : round_up(bytes, kSmallStep);
    size_t power = kLargeThreshold;
    while (power * 2 <= bytes)
      power *= 2;
    return round_up(bytes, power / 4);
  }

 private:
  static constexpr size_t kSmallStep = 512;           // class step up to kLargeThreshold
  static constexpr size_t kLargeThreshold = 1 << 20;  // above: four classes per power of two
  static constexpr size_t kMaxRequest = size_t{1} << 50;

  static size_t round_up(size_t bytes, size_t step) { return (bytes + step - 1) / step * step; }

  void release_cached_locked() {
    std::exception_ptr first_failure;
    for (auto& [cls, blocks] : free_)
      for (void* block : blocks) {
        try {
          ++counters_.source_releases;
          source_.release(block);
        } catch (...) {
          if (!first_failure) first_failure = std::current_exception();
        }
      }
    free_.clear();
    cached_ = 0;
    if (first_failure) std::rethrow_exception(first_failure);
  }

  Source source_;
  size_t max_cached_;
  mutable std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;  // size class -> free blocks
  std::unordered_map<void*, size_t> live_;               // block in use -> its size class
  size_t in_use_ = 0;
  size_t peak_in_use_ = 0;
  size_t cached_ = 0;
  AllocatorCounters counters_;
};

}  // namespace hg::kernels
