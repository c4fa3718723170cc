// CUDA reduce_sum: y[o, i] = sum_a x[o, a, i], deterministic without atomics, accumulated in
// double like the CPU twin.
//
// Two kernels, both with a summation order fixed by the shape alone:
// - rows (inner == 1, contiguous rows): one block per (row, part); its threads take strided
//   elements of the part, then a fixed shuffle + shared-memory tree (block_reduce.cuh) combines
//   them. Blocks are 256 threads for long rows, one warp for short ones.
// - columns (inner > 1, or rows too short for a warp): one thread per (o, part, i) output walks its
//   part of the axis in order; neighbouring threads read neighbouring i, so loads coalesce.
// When there are too few outputs to fill the device the axis is cut into `parts` fixed chunks
// (pass 1 writes partial sums [outer, parts, inner] to a temporary), and the partials are then
// reduced by the same rules (pass 2). The partition depends only on (outer, axis, inner), never on
// the device or on scheduling, so repeated calls give bitwise the same result.
#include "cuda_platform.cuh"

#include <algorithm>

#include "block_reduce.cuh"
#include "cuda_backend_impl.cuh"
#include "hourglass/kernels/common/int_math.h"
#include "scratch.cuh"

namespace hg::kernels::cuda {

namespace {

constexpr int64_t kShortRow = 32;          // rows up to this long: column kernel, thread per row
constexpr int64_t kLongRow = 2048;         // rows from this long: 256-thread blocks
constexpr int64_t kRowPartMin = 32768;     // elements per part when a few long rows are split
constexpr int64_t kFewRows = 256;          // fewer rows than this: split long rows into parts
constexpr int64_t kMaxParts = 1024;        // grid.y limit is 65535; this keeps pass 2 small
constexpr int64_t kColumnThreads = 65536;  // columns: aim for this many threads in pass 1
constexpr int64_t kColumnPartMin = 16;     // columns: at least this many axis steps per thread

// Sums x[row, part * chunk .. min(axis, (part + 1) * chunk)) for row = blockIdx.x,
// part = blockIdx.y, into out[row * parts + part].
template <int kThreads, class Out>
__global__ void reduce_rows_kernel(const float* x, Out* out, int64_t axis, int64_t chunk,
                                   int64_t parts) {
  const int64_t row = blockIdx.x;
  const int64_t part = blockIdx.y;
  const float* xr = x + row * axis;
  const int64_t begin = part * chunk;
  const int64_t end = begin + chunk < axis ? begin + chunk : axis;
  double acc = 0.0;
  for (int64_t a = begin + threadIdx.x; a < end; a += kThreads)
    acc += static_cast<double>(xr[a]);
  acc = block_allreduce<kThreads>(acc, SumOp{}, 0.0);
  if (threadIdx.x == 0) out[row * parts + part] = static_cast<Out>(acc);
}

// Same for double partial sums (pass 2 of a split row reduction).
template <int kThreads>
__global__ void reduce_rows_partials_kernel(const double* x, float* out, int64_t axis) {
  const int64_t row = blockIdx.x;
  const double* xr = x + row * axis;
  double acc = 0.0;
  for (int64_t a = threadIdx.x; a < axis; a += kThreads)
    acc += xr[a];
  acc = block_allreduce<kThreads>(acc, SumOp{}, 0.0);
  if (threadIdx.x == 0) out[row] = static_cast<float>(acc);
}

// Thread per (o, part, i): out[(o * parts + part) * inner + i] = sum over its chunk of the axis.
template <class In, class Out>
__global__ void reduce_columns_kernel(const In* x, Out* out, int64_t outer, int64_t axis,
                                      int64_t inner, int64_t chunk, int64_t parts) {
  const int64_t total = outer * parts * inner;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += stride) {
    const int64_t i = idx % inner;
    const int64_t op = idx / inner;
    const int64_t part = op % parts;
    const int64_t o = op / parts;
    const int64_t begin = part * chunk;
    const int64_t end = begin + chunk < axis ? begin + chunk : axis;
    const In* base = x + o * axis * inner + i;
    double acc = 0.0;
    for (int64_t a = begin; a < end; ++a)
      acc += static_cast<double>(base[a * inner]);
    out[idx] = static_cast<Out>(acc);
  }
}

// Launches the column kernel over [outer, axis, inner] with the axis cut into `parts`.
template <class In, class Out>
void launch_columns(const CudaBackend& backend, const In* x, Out* out, int64_t outer, int64_t axis,
                    int64_t inner, int64_t chunk, int64_t parts) {
  constexpr int kThreads = 256;
  const dim3 grid(backend.grid_for(outer * parts * inner, kThreads));
  hg::cuda::launch(reduce_columns_kernel<In, Out>, grid, dim3(kThreads), 0, backend.stream(), x,
                   out, outer, axis, inner, chunk, parts);
}

void reduce_rows(CudaBackend& backend, const float* x, float* y, int64_t rows, int64_t axis) {
  const bool split = rows < kFewRows && axis >= 2 * kRowPartMin;
  const int64_t parts = split ? std::min(kMaxParts, ceil_div(axis, kRowPartMin)) : 1;
  const int64_t chunk = ceil_div(axis, parts);
  const bool wide = chunk >= kLongRow;
  const dim3 grid(static_cast<unsigned>(rows), static_cast<unsigned>(parts));
  cudaStream_t stream = backend.stream();
  if (parts == 1) {
    if (wide)
      hg::cuda::launch(reduce_rows_kernel<256, float>, grid, dim3(256), 0, stream, x, y, axis,
                       chunk, parts);
    else
      hg::cuda::launch(reduce_rows_kernel<32, float>, grid, dim3(32), 0, stream, x, y, axis, chunk,
                       parts);
    return;
  }
  Scratch partial(backend, static_cast<size_t>(rows * parts) * sizeof(double));
  hg::cuda::launch(reduce_rows_kernel<256, double>, grid, dim3(256), 0, stream, x,
                   partial.get<double>(), axis, chunk, parts);
  hg::cuda::launch(reduce_rows_partials_kernel<256>, dim3(static_cast<unsigned>(rows)), dim3(256),
                   0, stream, static_cast<const double*>(partial.get<double>()), y, parts);
}

void reduce_columns(CudaBackend& backend, const float* x, float* y, int64_t outer, int64_t axis,
                    int64_t inner) {
  const int64_t outputs = outer * inner;
  int64_t parts = 1;
  if (outputs < kColumnThreads && axis >= 2 * kColumnPartMin)
    parts = std::min({kMaxParts, ceil_div(kColumnThreads, outputs), axis / kColumnPartMin});
  const int64_t chunk = ceil_div(axis, parts);
  parts = ceil_div(axis, chunk);
  if (parts == 1) {
    launch_columns(backend, x, y, outer, axis, inner, axis, 1);
    return;
  }
  Scratch partial(backend, static_cast<size_t>(outer * parts * inner) * sizeof(double));
  launch_columns(backend, x, partial.get<double>(), outer, axis, inner, chunk, parts);
  launch_columns(backend, static_cast<const double*>(partial.get<double>()), y, outer, parts, inner,
                 parts, 1);
}

}  // namespace

void CudaBackend::reduce_sum(const float* x, float* y, int64_t outer, int64_t axis, int64_t inner) {
  if (outer <= 0 || inner <= 0) return;
  activate();
  if (axis <= 0) {
    fill(y, 0.0f, outer * inner);
    return;
  }
  if (inner == 1 && axis > kShortRow && outer <= 0x7fffffff)
    reduce_rows(*this, x, y, outer, axis);
  else
    reduce_columns(*this, x, y, outer, axis, inner);
}

}  // namespace hg::kernels::cuda
