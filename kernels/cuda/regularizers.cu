// CUDA twins of the autoencoder penalties and corruptions (backend.h, "autoencoder losses and
// penalties"), with the per-element formulas of common/regularizer_math.h and (the image
// transforms of corrupt) common/image_corruption.h.
//
// Sums are deterministic without float atomics. A penalty that reduces to one value per call
// (L1, KL sparsity, the contractive rows) runs as ONE launch: every block reduces its fixed share
// with the fixed shuffle tree of block_reduce.cuh and writes a double partial; the block that
// finishes last (an integer atomicInc on a counter, after a __threadfence) adds the partials in
// index order. Which block is last varies from run to run, but what it computes does not, so the
// result is bitwise reproducible. The partition depends only on the shape.
//
// Kernels and their layouts:
// - l1_penalty: contiguous chunks of h per block, 256 threads.
// - kl_sparsity: a block per tile of 32 units; its 256 threads are 8 row groups x 32 lanes, so a
//   warp reads 32 neighbouring units of one row (coalesced). The tile's KL terms are its partial.
// - topk_rows: a block per row. Rows up to 1024 wide are sorted by a bitonic network on unique
//   64-bit keys in shared memory (value key, then the lower index wins ties; see topk_key) and
//   the k-th key is the threshold. Wider rows find the k-th largest key bit by bit: 64 passes,
//   each counting the keys >= (prefix | bit) with a block reduction.
// - gaussian_kl: a block per row (a warp up to 1024 columns, 256 threads beyond).
// - contractive_penalty: a block per tile of 32 hidden units computes S_j = ||W[j, :]||^2 of
//   its tile (one warp per W row, coalesced), then for every row n the tile's share
//   sum_{j in tile} phi(h[n, j]) S_j (a warp reads 32 neighbouring units of a row). The last
//   block adds the tiles' shares of each row in tile order: one launch, W and h read once.
// - contractive_penalty_backward: a block per tile of 32 hidden units owns everything about
//   them: S_j and P_j = sum_n phi(h[n, j]), then dh[:, tile] and dw[tile, :]. No scratch.
// - the rest are grid-stride elementwise loops.
#include "cuda_platform.cuh"

#include <algorithm>
#include <cmath>

#include "block_reduce.cuh"
#include "cuda_backend_impl.cuh"
#include "hourglass/kernels/common/image_corruption.h"
#include "hourglass/kernels/common/int_math.h"
#include "hourglass/kernels/common/regularizer_math.h"

namespace hg::kernels::cuda {

namespace {

constexpr int kThreads = 256;
constexpr int kTile = 32;  // hidden units / sparsity units per block
constexpr int kRowGroups = kThreads / kTile;
constexpr int64_t kL1ChunkMin = 8192;  // elements per block of the L1 sum, at least
constexpr int64_t kL1MaxBlocks = 1024;
constexpr int64_t kBitonicMaxCols = 1024;  // wider rows: bitwise threshold search
constexpr int64_t kWideRow = 1024;         // gaussian_kl: 256-thread blocks above this

// Double partials plus the "blocks done" counter, from the backend's allocator and returned
// when the scope ends (the stream orders the reuse after the kernel that read it).
class PartialsScratch {
 public:
  PartialsScratch(CudaBackend& backend, int64_t count)
      : backend_(backend),
        ptr_(backend.allocate(static_cast<size_t>(count + 1) * sizeof(double))),
        count_(count) {
    HG_CUDA_CHECK(cudaMemsetAsync(counter(), 0, sizeof(unsigned), backend.stream()));
  }
  ~PartialsScratch() { backend_.deallocate(ptr_, 0); }
  PartialsScratch(const PartialsScratch&) = delete;
  PartialsScratch& operator=(const PartialsScratch&) = delete;

  double* partials() const { return static_cast<double*>(ptr_); }
  unsigned* counter() const { return reinterpret_cast<unsigned*>(partials() + count_); }

