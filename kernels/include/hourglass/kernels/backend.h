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
#include <memory>
#include <stdexcept>
#include <string>

#include "hourglass/kernels/allocator_counters.h"
#include "hourglass/kernels/broadcast.h"
#include "hourglass/kernels/common/binary_math.h"
#include "hourglass/kernels/common/loss_math.h"
#include "hourglass/kernels/common/unary_math.h"
#include "hourglass/kernels/conv_params.h"
#include "hourglass/kernels/multi_tensor.h"
#include "hourglass/kernels/optimizer_params.h"
#include "hourglass/kernels/regularizer_params.h"

namespace hg::kernels {

// Work a backend captured (Backend::end_capture), run again by launch(): a CUDA graph.
class StepGraph {
 public:
  virtual ~StepGraph() = default;
  virtual void launch() = 0;          // enqueues the captured work on the backend's stream
  virtual int64_t nodes() const = 0;  // the kernel launches and library calls it holds
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;

  // ---- launch counting and step graphs (CUDA; other backends have neither) -------------------
  // Kernel launches of this kind of backend since the process started: every kernel, library call
  // (cuBLAS) and graph launch counts one. 0 on backends without launches (the CPU).
  virtual int64_t kernel_launches() const { return 0; }
  virtual bool supports_graphs() const { return false; }
  // An audit watches eager work for what a graph cannot hold; end_audit says what it saw first
  // ("" when nothing): a host read or copy, a synchronization, a new device allocation (a miss of
  // the caching allocator), random numbers (their counters would be frozen into the graph).
  virtual void begin_audit() { throw_no_graphs(); }
  virtual std::string end_audit() { throw_no_graphs(); }
  // Between begin_capture and end_capture the backend's work is recorded, not run; end_capture
  // returns it as a graph (run it with launch(), once for the captured step itself). The device
  // blocks the captured work allocated stay reserved for the graph until it is destroyed.
  virtual void begin_capture() { throw_no_graphs(); }
  virtual std::unique_ptr<StepGraph> end_capture() { throw_no_graphs(); }
  // Pinned host memory whose contents a copy_from_pinned reads when it runs (also in a graph).
  virtual void* allocate_pinned(size_t /*bytes*/) { throw_no_graphs(); }
  virtual void free_pinned(void* /*ptr*/) { throw_no_graphs(); }
  // Enqueues dst <- pinned host memory without waiting; the host may refill `pinned` only after
  // synchronize().
  virtual void copy_from_pinned(void* /*dst*/, const void* /*pinned*/, size_t /*bytes*/) {
    throw_no_graphs();
  }

  // ---- memory -------------------------------------------------------------------------------
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* ptr, size_t bytes) = 0;
  virtual void copy_from_host(void* dst, const void* host_src, size_t bytes) = 0;
  // Writes a few hundred bytes of host memory (a table of pointers and sizes) to `dst` in stream
  // order without waiting: on CUDA the bytes travel as kernel arguments, so the write is one
  // launch that a CUDA graph captures (a replay writes the same bytes again), where
  // copy_from_host's staging copy would have to synchronize. Any size; meant for small ones.
  virtual void write_bytes(void* dst, const void* host_src, size_t bytes) = 0;
  virtual void copy_to_host(void* host_dst, const void* src, size_t bytes) = 0;  // synchronizes
  virtual void copy(void* dst, const void* src, size_t bytes) = 0;  // within this device
  virtual void synchronize() = 0;
  // The allocator's counters (allocator_counters.h); on CUDA, source_allocations also counts the
  // pinned staging buffer of host copies.
  virtual AllocatorCounters allocator_counters() const = 0;

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
  virtual void reduce_sum(const float* x, float* y, int64_t outer, int64_t axis, int64_t inner) = 0;

