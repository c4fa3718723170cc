// simt.h: everything a CUDA kernel file sees when it is compiled by the host C++ compiler under
// HG_SIMT. kernels/cuda/cuda_platform.cuh includes it instead of <cuda_runtime.h>/<cublas_v2.h>.
//
// Types come from the CUDA toolkit's own host-safe headers: vector_types.h (dim3, float4, ...),
// vector_functions.h (make_float4, ...) and driver_types.h (cudaError_t, cudaDeviceProp,
// cudaStream_t, ...), so values and layouts are exactly the toolkit's, and cuda_fp16.h /
// cuda_bf16.h work in kernels. The toolkit's runtime API header is kept out (see below); the
// emulator supplies the keywords, built-in variables, intrinsics, runtime functions, cuBLAS
// subset and launch.
#pragma once

// vector_functions.h (and through it cuda_fp16.h and cuda_bf16.h) includes cuda_runtime_api.h,
// whose extern "C" declarations of cudaMalloc & co. would clash with the emulated runtime's
// (which have C++ linkage on purpose: an emulator build can never bind to a real libcudart by
// accident). Defining that header's include guard first keeps it out. So kernel files must include
// cuda_platform.cuh before any other CUDA header, and never <cuda_runtime.h> themselves.
#if defined(__CUDA_RUNTIME_API_H__) && !defined(HG_SIMT_RUNTIME_API_BLOCKED)
#error "a CUDA runtime header was included before kernels/cuda/cuda_platform.cuh; include it first"
#endif
#define HG_SIMT_RUNTIME_API_BLOCKED 1
#define __CUDA_RUNTIME_API_H__

#include <driver_types.h>
#include <vector_functions.h>
#include <vector_types.h>

#include "atomics.h"
#include "builtins.h"
#include "cublas.h"
#include "device_math.h"
#include "keywords.h"
#include "launch.h"
#include "runtime_api.h"
#include "schedule.h"
#include "sync.h"
