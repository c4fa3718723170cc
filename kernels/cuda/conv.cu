// CUDA convolution, ConvImpl::kNative: three implicit GEMMs over shared-memory tiles (the tile
// step and the tables live in conv_tiles.cuh); ConvImpl::kCudnn forwards to cudnn_conv.cuh.
//
//   forward          rows m = (n, oh, ow)  [N*OH*OW]   cols co [Cout]   reduction k = (ci, kh, kw)
//                    A[m, k] = x[n, ci, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw] (0 outside),
//                    B[k, co] = w[co, k].
//   backward_data    per stride phase (rh, rw), rows m' = (n, j, i) of that phase's input pixels
//                    ih = h0 + j*sh, iw = w0 + i*sw; cols ci [Cin]; reduction k' = (co, kh, kw)
//                    over the taps that reach the phase only:
//                    A[m', k'] = dy[n, co, q_h(kh) + j, q_w(kw) + i] (0 outside), B[k', ci] =
//                    w[co, ci, kh, kw]. A gather: every dx element is written by exactly one
//                    thread, so no atomics and no zero-stuffed input.
//   backward_weight  rows k = (ci, kh, kw) [Cin*KH*KW]; cols co; reduction m over a fixed chunk
//                    of N*OH*OW: partial[chunk, co, k] = sum_{m in chunk} x-column[m, k] * dy[m,
//                    co]. The chunk count depends on the geometry only; a second pass sums the
//                    chunks in order (in double), so dw is bitwise reproducible. dbias: blocks per
//                    (channel, part of the batch) with a fixed-order block reduction
//                    (block_reduce.cuh), then the parts in order.
// Reduction indices are decoded into ConvTap tables by a small kernel first, so the gathers do
// no division. Loads are arranged so that consecutive threads read consecutive addresses: the
// row-gathering loads of forward / backward_data along output pixels, backward_weight's along m.
#include "cuda_platform.cuh"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "block_reduce.cuh"
#include "conv_tiles.cuh"
#include "cuda_backend_impl.cuh"
#include "hourglass/kernels/common/int_math.h"
#include "scratch.cuh"

#if defined(HG_CUDNN)
#include "cudnn_conv.cuh"
#endif

