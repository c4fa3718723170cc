// Scratch device memory for the duration of one backend call: taken from the backend's caching
// allocator and handed back when the scope ends (the stream orders its reuse after the kernels
// that use it). Shared by the native convolution (conv.cu), the cuDNN path (cudnn_conv.cu) and the
// split reductions (reduce.cu).
#pragma once

#include "cuda_platform.cuh"

#include <cstddef>

#include "cuda_backend_impl.cuh"

namespace hg::kernels::cuda {

class Scratch {
 public:
  // nullptr for 0 bytes.
  Scratch(CachingAllocator& allocator, size_t bytes)
      : allocator_(allocator), ptr_(bytes > 0 ? allocator.allocate(bytes) : nullptr) {}
  ~Scratch() { allocator_.deallocate(ptr_); }  // a no-op for nullptr
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class P = void>
  P* get() const {
    return static_cast<P*>(ptr_);
  }

 private:
  CachingAllocator& allocator_;
  void* ptr_;
};

}  // namespace hg::kernels::cuda
