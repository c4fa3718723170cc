// CPU memory: 64-byte aligned host blocks (whole cache lines, AVX-512 friendly) behind a
// BlockCache, and the process-wide CpuBackend instance.
#include <cstdlib>
#include <cstring>
#include <new>

#include "cpu_backend.h"
#include "hourglass/kernels/cpu_backend.h"

namespace hg::kernels {

Backend& cpu_backend() {
  // Never destroyed: tensors in other static objects may be freed after it at exit, and its
  // cached blocks stay reachable (no leak report) through this pointer.
  static cpu::CpuBackend* const backend = new cpu::CpuBackend();
  return *backend;
}

namespace cpu {

void* HostBlocks::allocate(size_t bytes) {
  // Size classes are multiples of 512 bytes, as aligned_alloc wants multiples of the alignment.
  return std::aligned_alloc(64, bytes);
}

void HostBlocks::release(void* block) {
  std::free(block);
}

void HostBlocks::release_quietly(void* block) noexcept {
  std::free(block);
}

void* CpuBackend::allocate(size_t bytes) {
  return blocks_.allocate(bytes);
}

void CpuBackend::deallocate(void* ptr, size_t) {
  blocks_.deallocate(ptr);
}

AllocatorCounters CpuBackend::allocator_counters() const {
  return blocks_.counters();
}

void CpuBackend::copy_from_host(void* dst, const void* src, size_t bytes) {
  if (bytes) std::memcpy(dst, src, bytes);
}

void CpuBackend::write_bytes(void* dst, const void* src, size_t bytes) {
  if (bytes) std::memcpy(dst, src, bytes);
}

void CpuBackend::copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes) std::memcpy(dst, src, bytes);
}

void CpuBackend::copy(void* dst, const void* src, size_t bytes) {
  if (bytes) std::memmove(dst, src, bytes);
}

}  // namespace cpu
}  // namespace hg::kernels