 private:
  CudaBackend& backend_;
  void* ptr_;
  int64_t count_;
};

// Called by every thread of every block after it wrote its share of the block's partials: true
// in all threads of the block that finished last. Each thread's fence makes its partials visible
// device-wide before the barrier, and so before thread 0 counts the block as done; atomicInc
// wraps the counter back to 0 for the last block. The fence after the atomic is the acquire side
// (PTX memory model): without it the last block's __ldcg reads of the other blocks' partials
// could be ordered before the atomic that observed their release, and read stale values.
__device__ bool last_block_done(unsigned* counter) {
  __shared__ bool last[1];
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) {
    last[0] = atomicInc(counter, gridDim.x - 1) == gridDim.x - 1;
    __threadfence();  // acquire: order the reads below after the atomic
  }
  __syncthreads();
  return last[0];
}

// Sum of partials[first + t * stride] for t in [0, count), in t order (L1 bypassed: other blocks
// wrote them).
__device__ double ordered_partials(const double* partials, int64_t first, int64_t stride,
                                   int64_t count) {
  double s = 0.0;
  for (int64_t t = 0; t < count; ++t)
    s += __ldcg(partials + first + t * stride);
  return s;
}

// ---- L1 -----------------------------------------------------------------------------------------

__global__ void l1_penalty_kernel(const float* h, int64_t n, int64_t chunk, double* partials,
                                  unsigned* counter, float* out) {
  const int64_t begin = static_cast<int64_t>(blockIdx.x) * chunk;
  const int64_t end = begin + chunk < n ? begin + chunk : n;
  double acc = 0.0;
  for (int64_t i = begin + threadIdx.x; i < end; i += kThreads)
    acc += static_cast<double>(fabsf(h[i]));
  acc = block_allreduce<kThreads>(acc, SumOp{}, 0.0);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
  if (!last_block_done(counter)) return;
  // Every partial in a fixed thread-strided order, then the fixed tree.
  double total = 0.0;
  for (int64_t b = threadIdx.x; b < gridDim.x; b += kThreads)
    total += __ldcg(partials + b);
  total = block_allreduce<kThreads>(total, SumOp{}, 0.0);
  if (threadIdx.x == 0) out[0] = static_cast<float>(total);
}

__global__ void l1_penalty_backward_kernel(const float* h, const float* dloss, float scale,
                                           float* dh, int64_t n) {
  const float c = *dloss * scale;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    dh[i] = h[i] > 0.0f ? c : (h[i] < 0.0f ? -c : 0.0f);
}

// ---- KL target sparsity ---------------------------------------------------------------------

__global__ void kl_sparsity_kernel(const float* h, float rho, float* rho_hat, int64_t rows,
                                   int64_t units, double* partials, unsigned* counter, float* out) {
  __shared__ double column_sums[kRowGroups][kTile];
  const int lane = static_cast<int>(threadIdx.x) % kTile;
  const int group = static_cast<int>(threadIdx.x) / kTile;
  const int64_t j = static_cast<int64_t>(blockIdx.x) * kTile + lane;
  double acc = 0.0;
  if (j < units)
    for (int64_t n = group; n < rows; n += kRowGroups)
      acc += static_cast<double>(h[n * units + j]);
  column_sums[group][lane] = acc;
  __syncthreads();
  if (group == 0) {
    double kl = 0.0;
    if (j < units) {
      double sum = 0.0;
      for (int g = 0; g < kRowGroups; ++g)
        sum += column_sums[g][lane];
      const float stored = static_cast<float>(kl_clamp_rho_hat(sum / static_cast<double>(rows)));
      rho_hat[j] = stored;
      kl = kl_bernoulli(rho, stored);  // at the stored value, as the backward sees it
    }
    kl = warp_reduce(kl, SumOp{});
    if (lane == 0) partials[blockIdx.x] = kl;
  }
  if (!last_block_done(counter)) return;
  if (threadIdx.x == 0) out[0] = static_cast<float>(ordered_partials(partials, 0, 1, gridDim.x));
}

__global__ void kl_sparsity_backward_kernel(const float* rho_hat, float rho, const float* dloss,
                                            float scale, float* dh, int64_t rows, int64_t units) {
  const double c = static_cast<double>(*dloss) * scale / static_cast<double>(rows);
  const int64_t total = rows * units;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += stride)
    dh[i] = static_cast<float>(c * kl_bernoulli_derivative(rho, rho_hat[i % units]));
}