namespace hg::kernels::cuda {

namespace {

using conv::ConvShape;
using conv::ConvTap;
using conv::Phase;
using conv::PixelWindow;

constexpr int kTableThreads = 256;
constexpr int kBiasThreads = 256;
// backward_weight: a chunk of the M reduction has at least this many pixels, and the chunks stop
// multiplying once the grid has about kTargetBlocks blocks.
constexpr int64_t kMinChunk = 512;
constexpr int64_t kTargetBlocks = 1024;

// ---- tables -----------------------------------------------------------------------------------

// taps[k] for k = (ci, kh, kw) < Cin*KH*KW.
__global__ void forward_taps_kernel(ConvShape s, ConvTap* taps) {
  const int k = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  const int khw = s.kh * s.kw;
  if (k >= s.cin * khw) return;
  const int ci = k / khw;
  const int r = k - ci * khw;
  const int kh = r / s.kw;
  const int kw = r - kh * s.kw;
  taps[k] = ConvTap{ci * s.ih * s.iw, kh * s.dh, kw * s.dw, 0};
}

// taps[p * Cout*KH*KW + t] for phase p = blockIdx.y and t = (co, a, b) < Cout * nkh * nkw, where
// kh is the a-th and kw the b-th tap reaching the phase.
__global__ void phase_taps_kernel(ConvShape s, ConvTap* taps) {
  const int p = static_cast<int>(blockIdx.y);
  const Phase ph = conv::phase_of(s, p);
  const int t = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  const int per_co = ph.nkh * ph.nkw;
  if (t >= s.cout * per_co) return;
  const int co = t / per_co;
  const int r = t - co * per_co;
  const int a = r / ph.nkw;
  const int b = r - a * ph.nkw;
  const int kh = conv::phase_tap(p / s.sw, a, s.kh, s.dh, s.sh);
  const int kw = conv::phase_tap(p % s.sw, b, s.kw, s.dw, s.sw);
  // Exact divisions: h0 + pad_h = rh = kh*dil_h (mod stride_h) by construction.
  const int q_h = (ph.h0 + s.ph - kh * s.dh) / s.sh;
  const int q_w = (ph.w0 + s.pw - kw * s.dw) / s.sw;
  taps[p * s.cout * s.kh * s.kw + t] =
      ConvTap{co * s.oh * s.ow, q_h, q_w, co * s.cin * s.kh * s.kw + kh * s.kw + kw};
}

// ---- forward ----------------------------------------------------------------------------------

template <class T>
__global__ void __launch_bounds__(T::kThreads)
    conv_forward_kernel(ConvShape s, const float* x, const float* w, const float* bias,
                        const ConvTap* taps, float* y) {
  __shared__ float as[T::kBK][T::kBM + 1];
  __shared__ float bs[T::kBK][T::kBN + 1];
  const int tid = static_cast<int>(threadIdx.x);
  const int tx = tid % T::kRowThreads, ty = tid / T::kRowThreads;
  const int ohw = s.oh * s.ow;
  const int rows = s.batch * ohw;
  const int depth = s.cin * s.kh * s.kw;
  const int m0 = static_cast<int>(blockIdx.x) * T::kBM;
  const int c0 = static_cast<int>(blockIdx.y) * T::kBN;

  // This thread stages row a_row of as (the pixel m) for t = a_t, a_t + kAStep, ...
  constexpr int kAStep = T::kThreads / T::kBM;
  const int a_row = tid % T::kBM, a_t = tid / T::kBM;
  const int m = m0 + a_row;
  const bool m_ok = m < rows;
  const PixelWindow win = m_ok ? conv::pixel_window(s, x, m) : PixelWindow{x, 0, 0};

  float acc[T::kTM][T::kTN] = {};
  for (int k0 = 0; k0 < depth; k0 += T::kBK) {
    for (int t = a_t; t < T::kBK; t += kAStep) {
      const int k = k0 + t;
      as[t][a_row] = m_ok && k < depth ? conv::window_tap(s, win, taps[k]) : 0.0f;
    }
    for (int e = tid; e < T::kBK * T::kBN; e += T::kThreads) {
      const int t = e % T::kBK, c = e / T::kBK;  // consecutive threads: consecutive k of w[co]
      const int k = k0 + t, co = c0 + c;
      bs[t][c] = k < depth && co < s.cout ? w[co * depth + k] : 0.0f;
    }
    conv::tile_step<T>(as, bs, acc, tx, ty);
  }

  HG_CONV_UNROLL
  for (int i = 0; i < T::kTM; ++i) {
    const int mi = m0 + tx + i * T::kRowThreads;
    if (mi >= rows) continue;
    const int n = mi / ohw, p = mi - n * ohw;
    HG_CONV_UNROLL
    for (int j = 0; j < T::kTN; ++j) {
      const int co = c0 + ty + j * T::kColThreads;
      if (co < s.cout) y[(n * s.cout + co) * ohw + p] = acc[i][j] + (bias ? bias[co] : 0.0f);
    }
  }
}

// ---- backward data (transposed convolution) -----------------------------------------------------

// Grid: (row tiles of the largest phase, column tiles of Cin, phases). taps: phase_taps_kernel's.
template <class T>
__global__ void __launch_bounds__(T::kThreads)
    conv_backward_data_kernel(ConvShape s, const float* dy, const float* w, const float* bias,
                              const ConvTap* taps, float* dx) {
  __shared__ float as[T::kBK][T::kBM + 1];
  __shared__ float bs[T::kBK][T::kBN + 1];
  const int p = static_cast<int>(blockIdx.z);
  const Phase ph = conv::phase_of(s, p);
  const int plane = ph.rows * ph.cols;
  const int rows = s.batch * plane;
  const int depth = s.cout * ph.nkh * ph.nkw;
  const int m0 = static_cast<int>(blockIdx.x) * T::kBM;
  if (m0 >= rows) return;  // the whole block: this phase has fewer pixels than the largest
  const int c0 = static_cast<int>(blockIdx.y) * T::kBN;
  const int tid = static_cast<int>(threadIdx.x);
  const int tx = tid % T::kRowThreads, ty = tid / T::kRowThreads;
  const int khw = s.kh * s.kw;
  const int ohw = s.oh * s.ow;
  taps += p * s.cout * khw;

  constexpr int kAStep = T::kThreads / T::kBM;
  const int a_row = tid % T::kBM, a_t = tid / T::kBM;
  const int m = m0 + a_row;
  const bool m_ok = m < rows;
  int pj = 0, pi = 0;  // the pixel's row j and column i inside the phase
  const float* dyn = dy;
  if (m_ok) {
    const int n = m / plane, r = m - n * plane;
    pj = r / ph.cols;
    pi = r - pj * ph.cols;
    dyn = dy + n * s.cout * ohw;
  }

  float acc[T::kTM][T::kTN] = {};
  for (int k0 = 0; k0 < depth; k0 += T::kBK) {
    for (int t = a_t; t < T::kBK; t += kAStep) {
      const int k = k0 + t;
      float v = 0.0f;
      if (m_ok && k < depth) {
        const ConvTap tap = taps[k];
        v = conv::load_or_zero(dyn + tap.x_off, s.oh, s.ow, tap.dh + pj, tap.dw + pi);
      }
      as[t][a_row] = v;
    }
    for (int e = tid; e < T::kBK * T::kBN; e += T::kThreads) {
      const int t = e % T::kBK, c = e / T::kBK;
      const int k = k0 + t, ci = c0 + c;
      bs[t][c] = k < depth && ci < s.cin ? w[taps[k].w_off + ci * khw] : 0.0f;
    }
    conv::tile_step<T>(as, bs, acc, tx, ty);
  }

  HG_CONV_UNROLL
  for (int i = 0; i < T::kTM; ++i) {
    const int mi = m0 + tx + i * T::kRowThreads;
    if (mi >= rows) continue;
    const int n = mi / plane, r = mi - n * plane;
    const int j = r / ph.cols;
    const int ih = ph.h0 + j * s.sh, iw = ph.w0 + (r - j * ph.cols) * s.sw;
    HG_CONV_UNROLL
    for (int jj = 0; jj < T::kTN; ++jj) {
      const int ci = c0 + ty + jj * T::kColThreads;
      if (ci < s.cin)
        dx[((n * s.cin + ci) * s.ih + ih) * s.iw + iw] = acc[i][jj] + (bias ? bias[ci] : 0.0f);
    }
  }
}

// ---- backward weight ----------------------------------------------------------------------------

// Grid: (row tiles of K = Cin*KH*KW, column tiles of Cout, chunks). Block z sums pixels
// [z * chunk, min(M, (z + 1) * chunk)) into out[(z * Cout + co) * K + k].
template <class T>
__global__ void __launch_bounds__(T::kThreads)
    conv_backward_weight_kernel(ConvShape s, const float* x, const float* dy, const ConvTap* taps,
                                int chunk, float* out) {
  __shared__ float as[T::kBK][T::kBM + 1];
  __shared__ float bs[T::kBK][T::kBN + 1];
  const int tid = static_cast<int>(threadIdx.x);
  const int tx = tid % T::kRowThreads, ty = tid / T::kRowThreads;
  const int ohw = s.oh * s.ow;
  const int depth = s.cin * s.kh * s.kw;
  const int k0 = static_cast<int>(blockIdx.x) * T::kBM;
  const int c0 = static_cast<int>(blockIdx.y) * T::kBN;
  const int m_begin = static_cast<int>(blockIdx.z) * chunk;
  const int m_end = m_begin + chunk < s.batch * ohw ? m_begin + chunk : s.batch * ohw;

  // This thread stages reduction index a_t (pixel m = step start + a_t) of as, for rows a_r,
  // a_r + kRStep, ...: consecutive threads read consecutive pixels.
  constexpr int kRStep = T::kThreads / T::kBK;
  const int a_t = tid % T::kBK, a_r = tid / T::kBK;

  float acc[T::kTM][T::kTN] = {};
  for (int ms = m_begin; ms < m_end; ms += T::kBK) {
    const int m = ms + a_t;
    const bool m_ok = m < m_end;
    const PixelWindow win = m_ok ? conv::pixel_window(s, x, m) : PixelWindow{x, 0, 0};
    for (int r = a_r; r < T::kBM; r += kRStep) {
      const int k = k0 + r;
      as[a_t][r] = m_ok && k < depth ? conv::window_tap(s, win, taps[k]) : 0.0f;
    }
    for (int e = tid; e < T::kBK * T::kBN; e += T::kThreads) {
      const int t = e % T::kBK, c = e / T::kBK;  // consecutive threads: consecutive pixels
      const int mt = ms + t, co = c0 + c;
      float v = 0.0f;
      if (mt < m_end && co < s.cout) {
        const int n = mt / ohw;
        v = dy[(n * s.cout + co) * ohw + (mt - n * ohw)];
      }
      bs[t][c] = v;
    }
    conv::tile_step<T>(as, bs, acc, tx, ty);
  }

  float* part = out + static_cast<int64_t>(blockIdx.z) * s.cout * depth;
  HG_CONV_UNROLL
  for (int i = 0; i < T::kTM; ++i) {
    const int k = k0 + tx + i * T::kRowThreads;
    if (k >= depth) continue;
    HG_CONV_UNROLL
    for (int j = 0; j < T::kTN; ++j) {
      const int co = c0 + ty + j * T::kColThreads;
      if (co < s.cout) part[co * depth + k] = acc[i][j];
    }
  }
}

// dw[i] = sum over chunks c in order of partial[c * n + i] (in double).
__global__ void sum_chunks_kernel(const float* partial, int64_t chunks, int64_t n, float* dw) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    double acc = 0.0;
    for (int64_t c = 0; c < chunks; ++c)
      acc += static_cast<double>(partial[c * n + i]);
    dw[i] = static_cast<float>(acc);
  }
}

