// launch.h: the emulator's kernel launch and its error report.
//
// hg::cuda::launch (kernels/cuda/cuda_platform.cuh) packs the kernel's arguments into a closure
// and calls hg::simt::launch_kernel, which validates the configuration like the CUDA runtime does
// and then runs the grid to completion on the calling host thread: blocks one at a time, each GPU
// thread of a block as a fiber (scheduler.cpp). Launches from several host threads are serialised.
#pragma once

#include <cstddef>
#include <string>

#include <driver_types.h>
#include <vector_types.h>

namespace hg::simt {

// Runs `thread_body(closure)` once per GPU thread of the grid. `kernel` identifies the kernel (for
// cudaFuncSetAttribute limits). Returns cudaSuccess, or the error, which is also recorded as this
// host thread's last error (cudaGetLastError). Deadlocks, divergent barriers, bad warp masks and
// C++ exceptions escaping the kernel abort the launch with cudaErrorLaunchFailure.
cudaError_t launch_kernel(const void* kernel, dim3 grid, dim3 block, std::size_t dynamic_shared_bytes,
                          cudaStream_t stream, void (*thread_body)(void* closure), void* closure);
// The same, for a launch that a capturing stream may record: `clone_closure` copies the closure
// (with the kernel's arguments) to the heap and `destroy_closure` frees such a copy. Without them
// (the form above) a launch into a capturing stream fails with cudaErrorStreamCaptureUnsupported.
cudaError_t launch_kernel(const void* kernel, dim3 grid, dim3 block,
                          std::size_t dynamic_shared_bytes, cudaStream_t stream,
                          void (*thread_body)(void* closure), void* closure,
                          void* (*clone_closure)(const void* closure),
                          void (*destroy_closure)(void* closure));

// Kernel launches the host issued since the process started (run at once or recorded by a
// capturing stream; a graph's replay issues none), and graph launches (cudaGraphLaunch).
long long kernel_launches();
long long graph_launches();

// The detailed message of this host thread's most recent emulator error (launch failure, bad
// memcpy, invalid cuBLAS argument, ...); empty if there was none. It names the block, the thread
// and the source line where the emulator could tell.
std::string last_error_message();

// True while the calling code runs inside an emulated GPU thread.
bool in_kernel();

}  // namespace hg::simt
