// CudaBackend: the CUDA twin of every kernel behind hourglass/kernels/backend.h. One instance per
// device (created lazily by hg::kernels::cuda::backend), owning that device's stream, cuBLAS handle
// and caching allocator. All work of a backend is ordered on its one stream, which is what makes
// reusing a freed block safe without events. The methods are defined across this folder, one file
// per op family: memory.cu, elementwise.cu, reduce.cu, gemm.cu, loss.cu, random.cu, optimizer.cu,
// graph.cu (launch counting, audits, stream capture).
#pragma once

#include "cuda_platform.cuh"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "hourglass/kernels/backend.h"
#include "hourglass/kernels/common/block_cache.h"

namespace hg::kernels::cuda {

// Device memory for the backend's BlockCache (hourglass/kernels/common/block_cache.h): cudaMalloc
// and cudaFree, every call checked. Since a backend runs everything on one stream, a block freed
// after its last use was enqueued can be handed to later work on that stream without
// synchronising.
struct CudaBlocks {
  void* allocate(size_t bytes);  // nullptr on cudaErrorMemoryAllocation
  void release(void* block);
  void release_quietly(void* block) noexcept;
};
using CachingAllocator = BlockCache<CudaBlocks>;

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int device);
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  std::string name() const override { return "cuda:" + std::to_string(device_); }

  // ---- launch counting and step graphs (graph.cu) ----
  int64_t kernel_launches() const override;
  bool supports_graphs() const override { return true; }
  void begin_audit() override;
  std::string end_audit() override;
  void begin_capture() override;
  std::unique_ptr<StepGraph> end_capture() override;
  void* allocate_pinned(size_t bytes) override;
  void free_pinned(void* ptr) override;
  void copy_from_pinned(void* dst, const void* pinned, size_t bytes) override;
  // Called by the graph of end_capture when it is destroyed: its blocks return to the cache.
  void release_graph_blocks(const std::vector<void*>& blocks);
  // What an audit or capture in progress saw first that a graph cannot hold.
  void note_unsupported(const char* what);

  // ---- memory (memory.cu) ----
  void* allocate(size_t bytes) override;
  void deallocate(void* ptr, size_t bytes) override;
  void copy_from_host(void* dst, const void* host_src, size_t bytes) override;
  void write_bytes(void* dst, const void* host_src, size_t bytes) override;
  void copy_to_host(void* host_dst, const void* src, size_t bytes) override;
  void copy(void* dst, const void* src, size_t bytes) override;
  void synchronize() override;
  AllocatorCounters allocator_counters() const override;

  // ---- elementwise (elementwise.cu) ----
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

  // ---- reductions (reduce.cu) ----
  void reduce_sum(const float* x, float* y, int64_t outer, int64_t axis, int64_t inner) override;

  // ---- matrix multiply (gemm.cu) ----
  void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
            const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
            int64_t ldc) override;

  // ---- losses (loss.cu) ----
  void pointwise_loss(PointwiseLoss kind, const float* x, const float* t, float* loss,
                      int64_t n) override;
  void pointwise_loss_backward(PointwiseLoss kind, const float* x, const float* t,
                               const float* dloss, float scale, float* dx, int64_t n) override;
  void softmax_cross_entropy(const float* logits, const int32_t* labels, float* loss, int64_t rows,
                             int64_t classes) override;
  void softmax_cross_entropy_backward(const float* logits, const int32_t* labels,
                                      const float* dloss, float scale, float* dlogits, int64_t rows,
                                      int64_t classes) override;

  // ---- random numbers (random.cu) ----
  void random_uniform(float* y, int64_t n, uint64_t seed, uint64_t offset, float lo,
                      float hi) override;
  void random_normal(float* y, int64_t n, uint64_t seed, uint64_t offset, float mean,
                     float stddev) override;

  // ---- optimizer steps (optimizer.cu) ----
  void sgd_multi_step(const MultiTensorTable& table, const SgdParams& p) override;
  void adam_multi_step(const MultiTensorTable& table, const AdamParams& p) override;
  void adadelta_multi_step(const MultiTensorTable& table, const AdadeltaParams& p) override;
  void adagrad_multi_step(const MultiTensorTable& table, const AdagradParams& p) override;

  // ---- convolution (conv.cu; cudnn_conv.cu when impl == kCudnn) ----
  void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                      float* y) override;
  void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                            const float* bias, float* dx) override;
  void conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                              float* dbias) override;

  // ---- pooling and upsampling (pool.cu, upsample.cu) ----
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

  // ---- autoencoder losses and penalties (regularizers.cu) ----
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

  // ---- for the kernel files of this folder ----
  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }
  CachingAllocator& allocator() { return allocator_; }
  // Makes this backend's device current on the calling host thread (the current device is
  // per-thread state in CUDA); every public method calls it first.
  void activate() const;
  // Blocks for a grid-stride loop over `items` work items with `threads` threads per block:
  // enough to fill the device a few times over, never more than one item per thread.
  unsigned grid_for(int64_t items, int threads) const;

 private:
  // Grows the pinned staging buffer used by the host copies to at least `bytes`.
  void ensure_staging(size_t bytes);

  // Graph bookkeeping (graph.cu). While capturing, blocks allocated by the captured work are
  // listed, and freed ones wait on capture_free_ (by size class) for reuse within the capture;
  // afterwards reserved_ counts the graphs holding each block, and a reserved block freed by its
  // tensor is parked until its graphs are gone.
  enum class Watch { kNone, kAudit, kCapture };
  Watch watch_ = Watch::kNone;
  std::string unsupported_;
  std::unordered_map<void*, size_t> capture_blocks_;  // block -> its size class
  std::unordered_map<size_t, std::vector<void*>> capture_free_;
  std::unordered_map<void*, int> reserved_;
  std::unordered_map<void*, bool> parked_;
  std::mutex graph_mutex_;

  int device_;
  int max_resident_blocks_ = 0;  // of 256 threads, over all SMs
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  CachingAllocator allocator_;
  mutable std::mutex staging_mutex_;  // host copies from several threads share one staging buffer
  void* staging_ = nullptr;
  size_t staging_bytes_ = 0;
  int64_t staging_allocations_ = 0;  // cudaMallocHost calls for the staging buffer
};

}  // namespace hg::kernels::cuda
