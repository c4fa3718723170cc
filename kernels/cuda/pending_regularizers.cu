// TEMPORARY during development: definitions that let everything link until the CUDA regularizer
// kernels lands. Deleted by the helper who implements them.
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "cuda_platform.cuh"

#include <stdexcept>

#include "cuda_backend_impl.cuh"

namespace hg::kernels::cuda {

void CudaBackend::l1_penalty(const float* h, float* out, int64_t n) {
  throw std::logic_error("CudaBackend::l1_penalty: not implemented yet");
}

void CudaBackend::l1_penalty_backward(const float* h, const float* dloss, float scale, float* dh,
                                      int64_t n) {
  throw std::logic_error("CudaBackend::l1_penalty_backward: not implemented yet");
}

void CudaBackend::kl_sparsity(const float* h, float rho, float* rho_hat, float* out, int64_t rows,
                              int64_t units) {
  throw std::logic_error("CudaBackend::kl_sparsity: not implemented yet");
}

void CudaBackend::kl_sparsity_backward(const float* rho_hat, float rho, const float* dloss,
                                       float scale, float* dh, int64_t rows, int64_t units) {
  throw std::logic_error("CudaBackend::kl_sparsity_backward: not implemented yet");
}

void CudaBackend::topk_rows(const float* h, float* y, float* mask, int64_t rows, int64_t cols,
                            int64_t k) {
  throw std::logic_error("CudaBackend::topk_rows: not implemented yet");
}

void CudaBackend::gaussian_kl(const float* mu, const float* logvar, float* kl, int64_t rows,
                              int64_t cols) {
  throw std::logic_error("CudaBackend::gaussian_kl: not implemented yet");
}

void CudaBackend::gaussian_kl_backward(const float* mu, const float* logvar, const float* dloss,
                                       float scale, float* dmu, float* dlogvar, int64_t n) {
  throw std::logic_error("CudaBackend::gaussian_kl_backward: not implemented yet");
}

void CudaBackend::contractive_penalty(ContractiveActivation act, const float* h, const float* w,
                                      float* out, int64_t rows, int64_t hidden, int64_t in) {
  throw std::logic_error("CudaBackend::contractive_penalty: not implemented yet");
}

void CudaBackend::contractive_penalty_backward(ContractiveActivation act, const float* h,
                                               const float* w, const float* dloss, float scale,
                                               float* dh, float* dw, int64_t rows, int64_t hidden,
                                               int64_t in) {
  throw std::logic_error("CudaBackend::contractive_penalty_backward: not implemented yet");
}

void CudaBackend::corrupt(const CorruptionParams& p, const float* x, float* y, int64_t n,
                          uint64_t seed, uint64_t offset) {
  throw std::logic_error("CudaBackend::corrupt: not implemented yet");
}

}  // namespace hg::kernels::cuda
