// Building blocks of the native CUDA convolution (conv.cu): the int geometry the kernels see, the
// precomputed reduction taps, the stride phases of the transposed direction, the bounds-checked
// A-operand gathers, and the shared-memory tile GEMM step that all three convolution kernels share.
//
// Every convolution pass is an implicit GEMM C[row, col] = sum_t A[row, t] * B[t, col] whose A
// operand is gathered from an NCHW tensor on the fly (never materialised). A block computes one
// kBM x kBN tile of C: per step of kBK reduction indices it stages A as as[t][row] and B as
// bs[t][col] in shared memory, then each thread accumulates a kTM x kTN register micro-tile:
// thread (tx, ty) = (tid % kRowThreads, tid / kRowThreads) owns rows tx + i * kRowThreads and
// columns ty + j * kColThreads, so a warp reads consecutive rows of as (no bank conflicts) and one
// or two columns of bs (broadcasts). Both tiles carry one padding column, so that stores walking
// the t index (kBK consecutive threads) land in distinct banks.
#pragma once

#include "cuda_platform.cuh"

namespace hg::kernels::cuda::conv {

#if defined(HG_SIMT)
#define HG_CONV_UNROLL
#else
#define HG_CONV_UNROLL _Pragma("unroll")
#endif

// Conv2dGeometry in int: the host checks that every tensor has fewer than 2^31 elements, so every
// flat index below fits.
struct ConvShape {
  int batch, cin, ih, iw, cout, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw;
};

// One reduction index of the gather, decoded once per call into a table so the inner loops do no
// division.
//   forward / backward_weight, k = (ci, kh, kw):  x_off = ci*IH*IW, dh = kh*dil_h, dw = kw*dil_w;
//     x is read at row oh*stride_h - pad_h + dh, column ow*stride_w - pad_w + dw.
//   backward_data in stride phase (rh, rw), k' = (co, kh, kw) with kh*dil_h = rh (mod stride_h):
//     x_off = co*OH*OW, dh = q_h = (h0 + pad_h - kh*dil_h) / stride_h (exact), likewise dw,
//     w_off = (co*Cin)*KH*KW + kh*KW + kw; the phase's j-th input row ih = h0 + j*stride_h reads
//     dy row oh = q_h + j (see Phase).
struct alignas(16) ConvTap {
  int x_off, dh, dw, w_off;
};

// The transposed direction by stride phase. Input row ih is reached from output row oh through tap
// kh when ih + pad_h - kh*dil_h = oh*stride_h, so only taps with kh*dil_h = (ih + pad_h) mod
// stride_h contribute. Rows with (ih + pad_h) mod stride_h = rh form phase rh: ih = h0 + j*stride_h
// for j < rows, h0 = (rh - pad_h) mod stride_h. Gathering per phase skips the (stride-1)/stride of
// the taps that can never hit (the zeros a zero-stuffed input would have).
struct Phase {
  int h0, w0;      // first input row / column of the phase
  int rows, cols;  // how many input rows / columns it has
  int nkh, nkw;    // how many kh / kw taps reach it
};

__host__ __device__ inline int phase_start(int r, int pad, int stride) {
  return ((r - pad) % stride + stride) % stride;
}

__host__ __device__ inline int phase_count(int start, int size, int stride) {
  return start < size ? (size - start + stride - 1) / stride : 0;
}

// Number of taps k in [0, kernel) with k*dil = r (mod stride).
__host__ __device__ inline int phase_taps(int r, int kernel, int dil, int stride) {
  int n = 0;
  for (int k = 0; k < kernel; ++k)
    n += (k * dil) % stride == r ? 1 : 0;
  return n;
}

// The index of the `which`-th tap k with k*dil = r (mod stride).
__host__ __device__ inline int phase_tap(int r, int which, int kernel, int dil, int stride) {
  for (int k = 0; k < kernel; ++k) {
    if ((k * dil) % stride != r) continue;
    if (which-- == 0) return k;
  }
  return -1;
}

// Phase p = rh * stride_w + rw.
__host__ __device__ inline Phase phase_of(const ConvShape& s, int p) {
  const int rh = p / s.sw, rw = p % s.sw;
  Phase ph;
  ph.h0 = phase_start(rh, s.ph, s.sh);
  ph.w0 = phase_start(rw, s.pw, s.sw);
  ph.rows = phase_count(ph.h0, s.ih, s.sh);
  ph.cols = phase_count(ph.w0, s.iw, s.sw);
  ph.nkh = phase_taps(rh, s.kh, s.dh, s.sh);
  ph.nkw = phase_taps(rw, s.kw, s.dw, s.sw);
  return ph;
}

// plane[r * cols + c] of a rows x cols plane, 0 when (r, c) lies outside it (the unsigned compare
// rejects negative indices too).
__device__ __forceinline__ float load_or_zero(const float* plane, int rows, int cols, int r,
                                              int c) {
  return static_cast<unsigned>(r) < static_cast<unsigned>(rows) &&
                 static_cast<unsigned>(c) < static_cast<unsigned>(cols)
             ? plane[r * cols + c]
             : 0.0f;
}

// Where output pixel m = (n, oh, ow) of forward / backward_weight reads x: image n, and the window
// corner (top, left) = (oh*stride_h - pad_h, ow*stride_w - pad_w).
struct PixelWindow {
  const float* xn;
  int top, left;
};

__device__ __forceinline__ PixelWindow pixel_window(const ConvShape& s, const float* x, int m) {
  const int ohw = s.oh * s.ow;
  const int n = m / ohw, p = m - n * ohw;
  const int oh = p / s.ow, ow = p - oh * s.ow;
  return PixelWindow{x + n * s.cin * s.ih * s.iw, oh * s.sh - s.ph, ow * s.sw - s.pw};
}

// A[m, k] of forward / backward_weight: x at tap k of pixel m's window, 0 in the padding.
__device__ __forceinline__ float window_tap(const ConvShape& s, const PixelWindow& win,
                                            const ConvTap& tap) {
  return load_or_zero(win.xn + tap.x_off, s.ih, s.iw, win.top + tap.dh, win.left + tap.dw);
}

// A tile shape: kBM x kBN outputs per block, kTM x kTN per thread, kBK reduction indices per step.
template <int BM, int BN, int TM, int TN>
struct Tile {
  static constexpr int kBM = BM, kBN = BN, kBK = 16, kTM = TM, kTN = TN;
  static constexpr int kRowThreads = BM / TM;
  static constexpr int kColThreads = BN / TN;
  static constexpr int kThreads = kRowThreads * kColThreads;
  static_assert(BM % TM == 0 && BN % TN == 0, "the micro-tile must divide the tile");
  static_assert(kThreads % 32 == 0 && kThreads <= 256, "whole warps, at most 256 threads");
  // Row-gathering loads (forward, backward_data): each thread fills one fixed row of as.
  static_assert(kThreads % kBM == 0 && (kBK * kBM) % kThreads == 0, "row loads must tile");
  // Reduction-gathering loads (backward_weight): each thread fills one fixed t of as.
  static_assert(kThreads % kBK == 0, "reduction loads must tile");
};

// The tile shapes, chosen by the number of GEMM columns (output channels of the pass): narrow
// layers get tall tiles so that few columns are padding.
using Tile8 = Tile<256, 8, 4, 2>;    // 256 threads
using Tile16 = Tile<128, 16, 4, 2>;  // 256 threads
using Tile32 = Tile<128, 32, 4, 4>;  // 256 threads
using Tile64 = Tile<64, 64, 4, 4>;   // 256 threads

// acc[i][j] += sum over the kBK staged t of as[t][row_i] * bs[t][col_j], between two barriers:
// the first waits for the whole block's staging stores, the second keeps the next staging from
// overwriting tiles other threads are still reading. Every thread of the block must call it.
template <class T>
__device__ __forceinline__ void tile_step(const float (*as)[T::kBM + 1],
                                          const float (*bs)[T::kBN + 1],
                                          float (&acc)[T::kTM][T::kTN], int tx, int ty) {
  __syncthreads();
  HG_CONV_UNROLL
  for (int t = 0; t < T::kBK; ++t) {
    float a[T::kTM], b[T::kTN];
    HG_CONV_UNROLL
    for (int i = 0; i < T::kTM; ++i)
      a[i] = as[t][tx + i * T::kRowThreads];
    HG_CONV_UNROLL
    for (int j = 0; j < T::kTN; ++j)
      b[j] = bs[t][ty + j * T::kColThreads];
    HG_CONV_UNROLL
    for (int i = 0; i < T::kTM; ++i) {
      HG_CONV_UNROLL
      for (int j = 0; j < T::kTN; ++j)
        acc[i][j] += a[i] * b[j];
    }
  }
  __syncthreads();
}

}  // namespace hg::kernels::cuda::conv
