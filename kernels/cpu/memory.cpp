// CPU memory: 64-byte aligned host allocations (whole cache lines, AVX-512 friendly) and the
// process-wide CpuBackend instance.
#include <cstdlib>
#include <cstring>
#include <new>

#include "cpu_backend.h"
#include "hourglass/kernels/cpu_backend.h"

namespace hg::kernels {

Backend& cpu_backend() {
  static cpu::CpuBackend backend;
  return backend;
}

namespace cpu {

void* CpuBackend::allocate(size_t bytes) {
  constexpr size_t kAlignment = 64;
  const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* ptr = std::aligned_alloc(kAlignment, rounded);
  if (ptr == nullptr) throw std::bad_alloc();
  return ptr;
}

void CpuBackend::deallocate(void* ptr, size_t) {
  std::free(ptr);
}

void CpuBackend::copy_from_host(void* dst, const void* src, size_t bytes) {
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