// ---- k-sparse rows --------------------------------------------------------------------------

// Writes row `row`'s outputs given the k-th largest key (keep_any false: k == 0).
template <int kBlock>
__device__ void topk_write_row(const float* x, float* y, float* mask, int64_t cols, bool keep_any,
                               uint64_t threshold) {
  for (int64_t j = threadIdx.x; j < cols; j += kBlock) {
    const bool keep = keep_any && topk_key(x[j], j) >= threshold;
    y[j] = keep ? x[j] : 0.0f;
    mask[j] = keep ? 1.0f : 0.0f;
  }
}

// Rows of up to kBitonicMaxCols: bitonic sort (descending) of the row's keys padded with 0 to
// `size` (a power of two); key 0 is below every real key (see topk_key).
template <int kBlock>
__global__ void topk_bitonic_kernel(const float* h, float* y, float* mask, int64_t cols,
                                    int64_t size, int64_t k) {
  __shared__ uint64_t keys[kBitonicMaxCols];
  const int64_t row = blockIdx.x;
  const float* x = h + row * cols;
  for (int64_t i = threadIdx.x; i < size; i += kBlock)
    keys[i] = i < cols ? topk_key(x[i], i) : 0;
  __syncthreads();
  for (int64_t span = 2; span <= size; span *= 2) {
    for (int64_t stride = span / 2; stride > 0; stride /= 2) {
      for (int64_t p = threadIdx.x; p < size / 2; p += kBlock) {
        // Pair p compares i and i + stride, i = p with a 0 inserted at bit log2(stride).
        const int64_t i = 2 * p - (p & (stride - 1));
        const uint64_t a = keys[i], b = keys[i + stride];
        const bool descending = (i & span) == 0;
        if (descending ? a < b : a > b) {
          keys[i] = b;
          keys[i + stride] = a;
        }
      }
      __syncthreads();
    }
  }
  const bool keep_any = k > 0;
  const uint64_t threshold = keep_any ? keys[k - 1] : 0;
  topk_write_row<kBlock>(x, y + row * cols, mask + row * cols, cols, keep_any, threshold);
}

// Wider rows: the k-th largest key t is the largest value with count(key >= t) >= k; it is
// built from the top bit down, keeping a bit when the count with it set still reaches k.
__global__ void topk_select_kernel(const float* h, float* y, float* mask, int64_t cols, int64_t k) {
  const int64_t row = blockIdx.x;
  const float* x = h + row * cols;
  uint64_t threshold = 0;
  if (k > 0) {
    for (int bit = 63; bit >= 0; --bit) {
      const uint64_t candidate = threshold | (uint64_t{1} << bit);
      long long count = 0;
      for (int64_t j = threadIdx.x; j < cols; j += kThreads)
        count += topk_key(x[j], j) >= candidate ? 1 : 0;
      count = block_allreduce<kThreads>(count, SumOp{}, 0LL);
      if (count >= k) threshold = candidate;
    }
  }
  topk_write_row<kThreads>(x, y + row * cols, mask + row * cols, cols, k > 0, threshold);
}

// ---- Gaussian KL ----------------------------------------------------------------------------

