// errors.h (internal): the per-host-thread error state behind cudaGetLastError,
// cudaGetErrorString and hg::simt::last_error_message().
//
// Every failing emulator call records its code and a detailed message. cudaGetLastError returns
// and clears the code (like CUDA, errors are not sticky here); the message stays until the next
// error, and cudaGetErrorString / cublasGetStatusString append it when asked about that code.
#pragma once

#include <string>

#include <driver_types.h>

#include "cublas.h"

namespace hg::simt::detail {

// Records `code` as this thread's last CUDA error with `detail`; returns `code`.
cudaError_t fail(cudaError_t code, const std::string& detail);
// Records a cuBLAS failure (it does not touch cudaGetLastError); returns `status`.
cublasStatus_t fail(cublasStatus_t status, const std::string& detail);

cudaError_t last_error(bool clear);

// "<generic text>: <detail>" when the thread's most recent error was this code, else nullptr.
const char* detailed_cuda_string(cudaError_t code);
const char* detailed_cublas_string(cublasStatus_t status);

// The generic text of a cuBLAS status (cublas.cpp).
const char* cublas_status_text(cublasStatus_t status);

// Formats like printf into a std::string (for building messages).
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace hg::simt::detail
