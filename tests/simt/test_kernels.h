// test_kernels.h: host wrappers around the kernels in tests/simt/*.cu. Each launches one kernel
// through hg::cuda::launch on device pointers (from cudaMalloc) and throws
// hg::kernels::DeviceError if the launch fails. The .cu files are plain CUDA: they compile with
// nvcc as well as under the emulator.
#pragma once

#include <cstdint>

namespace hg::simt_test {

// ---- correct kernels (kernels_correct.cu) ----
// C[M,N] = A[M,K] * B[K,N], row-major, 32x32 shared-memory tiles.
void sgemm_tiled(const float* A, const float* B, float* C, int M, int N, int K);
// *out += sum(x[0..n)) with a grid-stride loop, warp shuffles, shared memory and atomicAdd.
void block_sum(const float* x, int n, float* out, int blocks, int threads);
// out[i] = in[mirror of i within its block], through dynamic shared memory. n % threads == 0.
void reverse_within_blocks(const float* in, float* out, int n, int threads);
// out[i] = dynamic shared memory element i, read without writing it first (poisoned: NaN).
void read_unwritten_dynamic_shared(float* out, int threads);
// out[i] = a static __shared__ element read without writing it first.
void read_unwritten_static_shared(float* out, int threads);
// Each thread of block b, thread t writes the order in which it started into order[b * threads + t].
void record_start_order(int* order, int* counter, int blocks, int threads);
// Writes, per thread of a (4,3,2) x (3,2,2) launch: linear id, threadIdx, blockIdx, blockDim, gridDim.
void write_builtins(int* out /* 11 ints per thread */);

// ---- intrinsics (kernels_intrinsics.cu); one warp of 32 threads unless said otherwise ----
// out[5 * lane + 0..4] = shfl idx (src 3, width 8), up (2, width 16), down (3, width 16),
// xor (5, width 32), xor (1, width 4) of the value lane * 10.
void shuffle_variants(int* out);
// out[4 * lane + 0..3] = __ballot_sync(full, lane % 3 == 0), __any_sync(full, lane == 7),
// __all_sync(full, lane < 32), __all_sync(full, lane < 31).
void votes(unsigned* out);
// 256 threads: out[4 * t + 0..3] = __syncthreads_count(t % 4 == 0), _and(t < 256), _and(t < 255),
// _or(t == 200).
void barrier_reductions(int* out);
// Double-precision shuffle tree sum of lane + 0.5 over one warp; out[lane] = result.
void double_shuffle_sum(double* out);
// 64 threads doing atomics on ints[0..5]: add, max, min, CAS-increment, exch, inc (wrap 10).
void atomics(int* ints);
// Math intrinsics on x[i]; out[8 * i + ...] = __expf, __logf, rsqrtf, __fdividef(x, 3), __saturatef,
// __float2int_rn, min(x, 0.5f), max(int(x), 1).
void math_intrinsics(const float* x, float* out, int n);
// 48 threads: lanes 0..15 of each warp exchange with lane ^ 1, lanes 16..31 with lane ^ 2, each
// half with its own mask; then a full-mask ballot of "even". out[2 * t + 0..1] = value, ballot.
void split_warps(int* out);
// out[i] = float(half(x[i])) + 6, through __half and make_float4.
void half_and_vector_types(const float* x, float* out, int n);
// Increments a __device__ counter once per thread and returns nothing; read it with counter_value().
void count_threads(int blocks, int threads);
int counter_value();
void reset_counter();

// ---- seeded bugs (kernels_buggy.cu) ----
// The tiled SGEMM (sgemm_tile.cuh) with the __syncthreads between tile load and use missing.
void sgemm_missing_sync(const float* A, const float* B, float* C, int M, int N, int K);
// data[i] = data[i + 1] (0 past the end) for one block of n <= 256 threads, with the barrier
// between reading the neighbour and overwriting one's own slot missing (write-after-read race).
void shift_left_race(float* data, int n);
// Lanes 0..15 shuffle down by 8 with mask 0x0000ffff: lanes 8..15 read lanes outside the mask.
void shuffle_outside_mask(const float* in, float* out);
int shuffle_outside_mask_line();
// Threads with i >= n return before a __syncthreads (block of 64 threads).
void barrier_after_early_return(float* data, int n);
int barrier_after_early_return_line();
// Threads 0..31 and 32..63 wait at two different __syncthreads.
void divergent_barriers(float* data);
int divergent_barriers_line_a();
int divergent_barriers_line_b();
// Lanes 0..15 shuffle with a full mask while lanes 16..31 wait at __syncthreads.
void half_warp_shuffle(float* data);
int half_warp_shuffle_line();
// Every lane shuffles with mask 0x0000ffff, so lanes 16..31 call it outside their own mask.
void not_in_own_mask(float* data);
// A bounds-checked load throws (under the emulator) for index >= n.
void throwing_kernel(const float* data, int n, float* out, int threads);
// Threads construct an object with a destructor, then hit a barrier after an early return; the
// aborted launch must unwind them, so destroyed_objects() counts every thread that waited.
void unwinding_kernel(int threads, int returning);
int destroyed_objects();
// Recurses far deeper than a fiber stack allows.
void stack_overflow_kernel();

}  // namespace hg::simt_test
