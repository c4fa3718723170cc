// device_memory.h (internal): the registry of emulated device allocations.
//
// cudaMalloc memory is ordinary host memory, but the registry remembers every live allocation so
// that copies, memsets and cuBLAS calls can check that a "device" pointer really points into one,
// and that a host pointer is not passed where device memory is expected (and vice versa).
#pragma once

#include <cstddef>
#include <string>

namespace hg::simt::detail {

// Reported as the device's global memory; HG_SIMT_DEVICE_MEM_MB overrides (default 16384).
std::size_t device_memory_total();
std::size_t device_memory_used();

// Allocates `bytes` (256-byte aligned, filled with 0xFF so unwritten floats read as NaN).
// Returns nullptr when the emulated device is full or the host is out of memory.
void* device_allocate(std::size_t bytes);
// Frees a pointer returned by device_allocate; false if it is not the start of a live allocation.
bool device_release(void* p);

// True if p lies inside a live device allocation.
bool is_device_pointer(const void* p);
// True if [p, p + bytes) lies inside one live device allocation; otherwise false with a message
// that names `what` (e.g. "source of cudaMemcpy") and what p actually is.
bool check_device_range(const void* p, std::size_t bytes, const char* what, std::string* why);
// True if no byte of [p, p + bytes) lies in device memory; otherwise false with a message.
bool check_host_range(const void* p, std::size_t bytes, const char* what, std::string* why);

// Pinned host memory (cudaMallocHost): plain host memory, tracked so cudaFreeHost can validate.
void* pinned_allocate(std::size_t bytes);
bool pinned_release(void* p);

}  // namespace hg::simt::detail
