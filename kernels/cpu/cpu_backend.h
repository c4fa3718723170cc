// CpuBackend: the CPU twin of every kernel. Its methods are defined across this folder, one
// file per op family (memory, elementwise, reduce, gemm, loss, random, optimizer).
#pragma once

#include <cstddef>

#include "hourglass/kernels/backend.h"
#include "hourglass/kernels/common/block_cache.h"

namespace hg::kernels::cpu {

// 64-byte aligned host memory (whole cache lines) for the backend's BlockCache.
struct HostBlocks {
  void* allocate(size_t bytes);  // nullptr when out of memory
  void release(void* block);
  void release_quietly(void* block) noexcept;
};

class CpuBackend final : public Backend {
 public:
  std::string name() const override { return "cpu"; }

  void* allocate(size_t bytes) override;
  void deallocate(void* ptr, size_t bytes) override;
  void copy_from_host(void* dst, const void* host_src, size_t bytes) override;
  void write_bytes(void* dst, const void* host_src, size_t bytes) override;
  void copy_to_host(void* host_dst, const void* src, size_t bytes) override;
  void copy(void* dst, const void* src, size_t bytes) override;
  void synchronize() override {}
  AllocatorCounters allocator_counters() const override;

  void fill(float* y, float value, int64_t n) override;
  void fill_i32(int32_t* y, int32_t value, int64_t n) override;
  void fill_u8(uint8_t* y, uint8_t value, int64_t n) override;
  void u8_to_f32(const uint8_t* x, float* y, float scale, int64_t n) override;
  void unary(UnaryOp op, float alpha, const float* x, float* y, int64_t n) override;
  void unary_backward(UnaryOp op, float alpha, const float* x, const float* y, const float* dy,
                      float* dx, int64_t n) override;
  void binary(BinaryOp op, const BroadcastIndex& index, const float* a, const float* b,
              float* y) override;
  void axpby(float alpha, const float* x, float beta, float* y, int64_t n) override;

  void reduce_sum(const float* x, float* y, int64_t outer, int64_t axis, int64_t inner) override;

  void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
            const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
            int64_t ldc) override;

  void pointwise_loss(PointwiseLoss kind, const float* x, const float* t, float* loss,
                      int64_t n) override;
  void pointwise_loss_backward(PointwiseLoss kind, const float* x, const float* t,
                               const float* dloss, float scale, float* dx, int64_t n) override;
  void softmax_cross_entropy(const float* logits, const int32_t* labels, float* loss, int64_t rows,
                             int64_t classes) override;
  void softmax_cross_entropy_backward(const float* logits, const int32_t* labels,
                                      const float* dloss, float scale, float* dlogits, int64_t rows,
                                      int64_t classes) override;

  void random_uniform(float* y, int64_t n, uint64_t seed, uint64_t offset, float lo,
                      float hi) override;
  void random_normal(float* y, int64_t n, uint64_t seed, uint64_t offset, float mean,
                     float stddev) override;

  void sgd_multi_step(const MultiTensorTable& table, const SgdParams& p) override;
  void adam_multi_step(const MultiTensorTable& table, const AdamParams& p) override;
  void adadelta_multi_step(const MultiTensorTable& table, const AdadeltaParams& p) override;
  void adagrad_multi_step(const MultiTensorTable& table, const AdagradParams& p) override;

  // convolution (conv.cpp), pooling (pool.cpp), upsampling (upsample.cpp)
  void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                      float* y) override;
  void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                            const float* bias, float* dx) override;
  void conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                              float* dbias) override;

  void max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                          int32_t* argmax) override;
  void max_pool2d_backward(const Pool2dGeometry& g, const float* dy, const int32_t* argmax,
                           float* dx) override;
  void avg_pool2d_forward(const Pool2dGeometry& g, bool count_include_pad, const float* x,
                          float* y) override;
  void avg_pool2d_backward(const Pool2dGeometry& g, bool count_include_pad, const float* dy,
                           float* dx) override;
  void upsample2d_forward(UpsampleMode mode, const Upsample2dGeometry& g, const float* x,
                          float* y) override;
  void upsample2d_backward(UpsampleMode mode, const Upsample2dGeometry& g, const float* dy,
                           float* dx) override;

  // autoencoder losses and penalties (regularizers.cpp)
  void l1_penalty(const float* h, float* out, int64_t n) override;
  void l1_penalty_backward(const float* h, const float* dloss, float scale, float* dh,
                           int64_t n) override;
  void kl_sparsity(const float* h, float rho, float* rho_hat, float* out, int64_t rows,
                   int64_t units) override;
  void kl_sparsity_backward(const float* rho_hat, float rho, const float* dloss, float scale,
                            float* dh, int64_t rows, int64_t units) override;
  void topk_rows(const float* h, float* y, float* mask, int64_t rows, int64_t cols,
                 int64_t k) override;
  void gaussian_kl(const float* mu, const float* logvar, float* kl, int64_t rows,
                   int64_t cols) override;
  void gaussian_kl_backward(const float* mu, const float* logvar, const float* dloss, float scale,
                            float* dmu, float* dlogvar, int64_t n) override;
  void contractive_penalty(ContractiveActivation act, const float* h, const float* w, float* out,
                           int64_t rows, int64_t hidden, int64_t in) override;
  void contractive_penalty_backward(ContractiveActivation act, const float* h, const float* w,
                                    const float* dloss, float scale, float* dh, float* dw,
                                    int64_t rows, int64_t hidden, int64_t in) override;
  void corrupt(const CorruptionParams& p, const float* x, float* y, int64_t n, uint64_t seed,
               uint64_t offset) override;

 private:
  // Freed blocks are kept for reuse, up to 1 GiB: a training step allocates the same tensors
  // every time, and fresh large blocks cost page faults on first touch. Under AddressSanitizer
  // nothing is kept, so a use after free still reaches freed memory and is reported.
#if defined(__SANITIZE_ADDRESS__)
  static constexpr size_t kMaxCachedBytes = 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  static constexpr size_t kMaxCachedBytes = 0;
#else
  static constexpr size_t kMaxCachedBytes = size_t{1} << 30;
#endif
#else
  static constexpr size_t kMaxCachedBytes = size_t{1} << 30;
#endif
  BlockCache<HostBlocks> blocks_{HostBlocks{}, kMaxCachedBytes};
};

}  // namespace hg::kernels::cpu