// dbias partials: block (co, part) = (blockIdx.x, blockIdx.y) sums dy[n, co, :] over the images n
// in [part * images, min(batch, (part + 1) * images)): each thread walks its strided pixels in
// order, then the fixed-order block reduction. Out is dbias itself when there is one part.
template <class Out>
__global__ void __launch_bounds__(kBiasThreads)
    conv_bias_grad_kernel(const float* dy, int batch, int channels, int plane, int images,
                          Out* out) {
  const int co = static_cast<int>(blockIdx.x), part = static_cast<int>(blockIdx.y);
  const int n_end = (part + 1) * images < batch ? (part + 1) * images : batch;
  double acc = 0.0;
  for (int n = part * images; n < n_end; ++n) {
    const float* d = dy + (static_cast<int64_t>(n) * channels + co) * plane;
    for (int p = static_cast<int>(threadIdx.x); p < plane; p += kBiasThreads)
      acc += static_cast<double>(d[p]);
  }
  acc = block_allreduce<kBiasThreads>(acc, SumOp{}, 0.0);
  if (threadIdx.x == 0) out[co * gridDim.y + part] = static_cast<Out>(acc);
}

// dbias[co] = sum over parts in order of partial[co * parts + part].
__global__ void sum_bias_parts_kernel(const double* partial, int channels, int parts,
                                      float* dbias) {
  const int co = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (co >= channels) return;
  double acc = 0.0;
  for (int p = 0; p < parts; ++p)
    acc += partial[co * parts + p];
  dbias[co] = static_cast<float>(acc);
}

