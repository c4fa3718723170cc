// HG_HOST_DEVICE marks small math functions that both backends share: nvcc compiles them for the
// GPU and the host; the host compiler (CPU backend, SIMT emulator) sees plain inline functions.
// Sharing one definition is what keeps the CPU and CUDA twins computing the same formula.
#pragma once

#if defined(__CUDACC__)
#define HG_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define HG_HOST_DEVICE inline
#endif
