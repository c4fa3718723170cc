// Counters of a backend's memory allocator since the backend was created: how many requests it
// served, how many of those came from its cache of freed blocks, how many went to the
// underlying source (the OS for host memory, the driver for device memory). A training step that
// allocates nothing new leaves source_allocations unchanged (when the allocator caches at all), and
// training whose memory stays flat leaves peak_bytes_in_use where its first epoch left it.
#pragma once

#include <cstdint>

namespace hg::kernels {

struct AllocatorCounters {
  int64_t requests = 0;            // allocate calls
  int64_t cache_hits = 0;          // of those, served from a cached free block
  int64_t source_allocations = 0;  // blocks obtained from the OS / driver
  int64_t source_releases = 0;     // blocks given back to the OS / driver
  // Not counters: the bytes (of size classes) of the blocks in use now and at most at any time
  // since creation; and the most bytes of freed blocks the allocator keeps, where 0 means every
  // freed block goes back at once (the CPU backend under AddressSanitizer, so a use after free
  // is reported).
  uint64_t bytes_in_use = 0;
  uint64_t peak_bytes_in_use = 0;
  uint64_t max_cached_bytes = 0;
};

}  // namespace hg::kernels