// ---- host side --------------------------------------------------------------------------------

void check_fits(const char* op, const char* what, int64_t v) {
  if (v < 0 || v > std::numeric_limits<int>::max())
    throw std::invalid_argument(std::string("CudaBackend::") + op + ": " + what + " = " +
                                std::to_string(v) +
                                " elements; the native kernels index with int (at most 2^31 - 1)");
}

ConvShape shape_of(const char* op, const Conv2dGeometry& g) {
  check_fits(op, "x", g.x_numel());
  check_fits(op, "y", g.y_numel());
  check_fits(op, "w", g.w_numel());
  check_fits(op, "stride phases x w", g.stride_h * g.stride_w * g.w_numel());
  if (g.stride_h < 1 || g.stride_w < 1 || g.dilation_h < 1 || g.dilation_w < 1)
    throw std::invalid_argument(std::string("CudaBackend::") + op +
                                ": stride and dilation must be >= 1");
  auto i = [](int64_t v) { return static_cast<int>(v); };
  return ConvShape{i(g.batch),        i(g.in_channels), i(g.in_h),      i(g.in_w),
                   i(g.out_channels), i(g.out_h),       i(g.out_w),     i(g.kernel_h),
                   i(g.kernel_w),     i(g.stride_h),    i(g.stride_w),  i(g.pad_h),
                   i(g.pad_w),        i(g.dilation_h),  i(g.dilation_w)};
}

#if !defined(HG_CUDNN)
[[noreturn]] void throw_no_cudnn(const char* op) {
  throw std::invalid_argument(std::string("CudaBackend::") + op +
                              ": ConvImpl::kCudnn requested, but this build lacks HG_CUDNN "
                              "(configure with -DHG_CUDNN=ON)");
}