  // ---- matrix multiply ----------------------------------------------------------------------
  // Row-major C[M,N] = alpha * op(A) op(B) + beta * C, op(A) is [M,K], op(B) is [K,N];
  // lda/ldb/ldc are row strides of A, B, C as stored.
  virtual void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                    const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                    int64_t ldc) = 0;

  // ---- losses -------------------------------------------------------------------------------
  // loss[i] = per-element loss of (x[i], t[i]); core reduces it.
  virtual void pointwise_loss(PointwiseLoss kind, const float* x, const float* t, float* loss,
                              int64_t n) = 0;
  // dx[i] = (*dloss) * scale * d loss_i / d x_i  (scale is 1/n for a mean, 1 for a sum).
  virtual void pointwise_loss_backward(PointwiseLoss kind, const float* x, const float* t,
                                       const float* dloss, float scale, float* dx, int64_t n) = 0;
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

  // ---- optimizer steps: one multi-tensor operation over every parameter (multi_tensor.h) -----
  // Each reads its tensors, their step counts and the learning rate from table.block (backend
  // memory), updates every tensor with PyTorch's rule (the learning rate in p is ignored), then
  // adds one to every entry's step count, all without a host round trip.
  // SGD: state0 is the momentum buffer, null when p.momentum == 0 (never touched then).
  virtual void sgd_multi_step(const MultiTensorTable& table, const SgdParams& p) = 0;
  // Adam and AdamW (p.decoupled_weight_decay): state0 = exp_avg, state1 = exp_avg_sq.
  virtual void adam_multi_step(const MultiTensorTable& table, const AdamParams& p) = 0;
  // state0 = square_avg, state1 = acc_delta.
  virtual void adadelta_multi_step(const MultiTensorTable& table, const AdadeltaParams& p) = 0;
  // state0 = sum.
  virtual void adagrad_multi_step(const MultiTensorTable& table, const AdagradParams& p) = 0;

  // ---- convolution (conv_params.h has the index formulas) -----------------------------------
  // y = conv(x, w) + bias (bias may be null). Overwrites y.
  virtual void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w,
                              const float* bias, float* y) = 0;
  // dx = conv^T(dy, w) (+ bias[ci] on every element of channel ci when bias is non-null).
  // Overwrites dx. This is also ConvTranspose2d's forward pass.
  virtual void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                                    const float* bias, float* dx) = 0;
  // dw[co, ci, kh, kw] = sum_{n, oh, ow} dy[n, co, oh, ow] * x[n, ci, ...] and, when dbias is
  // non-null, dbias[co] = sum_{n, oh, ow} dy[n, co, oh, ow]. Overwrites both; the sum over the
  // batch is deterministic (no float atomics).
  virtual void conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy,
                                      float* dw, float* dbias) = 0;

  // ---- pooling and upsampling -----------------------------------------------------------------
  // y = max over each window (padding never wins); argmax[i] = the flat index ih * in_w + iw of
  // the maximum inside its (n, c) plane (PyTorch's return_indices), the first one on ties.
  // NaN propagates like PyTorch's: every NaN takes over, so the last NaN of a window is its
  // maximum and argmax.
  virtual void max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                                  int32_t* argmax) = 0;
  // dx[argmax] += dy over every window (overlapping windows add up). Overwrites dx.
  virtual void max_pool2d_backward(const Pool2dGeometry& g, const float* dy, const int32_t* argmax,
                                   float* dx) = 0;
  // y = window sum / divisor: the window clipped to the padded input (count_include_pad) or to
  // the input itself, as torch.nn.AvgPool2d (no divisor_override).
  virtual void avg_pool2d_forward(const Pool2dGeometry& g, bool count_include_pad, const float* x,
                                  float* y) = 0;
  virtual void avg_pool2d_backward(const Pool2dGeometry& g, bool count_include_pad, const float* dy,
                                   float* dx) = 0;  // overwrites dx
  virtual void upsample2d_forward(UpsampleMode mode, const Upsample2dGeometry& g, const float* x,
                                  float* y) = 0;
  // The adjoint of the forward map. Overwrites dx; deterministic (gathers, no atomics).
  virtual void upsample2d_backward(UpsampleMode mode, const Upsample2dGeometry& g, const float* dy,
                                   float* dx) = 0;

  // ---- autoencoder losses and penalties -------------------------------------------------------
  // out[0] = sum_i |h[i]| (deterministic).
  virtual void l1_penalty(const float* h, float* out, int64_t n) = 0;
  // dh[i] = (*dloss) * scale * sign(h[i]) (0 at 0).
  virtual void l1_penalty_backward(const float* h, const float* dloss, float scale, float* dh,
                                   int64_t n) = 0;
  // KL target sparsity of h [rows, units] (activations in (0, 1)): rho_hat[j] = mean_n h[n, j]
  // clamped to [1e-6, 1 - 1e-6]; out[0] = sum_j rho log(rho / rho_hat_j) +
  // (1 - rho) log((1 - rho) / (1 - rho_hat_j)). rho_hat is kept for the backward pass.
  virtual void kl_sparsity(const float* h, float rho, float* rho_hat, float* out, int64_t rows,
                           int64_t units) = 0;
  // dh[n, j] = (*dloss) * scale / rows * (-rho / rho_hat_j + (1 - rho) / (1 - rho_hat_j)).
  virtual void kl_sparsity_backward(const float* rho_hat, float rho, const float* dloss,
                                    float scale, float* dh, int64_t rows, int64_t units) = 0;
  // k-sparse code: per row of h [rows, cols], keep the k largest values (ties: lower index
  // first), zero the rest; mask[n, j] = 1 where kept, else 0. 0 <= k <= cols.
  virtual void topk_rows(const float* h, float* y, float* mask, int64_t rows, int64_t cols,
                         int64_t k) = 0;
  // kl[n] = -1/2 sum_j (1 + logvar[n, j] - mu[n, j]^2 - exp(logvar[n, j])): KL(N(mu, sigma^2) ||
  // N(0, I)) per row.
  virtual void gaussian_kl(const float* mu, const float* logvar, float* kl, int64_t rows,
                           int64_t cols) = 0;
  // dmu = g mu, dlogvar = g (exp(logvar) - 1) / 2 with g = (*dloss) * scale (either output may be
  // null when not needed).
  virtual void gaussian_kl_backward(const float* mu, const float* logvar, const float* dloss,
                                    float scale, float* dmu, float* dlogvar, int64_t n) = 0;
  // The contractive penalty of h = f(a), a = x W^T + b, W [hidden, in], in closed form:
  // out[n] = sum_j phi(h[n, j]) * S_j with S_j = sum_i W[j, i]^2 = ||J_f(x_n)||_F^2 (one fused
  // kernel: row norms of W, then the weighted row sums of phi(h)).
  virtual void contractive_penalty(ContractiveActivation act, const float* h, const float* w,
                                   float* out, int64_t rows, int64_t hidden, int64_t in) = 0;
  // Gradients of sum_n out[n] * (*dloss) * scale with respect to h and W (h's own dependence on
  // W goes through the tape): dh[n, j] = c phi'(h[n, j]) S_j and dw[j, i] = c 2 W[j, i]
  // sum_n phi(h[n, j]) with c = (*dloss) * scale. Overwrites both (either may be null).
  virtual void contractive_penalty_backward(ContractiveActivation act, const float* h,
                                            const float* w, const float* dloss, float scale,
                                            float* dh, float* dw, int64_t rows, int64_t hidden,
                                            int64_t in) = 0;
  // y = corrupt(x) elementwise (regularizer_params.h). Element i uses the Philox stream as a
  // draw of 2n numbers starting at `offset` (common/philox.h layout): number 2i decides
  // (uniform for masking / salt-and-pepper, normal for Gaussian), number 2i + 1 picks salt or
  // pepper. The caller reserves 2n numbers. With p.image set, x is [N, C, H, W] (p's geometry)
  // and y the image transform (common/image_corruption.h): kBlock takes sample s's patch
  // position from numbers 2 s C H W (row) and 2 s C H W + 1 (column) of the same 2n draw;
  // kDownsample and kGrayscale draw nothing.
  virtual void corrupt(const CorruptionParams& p, const float* x, float* y, int64_t n,
                       uint64_t seed, uint64_t offset) = 0;

 protected:
  [[noreturn]] void throw_no_graphs() const {
    throw std::logic_error("the " + name() + " backend has no graphs (supports_graphs() is false)");
  }
};

}  // namespace hg::kernels
