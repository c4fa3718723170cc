// The contract between core and the kernels: every operation a device must provide, on raw
// pointers and sizes. kernels/cpu and kernels/cuda each implement it once (the CPU/CUDA twins);
// core/ops checks shapes and devices, then calls the backend of its tensors' device.
//
// Conventions for every method:
// - Pointers are device pointers of this backend, float32 unless the signature says otherwise.
// - Sizes are element counts, int64_t. n == 0 is valid and does nothing.
// - Work is ordered on the backend's current stream; results become visible to the host only
//   through copy_to_host (which synchronizes) or synchronize().
// - Reductions are deterministic: the same inputs give bitwise the same outputs on a device.
// - `dloss` arguments point to one device float (the upstream gradient of a scalar), so backward
//   kernels never need a host round trip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "hourglass/kernels/broadcast.h"
#include "hourglass/kernels/common/binary_math.h"
#include "hourglass/kernels/common/loss_math.h"
#include "hourglass/kernels/common/unary_math.h"
#include "hourglass/kernels/optimizer_params.h"

namespace hg::kernels {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;

  // ---- memory -------------------------------------------------------------------------------
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* ptr, size_t bytes) = 0;
  virtual void copy_from_host(void* dst, const void* host_src, size_t bytes) = 0;
  virtual void copy_to_host(void* host_dst, const void* src, size_t bytes) = 0;  // synchronizes
  virtual void copy(void* dst, const void* src, size_t bytes) = 0;  // within this device
  virtual void synchronize() = 0;

  // ---- elementwise --------------------------------------------------------------------------
  virtual void fill(float* y, float value, int64_t n) = 0;
  virtual void fill_i32(int32_t* y, int32_t value, int64_t n) = 0;
  virtual void fill_u8(uint8_t* y, uint8_t value, int64_t n) = 0;
  // y = scale * float(x): raw bytes to float pixels.
  virtual void u8_to_f32(const uint8_t* x, float* y, float scale, int64_t n) = 0;
  virtual void unary(UnaryOp op, float alpha, const float* x, float* y, int64_t n) = 0;
  // dx = dy * f'(x), with y = f(x) from the forward pass (either may be used).
  virtual void unary_backward(UnaryOp op, float alpha, const float* x, const float* y,
                              const float* dy, float* dx, int64_t n) = 0;
  virtual void binary(BinaryOp op, const BroadcastIndex& index, const float* a, const float* b,
                      float* y) = 0;
  // y = alpha * x + beta * y (gradient accumulation, scaling).
  virtual void axpby(float alpha, const float* x, float beta, float* y, int64_t n) = 0;

  // ---- reductions ---------------------------------------------------------------------------
  // x viewed as [outer, axis, inner]: y[o, i] = sum_a x[o, a, i].
  virtual void reduce_sum(const float* x, float* y, int64_t outer, int64_t axis,
                          int64_t inner) = 0;

  // ---- matrix multiply ----------------------------------------------------------------------
  // Row-major C[M,N] = alpha * op(A) op(B) + beta * C, op(A) is [M,K], op(B) is [K,N];
  // lda/ldb/ldc are row strides of A, B, C as stored.
  virtual void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                    const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                    float* c, int64_t ldc) = 0;

  // ---- losses -------------------------------------------------------------------------------
  // loss[i] = per-element loss of (x[i], t[i]); core reduces it.
  virtual void pointwise_loss(PointwiseLoss kind, const float* x, const float* t, float* loss,
                              int64_t n) = 0;
  // dx[i] = (*dloss) * scale * d loss_i / d x_i  (scale is 1/n for a mean, 1 for a sum).
  virtual void pointwise_loss_backward(PointwiseLoss kind, const float* x, const float* t,
                                       const float* dloss, float scale, float* dx,
                                       int64_t n) = 0;
  // loss[r] = logsumexp(logits[r, :]) - logits[r, labels[r]]; labels must lie in [0, classes).
  virtual void softmax_cross_entropy(const float* logits, const int32_t* labels, float* loss,
                                     int64_t rows, int64_t classes) = 0;
  // dlogits[r, c] = (*dloss) * scale * (softmax(logits[r])[c] - [c == labels[r]]).
  virtual void softmax_cross_entropy_backward(const float* logits, const int32_t* labels,
                                              const float* dloss, float scale, float* dlogits,
                                              int64_t rows, int64_t classes) = 0;

  // ---- random numbers (Philox-4x32-10, see common/philox.h) ---------------------------------
  virtual void random_uniform(float* y, int64_t n, uint64_t seed, uint64_t offset, float lo,
                              float hi) = 0;
  virtual void random_normal(float* y, int64_t n, uint64_t seed, uint64_t offset, float mean,
                             float stddev) = 0;

  // ---- optimizer steps (one fused pass over a parameter; PyTorch semantics) -------------------
  // `momentum` is null when p.momentum == 0 (PyTorch keeps no buffer then): never touch it.
  virtual void sgd_step(float* w, const float* g, float* momentum, int64_t n,
                        const SgdParams& p) = 0;
  // Adam and AdamW (p.decoupled_weight_decay).
  virtual void adam_step(float* w, const float* g, float* m, float* v, int64_t n,
                         const AdamParams& p) = 0;
  virtual void adadelta_step(float* w, const float* g, float* square_avg, float* acc_delta,
                             int64_t n, const AdadeltaParams& p) = 0;
  virtual void adagrad_step(float* w, const float* g, float* sum, int64_t n,
                            const AdagradParams& p) = 0;
};

}  // namespace hg::kernels
