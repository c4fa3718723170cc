// What the CPU convolution kernels (conv.cpp, direct_conv.cpp, winograd_*.cpp) share: the AVX2 +
// FMA target attribute and run-time switch (the CPU check itself is cpu_features.h), per-thread
// scratch buffers, an 8 x 8-blocked transpose between channel-major ([channel][pixel]) and
// pixel-major layouts, and the bias gradient's sum.
#pragma once

#include <cstdint>

#if defined(__GNUC__) && defined(__x86_64__)
#define HG_X86_CONV_KERNELS 1
#define HG_AVX2_FMA __attribute__((target("avx2,fma")))
#else
#define HG_X86_CONV_KERNELS 0
#endif

namespace hg::kernels::cpu {

// Whether the CPU has AVX2 and FMA (cpu_features()) and the environment variable `switch_name` is
// not "0" (the switches turn a kernel family off, to benchmark it against the path it replaces).
bool avx2_fma_kernels_enabled(const char* switch_name);

// Growable per-thread buffers: a training loop repeats the same shapes, so after the first step
// no call allocates. Each slot has one user at a time; the ones marked "caller" are filled by the
// calling thread before a parallel region and only read inside it.
enum class Scratch {
  kPaddedSource,      // direct: one sample's source with its zero border
  kPackedWeights,     // caller: direct packed weights, or Winograd-transformed weights
  kWeightPartials,    // caller: direct weight-gradient partial sums per sample group
  kSampleTemp,        // direct: transposed dy or one stride phase of dx
  kFlatOutput,        // direct: flat-mode output grid
  kWinogradInput,     // Winograd: the source, pixel-major with its zero border
  kWinogradColumns,   // Winograd: one tile row's source columns after B^T
  kWinogradTiles,     // Winograd: transformed input tiles of one tile row
  kWinogradProducts,  // Winograd: their products with the weights
  kWinogradOutput,    // Winograd: the output, pixel-major
  kCount
};
float* thread_scratch(Scratch slot, int64_t n);

// sum_i v[i] in double over 8 interleaved partial sums (lane j takes i = j mod 8) added in lane
// order at the end: independent accumulators vectorize, and the order is fixed.
double sum_in_double(const float* v, int64_t n);

// out[c] = the sum over groups g of partial[g * channels + c], added in group order in double:
// the bias gradient of a weight-gradient pass that summed its samples in fixed groups.
void sum_group_partials(const double* partial, int64_t groups, int64_t channels, float* out);

#if HG_X86_CONV_KERNELS
// dst[j * dst_ld + i] = src[i * src_ld + j] for i < rows, j < cols: 8 x 8 blocks transposed in
// AVX registers, the edges scalar. Only on CPUs where avx2_fma_kernels_enabled().
void transpose_matrix(const float* src, int64_t rows, int64_t cols, int64_t src_ld, float* dst,
                      int64_t dst_ld);
#endif

}  // namespace hg::kernels::cpu
