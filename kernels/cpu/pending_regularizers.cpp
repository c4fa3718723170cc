// TEMPORARY during development: definitions that let everything link until the CPU regularizer
// kernels lands. Deleted by the helper who implements them.
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <stdexcept>

#include "cpu_backend.h"

namespace hg::kernels::cpu {

void CpuBackend::l1_penalty(const float* h, float* out, int64_t n) {
  throw std::logic_error("CpuBackend::l1_penalty: not implemented yet");
}

void CpuBackend::l1_penalty_backward(const float* h, const float* dloss, float scale, float* dh,
                                     int64_t n) {
  throw std::logic_error("CpuBackend::l1_penalty_backward: not implemented yet");
}

void CpuBackend::kl_sparsity(const float* h, float rho, float* rho_hat, float* out, int64_t rows,
                             int64_t units) {
  throw std::logic_error("CpuBackend::kl_sparsity: not implemented yet");
}

void CpuBackend::kl_sparsity_backward(const float* rho_hat, float rho, const float* dloss,
                                      float scale, float* dh, int64_t rows, int64_t units) {
  throw std::logic_error("CpuBackend::kl_sparsity_backward: not implemented yet");
}

void CpuBackend::topk_rows(const float* h, float* y, float* mask, int64_t rows, int64_t cols,
                           int64_t k) {
  throw std::logic_error("CpuBackend::topk_rows: not implemented yet");
}

void CpuBackend::gaussian_kl(const float* mu, const float* logvar, float* kl, int64_t rows,
                             int64_t cols) {
  throw std::logic_error("CpuBackend::gaussian_kl: not implemented yet");
}

void CpuBackend::gaussian_kl_backward(const float* mu, const float* logvar, const float* dloss,
                                      float scale, float* dmu, float* dlogvar, int64_t n) {
  throw std::logic_error("CpuBackend::gaussian_kl_backward: not implemented yet");
}

void CpuBackend::contractive_penalty(ContractiveActivation act, const float* h, const float* w,
                                     float* out, int64_t rows, int64_t hidden, int64_t in) {
  throw std::logic_error("CpuBackend::contractive_penalty: not implemented yet");
}

void CpuBackend::contractive_penalty_backward(ContractiveActivation act, const float* h,
                                              const float* w, const float* dloss, float scale,
                                              float* dh, float* dw, int64_t rows, int64_t hidden,
                                              int64_t in) {
  throw std::logic_error("CpuBackend::contractive_penalty_backward: not implemented yet");
}

void CpuBackend::corrupt(const CorruptionParams& p, const float* x, float* y, int64_t n,
                         uint64_t seed, uint64_t offset) {
  throw std::logic_error("CpuBackend::corrupt: not implemented yet");
}

}  // namespace hg::kernels::cpu