// Stand-ins for cudnn_conv.cuh's entry points in a build without cuDNN, so that the backend
// methods dispatch ConvImpl::kCudnn the same way in every build: here it is refused.
void cudnn_conv2d_forward(CudaBackend&, const Conv2dGeometry&, const float*, const float*,
                          const float*, float*) {
  throw_no_cudnn("conv2d_forward");
}
void cudnn_conv2d_backward_data(CudaBackend&, const Conv2dGeometry&, const float*, const float*,
                                const float*, float*) {
  throw_no_cudnn("conv2d_backward_data");
}
void cudnn_conv2d_backward_weight(CudaBackend&, const Conv2dGeometry&, const float*, const float*,
                                  float*, float*) {
  throw_no_cudnn("conv2d_backward_weight");
}
#endif

unsigned blocks(int64_t items, int64_t per_block) {
  return static_cast<unsigned>(ceil_div(items, per_block));
}

// Calls fn(T{}) with the tile shape for a GEMM with `cols` columns.
template <class Fn>
void with_tile(int64_t cols, Fn&& fn) {
  if (cols <= 8)
    fn(conv::Tile8{});
  else if (cols <= 16)
    fn(conv::Tile16{});
  else if (cols <= 32)
    fn(conv::Tile32{});
  else
    fn(conv::Tile64{});
}

// The decoded (ci, kh, kw) taps of forward / backward_weight, in scratch.
void forward_taps(CudaBackend& b, const ConvShape& s, ConvTap* taps) {
  const int64_t depth = int64_t{s.cin} * s.kh * s.kw;
  hg::cuda::launch(forward_taps_kernel, dim3(blocks(depth, kTableThreads)), dim3(kTableThreads), 0,
                   b.stream(), s, taps);
}

// dbias in two passes when one block per channel would be too few: the batch is cut into parts
// (a function of the shape only, so the summation order is fixed), pass 2 adds the parts in order.
void bias_grad(CudaBackend& b, const ConvShape& s, const float* dy, float* dbias) {
  const int64_t target_parts = ceil_div(kTargetBlocks / 4, s.cout);
  const int64_t images =
      ceil_div(s.batch, std::max<int64_t>(1, std::min<int64_t>(s.batch, target_parts)));
  const int64_t parts = s.batch > 0 ? ceil_div(s.batch, images) : 1;
  const dim3 grid(static_cast<unsigned>(s.cout), static_cast<unsigned>(parts));
  const int plane = s.oh * s.ow;
  if (parts == 1) {
    hg::cuda::launch(conv_bias_grad_kernel<float>, grid, dim3(kBiasThreads), 0, b.stream(), dy,
                     s.batch, s.cout, plane, static_cast<int>(images), dbias);
    return;
  }
  Scratch partial(b, static_cast<size_t>(s.cout * parts) * sizeof(double));
  hg::cuda::launch(conv_bias_grad_kernel<double>, grid, dim3(kBiasThreads), 0, b.stream(), dy,
                   s.batch, s.cout, plane, static_cast<int>(images), partial.get<double>());
  hg::cuda::launch(sum_bias_parts_kernel, dim3(blocks(s.cout, kTableThreads)), dim3(kTableThreads),
                   0, b.stream(), static_cast<const double*>(partial.get<double>()), s.cout,
                   static_cast<int>(parts), dbias);
}

}  // namespace

void CudaBackend::conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w,
                                 const float* bias, float* y) {
  activate();
  if (g.impl == ConvImpl::kCudnn) return cudnn_conv2d_forward(*this, g, x, w, bias, y);
  const ConvShape s = shape_of("conv2d_forward", g);
  if (g.y_numel() == 0) return;
  const int64_t depth = int64_t{s.cin} * s.kh * s.kw;
  Scratch taps(*this, static_cast<size_t>(depth) * sizeof(ConvTap));
  if (depth > 0) forward_taps(*this, s, taps.get<ConvTap>());
  const int64_t rows = g.batch * g.out_h * g.out_w;
  with_tile(g.out_channels, [&](auto tile) {
    using T = decltype(tile);
    const dim3 grid(blocks(rows, T::kBM), blocks(g.out_channels, T::kBN));
    hg::cuda::launch(conv_forward_kernel<T>, grid, dim3(T::kThreads), 0, stream(), s, x, w, bias,
                     static_cast<const ConvTap*>(taps.get<ConvTap>()), y);
  });
}

