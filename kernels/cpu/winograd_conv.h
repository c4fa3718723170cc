// Winograd F(2x2, 5x5) for the stride-1 5x5 convolutions of small-channel layers (the 32 -> 32
// layers of the PyTorch-style conv autoencoder): 36 multiplications per 2 x 2 outputs and channel
// pair instead of 100, in all three passes. direct_conv.cpp asks winograd_takes() and hands it
// the forward and stride-1 backward_data correlations (winograd_conv.cpp, which derives the
// transforms) and the weight gradient (winograd_wgrad.cpp, its dual F(5x5, 2x2)).
//
// Like the direct kernels: AVX2 + FMA only, deterministic on a given CPU (every output from one
// fixed sequence of operations, whichever thread runs it), not bitwise equal to the direct or
// GEMM paths. The transforms add rounding: against a double reference the worst error measured
// was 2.2e-6 of (1 + the sum of the terms' magnitudes), about 10x the direct kernels' 2e-7
// (tests/ops/conv_cpu_kernels_test.cpp allows 1e-4).
#pragma once

#include <cstdint>

namespace hg::kernels::cpu {

// out[o, r, c] = bias[o] + sum_{i, a, b} wk[o, i, a, b] * src[i, r - top + a, c - left + b],
// a, b < 5, src reading 0 outside its src_h x src_w planes.
struct Correlation5x5 {
  int64_t in_c, out_c;
  int64_t src_h, src_w;
  int64_t top, left;
  int64_t out_h, out_w;
};

// How the weights w given to winograd_transform_weights are laid out.
enum class WinogradWeights {
  kForward,  // wk = w, a Conv2d weight [out_c][in_c][5][5]
  kAdjoint,  // wk[o, i, a, b] = w[i, o, 4 - a, 4 - b] (backward_data: flipped, channels swapped)
};

// Whether the Winograd kernels take this correlation of a batch of `batch` samples (the CPU has
// AVX2 + FMA and HG_CPU_CONV_WINOGRAD is not 0; see winograd_conv.cpp for the rule).
bool winograd_takes(const Correlation5x5& c, int64_t batch);

// The weights transformed once per call: winograd_weights_size(c) floats.
int64_t winograd_weights_size(const Correlation5x5& c);
void winograd_transform_weights(const Correlation5x5& c, const float* w, WinogradWeights layout,
                                float* u);

// The correlation of a batch (src [batch][in_c][src_h][src_w] -> out [batch][out_c][out_h]
// [out_w]), parallel over samples; bias may be null.
void winograd_correlate(const Correlation5x5& c, int64_t batch, const float* src, const float* u,
                        const float* bias, float* out);

// The weight gradient of the forward correlation c (src = x, out = dy) over a batch:
// dw[o, i, a, b] = sum_{n, r, c} dy[n, o, r, c] * x[n, i, r - top + a, c - left + b], written as a
// Conv2d weight [out_c][in_c][5][5]. Deterministic at any thread count: samples are dealt to
// min(batch, 16) fixed groups whose partial sums are added in group order. Needs
// winograd_takes(c, batch).
void winograd_weight_gradient(const Correlation5x5& c, int64_t batch, const float* x,
                              const float* dy, float* dw);

}  // namespace hg::kernels::cpu