template <int kBlock>
__global__ void gaussian_kl_kernel(const float* mu, const float* logvar, float* kl, int64_t cols) {
  const int64_t row = blockIdx.x;
  double acc = 0.0;
  for (int64_t j = threadIdx.x; j < cols; j += kBlock)
    acc += gaussian_kl_term(mu[row * cols + j], logvar[row * cols + j]);
  acc = block_allreduce<kBlock>(acc, SumOp{}, 0.0);
  if (threadIdx.x == 0) kl[row] = static_cast<float>(acc);
}

__global__ void gaussian_kl_backward_kernel(const float* mu, const float* logvar,
                                            const float* dloss, float scale, float* dmu,
                                            float* dlogvar, int64_t n) {
  const float g = *dloss * scale;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    if (dmu) dmu[i] = g * mu[i];
    if (dlogvar) dlogvar[i] = g * gaussian_kl_dlogvar(logvar[i]);
  }
}

// ---- contractive penalty --------------------------------------------------------------------

// s_tile[t] = ||W[j0 + t, :]||^2 in double for the block's tile (0 past `hidden`); warp w takes
// W rows w, w + 8, ... of the tile. Ends with a barrier.
__device__ void tile_weight_norms(const float* w, int64_t hidden, int64_t in, int64_t j0,
                                  double* s_tile) {
  const int lane = static_cast<int>(threadIdx.x) % 32;
  const int warp = static_cast<int>(threadIdx.x) / 32;
  for (int t = warp; t < kTile; t += kThreads / 32) {
    const int64_t j = j0 + t;
    double acc = 0.0;
    if (j < hidden)
      for (int64_t i = lane; i < in; i += 32) {
        const double v = w[j * in + i];
        acc += v * v;
      }
    acc = warp_reduce(acc, SumOp{});
    if (lane == 0) s_tile[t] = acc;
  }
  __syncthreads();
}

__global__ void contractive_kernel(ContractiveActivation act, const float* h, const float* w,
                                   int64_t rows, int64_t hidden, int64_t in, double* partials,
                                   unsigned* counter, float* out) {
  __shared__ double s_tile[kTile];
  const int64_t tiles = gridDim.x;
  const int64_t j0 = static_cast<int64_t>(blockIdx.x) * kTile;
  tile_weight_norms(w, hidden, in, j0, s_tile);
  const int lane = static_cast<int>(threadIdx.x) % 32;
  const int warp = static_cast<int>(threadIdx.x) / 32;
  const int64_t j = j0 + lane;
  for (int64_t n = warp; n < rows; n += kThreads / 32) {
    double v = j < hidden
                   ? static_cast<double>(contractive_phi(act, h[n * hidden + j])) * s_tile[lane]
                   : 0.0;
    v = warp_reduce(v, SumOp{});
    if (lane == 0) partials[n * tiles + blockIdx.x] = v;
  }
  if (!last_block_done(counter)) return;
  for (int64_t n = threadIdx.x; n < rows; n += kThreads)
    out[n] = static_cast<float>(ordered_partials(partials, n * tiles, 1, tiles));
}

__global__ void contractive_backward_kernel(ContractiveActivation act, const float* h,
                                            const float* w, const float* dloss, float scale,
                                            float* dh, float* dw, int64_t rows, int64_t hidden,
                                            int64_t in) {
  __shared__ double s_tile[kTile];
  __shared__ double column_sums[kRowGroups][kTile];
  const double c = static_cast<double>(*dloss) * scale;
  const int64_t j0 = static_cast<int64_t>(blockIdx.x) * kTile;
  const int lane = static_cast<int>(threadIdx.x) % kTile;
  const int group = static_cast<int>(threadIdx.x) / kTile;
  if (dh) {
    tile_weight_norms(w, hidden, in, j0, s_tile);
    for (int64_t idx = threadIdx.x; idx < rows * kTile; idx += kThreads) {
      const int64_t n = idx / kTile, j = j0 + idx % kTile;
      if (j < hidden)
        dh[n * hidden + j] = static_cast<float>(
            c * contractive_phi_derivative(act, h[n * hidden + j]) * s_tile[idx % kTile]);
    }
  }
  if (dw) {
    // P_j = sum_n phi(h[n, j]): 8 row groups per unit, combined in group order.
    const int64_t j = j0 + lane;
    double acc = 0.0;
    if (j < hidden)
      for (int64_t n = group; n < rows; n += kRowGroups)
        acc += contractive_phi(act, h[n * hidden + j]);
    column_sums[group][lane] = acc;
    __syncthreads();
    const int warp = group;
    for (int t = warp; t < kTile && j0 + t < hidden; t += kRowGroups) {
      double p = 0.0;
      for (int g = 0; g < kRowGroups; ++g)
        p += column_sums[g][t];
      const double f = 2.0 * c * p;
      const int64_t jt = j0 + t;
      for (int64_t i = lane; i < in; i += 32)
        dw[jt * in + i] = static_cast<float>(f * w[jt * in + i]);
    }
  }
}