void CudaBackend::conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                                       const float* bias, float* dx) {
  activate();
  if (g.impl == ConvImpl::kCudnn) return cudnn_conv2d_backward_data(*this, g, dy, w, bias, dx);
  const ConvShape s = shape_of("conv2d_backward_data", g);
  if (g.x_numel() == 0) return;
  const int phases = s.sh * s.sw;
  const int64_t per_phase = g.w_numel() / std::max<int64_t>(1, g.in_channels);  // Cout*KH*KW
  int64_t max_rows = 0;
  for (int p = 0; p < phases; ++p) {
    const Phase ph = conv::phase_of(s, p);
    max_rows = std::max(max_rows, g.batch * ph.rows * ph.cols);
  }
  Scratch taps(*this, static_cast<size_t>(phases * per_phase) * sizeof(ConvTap));
  if (per_phase > 0)
    hg::cuda::launch(phase_taps_kernel, dim3(blocks(per_phase, kTableThreads), phases),
                     dim3(kTableThreads), 0, stream(), s, taps.get<ConvTap>());
  with_tile(g.in_channels, [&](auto tile) {
    using T = decltype(tile);
    const dim3 grid(blocks(max_rows, T::kBM), blocks(g.in_channels, T::kBN), phases);
    hg::cuda::launch(conv_backward_data_kernel<T>, grid, dim3(T::kThreads), 0, stream(), s, dy, w,
                     bias, static_cast<const ConvTap*>(taps.get<ConvTap>()), dx);
  });
}

void CudaBackend::conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy,
                                         float* dw, float* dbias) {
  activate();
  if (g.impl == ConvImpl::kCudnn) return cudnn_conv2d_backward_weight(*this, g, x, dy, dw, dbias);
  const ConvShape s = shape_of("conv2d_backward_weight", g);
  if (g.out_channels == 0) return;
  const int64_t pixels = g.batch * g.out_h * g.out_w;
  const int64_t depth = int64_t{s.cin} * s.kh * s.kw;
  if (dbias != nullptr) bias_grad(*this, s, dy, dbias);
  if (depth == 0) return;
  if (pixels == 0) {
    fill(dw, 0.0f, g.w_numel());
    return;
  }
  Scratch taps(*this, static_cast<size_t>(depth) * sizeof(ConvTap));
  forward_taps(*this, s, taps.get<ConvTap>());
  with_tile(g.out_channels, [&](auto tile) {
    using T = decltype(tile);
    // The chunking depends on the geometry only (never on the device), so the summation order
    // and hence every bit of dw are the same on every run.
    const int64_t tiles = ceil_div(depth, T::kBM) * ceil_div(g.out_channels, T::kBN);
    const int64_t max_chunks = std::max<int64_t>(1, kTargetBlocks / tiles);
    int64_t chunks = std::min(max_chunks, std::max<int64_t>(1, pixels / kMinChunk));
    const int64_t chunk = ceil_div(ceil_div(pixels, chunks), T::kBK) * T::kBK;
    chunks = ceil_div(pixels, chunk);
    const dim3 grid(blocks(depth, T::kBM), blocks(g.out_channels, T::kBN),
                    static_cast<unsigned>(chunks));
    if (chunks == 1) {
      hg::cuda::launch(conv_backward_weight_kernel<T>, grid, dim3(T::kThreads), 0, stream(), s, x,
                       dy, static_cast<const ConvTap*>(taps.get<ConvTap>()),
                       static_cast<int>(chunk), dw);
      return;
    }
    const int64_t n = g.w_numel();
    Scratch partial(*this, static_cast<size_t>(chunks * n) * sizeof(float));
    hg::cuda::launch(conv_backward_weight_kernel<T>, grid, dim3(T::kThreads), 0, stream(), s, x, dy,
                     static_cast<const ConvTap*>(taps.get<ConvTap>()), static_cast<int>(chunk),
                     partial.get<float>());
    hg::cuda::launch(sum_chunks_kernel, dim3(grid_for(n, 256)), dim3(256), 0, stream(),
                     static_cast<const float*>(partial.get<float>()), chunks, n, dw);
  });
}

}  // namespace hg::kernels::cuda
