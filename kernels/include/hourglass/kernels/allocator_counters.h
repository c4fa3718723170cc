// Counters of a backend's memory allocator since the backend was created: how many requests it
// served, how many of those came from its cache of freed blocks, and how many went to the
// underlying source (the OS for host memory, the driver for device memory). A training step that
// allocates nothing new leaves source_allocations unchanged.
#pragma once

#include <cstdint>

namespace hg::kernels {

struct AllocatorCounters {
  int64_t requests = 0;            // allocate calls
  int64_t cache_hits = 0;          // of those, served from a cached free block
  int64_t source_allocations = 0;  // blocks obtained from the OS / driver
  int64_t source_releases = 0;     // blocks given back to the OS / driver
};

}  // namespace hg::kernels