// ---- corruption -----------------------------------------------------------------------------

__global__ void corrupt_kernel(CorruptionParams p, const float* x, float* y, int64_t n,
                               uint64_t seed, uint64_t offset) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    y[i] = corrupt_element(p, x[i], seed, offset, i);
}

// The image transforms: one thread per output element, reading the neighbours it needs from x
// (y never aliases x).
__global__ void corrupt_image_kernel(CorruptionParams p, const float* x, float* y, int64_t n,
                                     uint64_t seed, uint64_t offset) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    y[i] = corrupt_image_element(p, x, seed, offset, i);
}

}  // namespace

void CudaBackend::l1_penalty(const float* h, float* out, int64_t n) {
  activate();
  if (n <= 0) {
    fill(out, 0.0f, 1);
    return;
  }
  const int64_t blocks = std::min(kL1MaxBlocks, ceil_div(n, kL1ChunkMin));
  const int64_t chunk = ceil_div(n, blocks);
  const int64_t grid = ceil_div(n, chunk);
  PartialsScratch scratch(*this, grid);
  hg::cuda::launch(l1_penalty_kernel, dim3(static_cast<unsigned>(grid)), dim3(kThreads), 0, stream_,
                   h, n, chunk, scratch.partials(), scratch.counter(), out);
}

void CudaBackend::l1_penalty_backward(const float* h, const float* dloss, float scale, float* dh,
                                      int64_t n) {
  if (n <= 0) return;
  activate();
  hg::cuda::launch(l1_penalty_backward_kernel, dim3(grid_for(n, kThreads)), dim3(kThreads), 0,
                   stream_, h, dloss, scale, dh, n);
}

void CudaBackend::kl_sparsity(const float* h, float rho, float* rho_hat, float* out, int64_t rows,
                              int64_t units) {
  activate();
  if (units <= 0) {
    fill(out, 0.0f, 1);
    return;
  }
  const int64_t tiles = ceil_div(units, kTile);
  PartialsScratch scratch(*this, tiles);
  hg::cuda::launch(kl_sparsity_kernel, dim3(static_cast<unsigned>(tiles)), dim3(kThreads), 0,
                   stream_, h, rho, rho_hat, rows, units, scratch.partials(), scratch.counter(),
                   out);
}

void CudaBackend::kl_sparsity_backward(const float* rho_hat, float rho, const float* dloss,
                                       float scale, float* dh, int64_t rows, int64_t units) {
  if (rows <= 0 || units <= 0) return;
  activate();
  hg::cuda::launch(kl_sparsity_backward_kernel, dim3(grid_for(rows * units, kThreads)),
                   dim3(kThreads), 0, stream_, rho_hat, rho, dloss, scale, dh, rows, units);
}

