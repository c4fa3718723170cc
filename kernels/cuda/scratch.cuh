// Scratch device memory for the duration of one backend call: taken from the backend's caching
// allocator (through CudaBackend::allocate, so a captured graph keeps its blocks) and handed back
// when the scope ends (the stream orders its reuse after the kernels that use it). Shared by the
// native convolution (conv.cu), the cuDNN path (cudnn_conv.cu) and the split reductions
// (reduce.cu).
#pragma once

#include "cuda_platform.cuh"

#include <cstddef>

#include "cuda_backend_impl.cuh"

namespace hg::kernels::cuda {

class Scratch {
 public:
  // nullptr for 0 bytes.
  Scratch(CudaBackend& backend, size_t bytes)
      : backend_(backend), ptr_(bytes > 0 ? backend.allocate(bytes) : nullptr) {}
  ~Scratch() { backend_.deallocate(ptr_, 0); }  // a no-op for nullptr
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class P = void>
  P* get() const {
    return static_cast<P*>(ptr_);
  }

 private:
  CudaBackend& backend_;
  void* ptr_;
};

}  // namespace hg::kernels::cuda