void CudaBackend::topk_rows(const float* h, float* y, float* mask, int64_t rows, int64_t cols,
                            int64_t k) {
  if (rows <= 0 || cols <= 0) return;
  activate();
  const dim3 grid(static_cast<unsigned>(rows));
  if (cols > kBitonicMaxCols) {
    hg::cuda::launch(topk_select_kernel, grid, dim3(kThreads), 0, stream_, h, y, mask, cols, k);
    return;
  }
  int64_t size = 1;
  while (size < cols)
    size *= 2;
  // One thread per compared pair where possible.
  if (size <= 64)
    hg::cuda::launch(topk_bitonic_kernel<32>, grid, dim3(32), 0, stream_, h, y, mask, cols, size,
                     k);
  else if (size <= 256)
    hg::cuda::launch(topk_bitonic_kernel<128>, grid, dim3(128), 0, stream_, h, y, mask, cols, size,
                     k);
  else
    hg::cuda::launch(topk_bitonic_kernel<512>, grid, dim3(512), 0, stream_, h, y, mask, cols, size,
                     k);
}

void CudaBackend::gaussian_kl(const float* mu, const float* logvar, float* kl, int64_t rows,
                              int64_t cols) {
  if (rows <= 0) return;
  activate();
  const dim3 grid(static_cast<unsigned>(rows));
  if (cols > kWideRow)
    hg::cuda::launch(gaussian_kl_kernel<256>, grid, dim3(256), 0, stream_, mu, logvar, kl, cols);
  else
    hg::cuda::launch(gaussian_kl_kernel<32>, grid, dim3(32), 0, stream_, mu, logvar, kl, cols);
}

void CudaBackend::gaussian_kl_backward(const float* mu, const float* logvar, const float* dloss,
                                       float scale, float* dmu, float* dlogvar, int64_t n) {
  if (n <= 0 || (!dmu && !dlogvar)) return;
  activate();
  hg::cuda::launch(gaussian_kl_backward_kernel, dim3(grid_for(n, kThreads)), dim3(kThreads), 0,
                   stream_, mu, logvar, dloss, scale, dmu, dlogvar, n);
}

void CudaBackend::contractive_penalty(ContractiveActivation act, const float* h, const float* w,
                                      float* out, int64_t rows, int64_t hidden, int64_t in) {
  if (rows <= 0) return;
  activate();
  if (hidden <= 0) {
    fill(out, 0.0f, rows);
    return;
  }
  const int64_t tiles = ceil_div(hidden, kTile);
  PartialsScratch scratch(*this, rows * tiles);
  hg::cuda::launch(contractive_kernel, dim3(static_cast<unsigned>(tiles)), dim3(kThreads), 0,
                   stream_, act, h, w, rows, hidden, in, scratch.partials(), scratch.counter(),
                   out);
}

void CudaBackend::contractive_penalty_backward(ContractiveActivation act, const float* h,
                                               const float* w, const float* dloss, float scale,
                                               float* dh, float* dw, int64_t rows, int64_t hidden,
                                               int64_t in) {
  if (hidden <= 0 || (!dh && !dw)) return;
  activate();
  hg::cuda::launch(contractive_backward_kernel,
                   dim3(static_cast<unsigned>(ceil_div(hidden, kTile))), dim3(kThreads), 0, stream_,
                   act, h, w, dloss, scale, dh, dw, rows, hidden, in);
}

void CudaBackend::corrupt(const CorruptionParams& p, const float* x, float* y, int64_t n,
                          uint64_t seed, uint64_t offset) {
  note_unsupported("random numbers (their Philox offsets would be frozen into a graph)");
  if (n <= 0) return;
  activate();
  if (p.image != ImageCorruption::kNone) {
    hg::cuda::launch(corrupt_image_kernel, dim3(grid_for(n, kThreads)), dim3(kThreads), 0, stream_,
                     p, x, y, n, seed, offset);
    return;
  }
  hg::cuda::launch(corrupt_kernel, dim3(grid_for(n, kThreads)), dim3(kThreads), 0, stream_, p, x, y,
                   n, seed, offset);
}

}  // namespace hg::kernels::cuda
